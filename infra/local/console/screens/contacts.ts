/** A contact by unionid across the tenant's accounts (`GET /v1/contacts/{unionid}`, owner accounts). */
import { api, type Account, type Contact } from '../api.ts';
import type { DomElement } from '../browser.ts';
import { control, h, when, yesNo } from '../dom.ts';
import { t } from '../words.ts';
import type { ScreenContext } from './context.ts';

export async function contactsScreen(context: ScreenContext, unionid?: string): Promise<DomElement> {
  const words = t();
  const input = control('input', { testid: 'contact-unionid', value: unionid ?? '', maxlength: '128', required: true, class: 'mono', placeholder: 'oUnion…' });
  const section = h(
    'section',
    { testid: 'contacts-screen' },
    h('h2', {}, words.contactsTitle),
    h('p', { class: 'muted' }, words.contactsHelp),
    h(
      'form',
      {
        class: 'panel inline',
        onSubmit: (event) => {
          event.preventDefault();
          context.go(`#/contacts/${encodeURIComponent(input.value.trim())}`);
        },
      },
      h('label', {}, words.unionid, input),
      h('button', { type: 'submit', class: 'primary', testid: 'contact-find' }, words.find),
    ),
  );
  if (!unionid) return section;
  const [contact, { accounts }] = await Promise.all([
    api<Contact>('GET', `/v1/contacts/${encodeURIComponent(unionid)}`),
    api<{ accounts: Account[] }>('GET', '/v1/accounts'),
  ]);
  const nameOf = (appid: string) => accounts.find((account) => account.appid === appid)?.nickname ?? appid;
  section.append(
    contact.accounts.length === 0
      ? h('p', { class: 'empty', testid: 'contact-none' }, words.contactNone)
      : h(
          'div',
          { class: 'scroll' },
          h(
            'table',
            { testid: 'contact-table' },
            h('thead', {}, h('tr', {}, ...words.contactColumns.map((title) => h('th', {}, title)))),
            h(
              'tbody',
              {},
              ...contact.accounts.map((entry) =>
                h(
                  'tr',
                  { testid: 'contact-row' },
                  h('td', {}, h('a', { href: `#/accounts/${entry.appid}` }, nameOf(entry.appid))),
                  h('td', { class: 'mono' }, entry.openid),
                  h('td', {}, yesNo(entry.subscribed)),
                  h('td', { class: 'nowrap' }, when(entry.subscribedAt)),
                  h('td', { class: 'nowrap' }, when(entry.unsubscribedAt)),
                ),
              ),
            ),
          ),
        ),
  );
  return section;
}
