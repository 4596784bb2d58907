/** The tenant's audit trail, newest first, a page at a time. */
import { api, type AuditEvent } from '../api.ts';
import type { DomElement } from '../browser.ts';
import { control, h, when } from '../dom.ts';
import { feedback } from '../feedback.ts';

const describeDetails = (details: Record<string, unknown> | undefined): string =>
  details
    ? Object.entries(details)
        .map(([key, value]) => `${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
        .join(' · ')
    : '';

export async function auditScreen(): Promise<DomElement> {
  const status = feedback('audit-feedback');
  const body = h('tbody', {});
  const more = control('button', { testid: 'audit-more', hidden: true }, 'Older events');
  let cursor: string | null = null;

  const load = async () => {
    const query = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
    const page = await api<{ events: AuditEvent[]; nextCursor: string | null }>('GET', `/v1/audit${query}`);
    body.append(
      ...page.events.map((event) =>
        h(
          'tr',
          { testid: 'audit-row' },
          h('td', { class: 'nowrap' }, when(event.at)),
          h('td', {}, event.actor),
          h('td', { class: 'mono' }, event.action),
          h('td', { class: 'mono' }, event.appid ?? ''),
          h('td', { class: 'small muted' }, describeDetails(event.details)),
        ),
      ),
    );
    cursor = page.nextCursor;
    more.hidden = !cursor;
  };
  more.addEventListener('click', () => void load().catch((error: unknown) => status.error(error)));
  await load();

  return h(
    'section',
    { testid: 'audit-screen' },
    h('h2', {}, 'Audit trail'),
    status.element,
    h('table', { testid: 'audit-table' }, h('thead', {}, h('tr', {}, ...['When', 'Who', 'What', 'Account', 'Details'].map((t) => h('th', {}, t)))), body),
    more,
  );
}
