/** The tenant's own settings (`GET /v1/tenant`, API.md §3 `TenantSettings`), read-only for its admin. */
import { api, type TenantSettings } from '../api.ts';
import type { DomElement } from '../browser.ts';
import { h } from '../dom.ts';
import { t } from '../words.ts';

/** The settings as facts: quota, the binding policy and where it comes from, the features. */
export function settingsFacts(settings: TenantSettings): DomElement {
  const words = t();
  const policy = settings.bindingPolicy;
  const onOff = (value: boolean) => h('span', { class: value ? 'badge status-active' : 'badge' }, value ? words.on : words.off);
  const facts: [string, string | DomElement, string][] = [
    [words.tenant, h('span', { class: 'mono' }, settings.tenantId), 'tenant'],
    [words.quota, String(settings.accountQuota), 'quota'],
    [words.owned, String(settings.ownedAccounts), 'owned'],
    [words.requireService, onOff(policy.requireServiceAccount), 'require-service'],
    [words.requireVerified, onOff(policy.requireVerified), 'require-verified'],
    [words.requiredSets, policy.requiredFuncIds.length > 0 ? policy.requiredFuncIds.join(', ') : '—', 'required-sets'],
    [words.policy, words.policySource[policy.source] ?? policy.source, 'policy-source'],
    [words.wecom, onOff(settings.features.wecom), 'wecom'],
  ];
  return h(
    'dl',
    { class: 'facts', testid: 'settings-facts' },
    ...facts.flatMap(([term, value, id]) => [h('dt', {}, term), h('dd', { testid: `setting-${id}` }, value)]),
  );
}

export async function tenantScreen(): Promise<DomElement> {
  const settings = await api<TenantSettings>('GET', '/v1/tenant');
  const words = t();
  return h(
    'section',
    { testid: 'tenant-screen' },
    h('h2', {}, words.tenantTitle),
    h('p', { class: 'muted' }, words.tenantReadOnly),
    h('div', { class: 'panel' }, settingsFacts(settings)),
  );
}
