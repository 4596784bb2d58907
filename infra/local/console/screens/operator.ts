/**
 * The Operator screen, for a token with the `operator` role (the SaaS's own staff): find a tenant by
 * its id (`GET /v1/operator/tenants/{tenantId}`) and change its quota, binding policy and features
 * (`PATCH`, API.md §3). An operator sees nothing else: no accounts, followers or audit of any tenant.
 */
import { api, type TenantSettings } from '../api.ts';
import type { DomElement } from '../browser.ts';
import { control, h, sendingForm } from '../dom.ts';
import { feedback } from '../feedback.ts';
import { t } from '../words.ts';
import type { ScreenContext } from './context.ts';
import { settingsFacts } from './tenant.ts';

export async function operatorScreen(context: ScreenContext, tenantId?: string): Promise<DomElement> {
  const words = t();
  const status = feedback('operator-feedback');
  const find = control('input', { testid: 'operator-tenant', value: tenantId ?? '', maxlength: '128', required: true, placeholder: 'demo' });
  const section = h(
    'section',
    { testid: 'operator-screen' },
    h('h2', {}, words.operatorTitle),
    h('p', { class: 'muted' }, words.operatorHelp),
    h(
      'form',
      {
        class: 'panel inline',
        onSubmit: (event) => {
          event.preventDefault();
          context.go(`#/operator/${encodeURIComponent(find.value.trim())}`);
        },
      },
      h('label', {}, words.tenantId, find),
      h('button', { type: 'submit', class: 'primary', testid: 'operator-find' }, words.find),
    ),
    status.element,
  );
  if (!tenantId) return section;

  const settings = await api<TenantSettings>('GET', `/v1/operator/tenants/${encodeURIComponent(tenantId)}`);
  const policy = settings.bindingPolicy;
  const quota = control('input', { type: 'number', min: '1', max: '1000', value: String(settings.accountQuota), testid: 'operator-quota', class: 'narrow' });
  const useDefault = control('input', { type: 'checkbox', testid: 'operator-policy-default', checked: policy.source === 'default' });
  const requireService = control('input', { type: 'checkbox', testid: 'operator-require-service', checked: policy.requireServiceAccount });
  const requireVerified = control('input', { type: 'checkbox', testid: 'operator-require-verified', checked: policy.requireVerified });
  const requiredSets = control('input', { testid: 'operator-required-sets', value: policy.requiredFuncIds.join(', '), placeholder: '1, 2, 15' });
  const wecom = control('input', { type: 'checkbox', testid: 'operator-wecom', checked: settings.features.wecom });
  const policyFields = [requireService, requireVerified, requiredSets];
  const syncPolicy = () => {
    for (const field of policyFields) field.disabled = useDefault.checked;
  };
  useDefault.addEventListener('change', syncPolicy);
  // Editing a policy field is setting the tenant's own policy.
  for (const field of policyFields) field.addEventListener('change', () => (useDefault.checked = false));
  syncPolicy();
  const facts = h('div', { testid: 'operator-settings' }, settingsFacts(settings));

  const save = async () => {
    status.clear();
    try {
      const saved = await api<TenantSettings>('PATCH', `/v1/operator/tenants/${encodeURIComponent(tenantId)}`, {
        accountQuota: Number(quota.value),
        bindingPolicy: useDefault.checked
          ? null
          : {
              requireServiceAccount: requireService.checked,
              requireVerified: requireVerified.checked,
              requiredFuncIds: requiredSets.value
                .split(/[,，\s]+/)
                .filter(Boolean)
                .map(Number),
            },
        features: { wecom: wecom.checked },
      });
      facts.replaceChildren(settingsFacts(saved));
      status.ok(words.operatorSaved(saved.tenantId));
    } catch (error) {
      status.error(error);
    }
  };

  section.append(
    h('div', { class: 'panel' }, h('h3', {}, settings.tenantId), facts),
    sendingForm(
      { class: 'panel settings-form', testid: 'operator-form' },
      save,
      h('label', { class: 'field' }, h('span', {}, words.quota), quota),
      h(
        'fieldset',
        {},
        h('legend', {}, words.policy),
        h('label', { class: 'check' }, useDefault, ` ${words.policyUseDefault}`),
        h('label', { class: 'check' }, requireService, ` ${words.requireService}`),
        h('label', { class: 'check' }, requireVerified, ` ${words.requireVerified}`),
        h('label', { class: 'field' }, h('span', {}, `${words.requiredSets} (${words.requiredSetsHelp})`), requiredSets),
      ),
      h('fieldset', {}, h('legend', {}, words.features), h('label', { class: 'check' }, wecom, ` ${words.wecom}`)),
      h('button', { type: 'submit', class: 'primary', testid: 'operator-save' }, words.saveSettings),
    ),
  );
  return section;
}
