/**
 * The tenant's audit trail, newest first, a page at a time: each event said as a sentence in the
 * console's language ("local-admin 绑定了公众号 模拟服务号"), with the account's name when the tenant
 * still has it; an action the console has no sentence for falls back to a generic one.
 */
import { api, type Account, type AuditEvent } from '../api.ts';
import type { DomElement } from '../browser.ts';
import { actionButton, h, when } from '../dom.ts';
import { feedback } from '../feedback.ts';
import { t } from '../words.ts';

const describeDetails = (details: Record<string, unknown> | undefined): string =>
  details
    ? Object.entries(details)
        .map(([key, value]) => `${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
        .join(' · ')
    : '';

/** The event as a sentence in the current language. */
export function auditSentence(event: AuditEvent, nameOf: (appid: string) => string): string {
  const words = t();
  const parts = {
    actor: event.actor || words.someone,
    account: event.appid ? nameOf(event.appid) : '',
    details: (event.details ?? {}) as Record<string, unknown>,
  };
  const sentence = words.audit[event.action];
  return sentence ? sentence(parts) : words.auditGeneric({ ...parts, action: event.action });
}

export async function auditScreen(): Promise<DomElement> {
  const words = t();
  const status = feedback('audit-feedback');
  const body = h('tbody', {});
  const { accounts } = await api<{ accounts: Account[] }>('GET', '/v1/accounts');
  const names = new Map(accounts.map((account) => [account.appid, account.nickname]));
  const nameOf = (appid: string) => names.get(appid) ?? appid;
  let cursor: string | null = null;

  const load = async () => {
    const query = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
    const page = await api<{ events: AuditEvent[]; nextCursor: string | null }>('GET', `/v1/audit${query}`);
    body.append(
      ...page.events.map((event) =>
        h(
          'tr',
          { testid: 'audit-row', 'data-action': event.action },
          h('td', { class: 'nowrap' }, when(event.at)),
          h('td', { testid: 'audit-sentence' }, auditSentence(event, nameOf)),
          h('td', { class: 'mono small' }, event.action, event.appid ? h('div', { class: 'muted' }, event.appid) : null),
          h('td', { class: 'small muted' }, describeDetails(event.details)),
        ),
      ),
    );
    cursor = page.nextCursor;
    more.hidden = !cursor;
  };
  const more = actionButton({ testid: 'audit-more', hidden: true }, words.olderEvents, () => load().catch((error: unknown) => status.error(error)));
  await load();

  return h(
    'section',
    { testid: 'audit-screen' },
    h('h2', {}, words.auditTitle),
    status.element,
    h(
      'div',
      { class: 'scroll' },
      h('table', { testid: 'audit-table' }, h('thead', {}, h('tr', {}, ...words.auditColumns.map((title) => h('th', {}, title)))), body),
    ),
    more,
  );
}
