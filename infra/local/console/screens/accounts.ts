/** The accounts the tenant owns or was shared, and the start of a binding. */
import { api, type Account } from '../api.ts';
import { browser, type DomElement } from '../browser.ts';
import { h, when, yesNo } from '../dom.ts';
import { feedback } from '../feedback.ts';
import { statusWords } from '../words.ts';
import type { ScreenContext } from './context.ts';

export const serviceTypeWords = (account: Pick<Account, 'serviceType'>): string =>
  account.serviceType === 'service' ? '服务号 service' : '订阅号 subscription';

export function capabilityChips(account: Account): DomElement {
  const names: [keyof Account['capabilities'], string][] = [
    ['qrCodes', 'QR codes'],
    ['templateMessages', 'template messages'],
    ['payment', 'payment'],
  ];
  return h(
    'span',
    { class: 'chips' },
    ...names.map(([key, label]) =>
      h('span', { class: account.capabilities[key] ? 'chip on' : 'chip off', title: `${label}: ${yesNo(account.capabilities[key])}` }, label),
    ),
  );
}

export const statusBadge = (account: Account): DomElement =>
  h('span', { class: `badge status-${account.status}`, testid: 'account-status' }, statusWords[account.status] ?? account.status);

/** Opens WeChat's authorization page (the simulator's locally); WeChat sends the browser back to the callback. */
export async function startBinding(body: { appid?: string }): Promise<void> {
  const link = await api<{ authorizeUrl: string }>('POST', '/v1/authorizations', body);
  browser.location.assign(link.authorizeUrl);
}

export async function accountsScreen(context: ScreenContext, highlight?: string): Promise<DomElement> {
  const status = feedback('accounts-feedback');
  const { accounts } = await api<{ accounts: Account[] }>('GET', '/v1/accounts');

  const bindButton = h(
    'button',
    {
      testid: 'bind-start',
      class: 'primary',
      hidden: !context.session.admin,
      onClick: async () => {
        status.clear();
        try {
          await startBinding({});
        } catch (error) {
          status.error(error);
        }
      },
    },
    'Bind an Official Account',
  );

  const makeDefault = async (account: Account) => {
    try {
      await api('PATCH', `/v1/accounts/${account.appid}`, { isDefault: true });
      context.notice(`${account.nickname} is now the default account.`);
      context.go('#/accounts');
    } catch (error) {
      status.error(error);
    }
  };

  const rows = accounts.map((account) =>
    h(
      'tr',
      { testid: `account-row-${account.appid}`, class: account.appid === highlight ? 'highlight' : undefined },
      h(
        'td',
        {},
        h('a', { href: `#/accounts/${account.appid}`, class: 'strong', testid: 'account-link' }, account.nickname),
        h('div', { class: 'muted mono' }, `${account.appid} · ${account.userName}`),
      ),
      h('td', { class: 'nowrap' }, serviceTypeWords(account), h('div', { class: 'muted' }, account.verified ? '已认证 verified' : '未认证 not verified')),
      h('td', {}, statusBadge(account), h('div', { class: 'muted' }, account.role === 'owner' ? 'owner' : 'shared with you')),
      h('td', {}, capabilityChips(account)),
      h(
        'td',
        { title: account.permissions.map((p) => `${p.id} ${p.name}`).join('\n') },
        `${account.permissions.length} sets`,
        h(
          'div',
          { class: 'muted small' },
          account.permissions
            .slice(0, 3)
            .map((p) => p.name)
            .join('、') + (account.permissions.length > 3 ? ' …' : ''),
        ),
      ),
      h(
        'td',
        { testid: 'account-followers' },
        account.fans ? `${account.fans.subscribed.toLocaleString('en')} / ${account.fans.total.toLocaleString('en')}` : '—',
        h(
          'div',
          { class: 'muted small' },
          account.fans?.lastSyncAt ? `synced ${when(account.fans.lastSyncAt)}` : account.role === 'owner' ? 'not synced yet' : 'kept by the owner',
        ),
      ),
      h(
        'td',
        { class: 'nowrap' },
        account.isDefault
          ? h('span', { class: 'badge default', testid: 'account-default' }, '★ default')
          : context.session.admin && account.status === 'active'
            ? h('button', { class: 'link', testid: 'make-default', onClick: () => makeDefault(account) }, 'Make default')
            : '',
      ),
    ),
  );

  return h(
    'section',
    { testid: 'accounts-screen' },
    h('div', { class: 'toolbar' }, h('h2', {}, 'Official Accounts'), bindButton),
    status.element,
    accounts.length === 0
      ? h(
          'p',
          { class: 'empty', testid: 'accounts-empty' },
          context.session.admin
            ? 'No accounts yet. Bind one: WeChat opens its authorization page, you pick the account and confirm.'
            : 'No account is shared with your departments yet.',
        )
      : h(
          'table',
          { testid: 'accounts-table' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...['Account', 'Type', 'Status', 'Capabilities', 'Permissions', 'Followers (subscribed / total)', ''].map((title) => h('th', {}, title)),
            ),
          ),
          h('tbody', {}, ...rows),
        ),
  );
}
