/**
 * The accounts the tenant owns or was shared, and the start of a binding: a dialog offers the
 * binding's choices (API.md §3 `POST /v1/authorizations`: the open platform account — create one,
 * leave it, or an existing one — and 明文授权) before WeChat's page opens. Back from a binding, the
 * list refreshes itself once the follower sync the binding started has finished.
 */
import { api, type Account } from '../api.ts';
import { browser, type DomControl, type DomElement } from '../browser.ts';
import { actionButton, control, h, sending, when, yesNo } from '../dom.ts';
import { feedback } from '../feedback.ts';
import { statusWords, t } from '../words.ts';
import type { ScreenContext } from './context.ts';

/** How often, and how long, the list looks for the end of the sync a binding started. */
const SYNC_POLL_MS = 1_000;
const SYNC_POLL_LIMIT = 600;

export const serviceTypeWords = (account: Pick<Account, 'serviceType'>): string => t().serviceType[account.serviceType] ?? account.serviceType;

export function capabilityChips(account: Account): DomElement {
  const keys: (keyof Account['capabilities'])[] = ['qrCodes', 'templateMessages', 'payment'];
  return h(
    'span',
    { class: 'chips' },
    ...keys.map((key) => {
      const label = t().capabilityNames[key] ?? key;
      return h('span', { class: account.capabilities[key] ? 'chip on' : 'chip off', title: `${label}: ${yesNo(account.capabilities[key])}` }, label);
    }),
  );
}

export const statusBadge = (account: Account): DomElement =>
  h('span', { class: `badge status-${account.status}`, testid: 'account-status' }, statusWords[account.status] ?? account.status);

export type OpenPlatformChoice = 'create' | 'none' | { openAppId: string };
export interface BindingChoices {
  appid?: string;
  openPlatform?: OpenPlatformChoice;
  plaintextAuthorization?: boolean;
}

/** Opens WeChat's authorization page (the simulator's locally); WeChat sends the browser back to the callback. */
export async function startBinding(body: BindingChoices): Promise<void> {
  const link = await api<{ authorizeUrl: string }>('POST', '/v1/authorizations', body);
  browser.location.assign(link.authorizeUrl);
}

/** The binding's choices, asked in a dialog; Continue starts the binding with them. */
function bindDialog(): DomElement {
  const words = t();
  const status = feedback('bind-feedback');
  const dialog = h('dialog', { class: 'bind-dialog', testid: 'bind-dialog', 'aria-label': words.bindDialogTitle });
  const radio = (value: string, checked = false) =>
    control('input', { type: 'radio', name: 'open-platform', value, testid: `bind-open-platform-${value}`, checked });
  const create = radio('create', true);
  const none = radio('none');
  const existing = radio('existing');
  const openAppId = control('input', { testid: 'bind-open-app-id', class: 'mono', placeholder: words.openAppIdPlaceholder, maxlength: '64' });
  openAppId.addEventListener('change', () => (existing.checked = true));
  const plaintext = control('input', { type: 'checkbox', testid: 'bind-plaintext', checked: true });
  const choice = (): OpenPlatformChoice =>
    none.checked ? 'none' : existing.checked && openAppId.value.trim() ? { openAppId: openAppId.value.trim() } : 'create';
  const go = control('button', { type: 'button', class: 'primary', testid: 'bind-continue' }, words.continueToWeChat);
  go.addEventListener(
    'click',
    () =>
      void sending(go, async () => {
        status.clear();
        try {
          // The API's defaults ('create', true) are left out: the body names only what the person changed.
          const openPlatform = choice();
          await startBinding({
            ...(openPlatform === 'create' ? {} : { openPlatform }),
            ...(plaintext.checked ? {} : { plaintextAuthorization: false }),
          });
        } catch (error) {
          status.error(error);
        }
      }),
  );
  dialog.append(
    h('h3', {}, words.bindDialogTitle),
    h('p', { class: 'muted' }, words.bindDialogHelp),
    h(
      'fieldset',
      {},
      h('legend', {}, words.openPlatformChoice),
      h('label', { class: 'check' }, create, ` ${words.openPlatformCreate}`),
      h('label', { class: 'check' }, none, ` ${words.openPlatformNone}`),
      h('label', { class: 'check' }, existing, ` ${words.openPlatformExisting} `, openAppId),
    ),
    h('label', { class: 'check' }, plaintext, ` ${words.plaintextLabel}`),
    status.element,
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', testid: 'bind-cancel', onClick: () => (dialog.close?.(), dialog.remove()) }, words.cancel),
      go,
    ),
  );
  return dialog;
}

/**
 * After a binding, the account shows no fan count until the sync the hub queued has finished: asks
 * for the account until it carries `fans.lastSyncAt` (or the poll gives up), then calls `done`.
 * Stops as soon as the list leaves the page.
 */
async function whenSynced(appid: string, list: DomElement, done: () => void): Promise<void> {
  for (let round = 0; round < SYNC_POLL_LIMIT; round++) {
    await new Promise((resolve) => setTimeout(resolve, SYNC_POLL_MS));
    if (!list.isConnected) return;
    try {
      const account = await api<Account>('GET', `/v1/accounts/${appid}`);
      if (account.fans?.lastSyncAt || account.role !== 'owner') return done();
    } catch {
      return;
    }
  }
}

export async function accountsScreen(context: ScreenContext, highlight?: string): Promise<DomElement> {
  const words = t();
  const status = feedback('accounts-feedback');
  const { accounts } = await api<{ accounts: Account[] }>('GET', '/v1/accounts');

  const bindButton = h(
    'button',
    {
      testid: 'bind-start',
      class: 'primary',
      hidden: !context.session.admin,
      onClick: () => {
        status.clear();
        const dialog = bindDialog();
        browser.document.body.append(dialog);
        dialog.showModal?.();
      },
    },
    words.bindStart,
  );

  const makeDefault = async (account: Account) => {
    try {
      await api('PATCH', `/v1/accounts/${account.appid}`, { isDefault: true });
      context.notice(words.isDefaultNow(account.nickname));
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
      h('td', { class: 'nowrap' }, serviceTypeWords(account), h('div', { class: 'muted' }, account.verified ? words.verified : words.notVerified)),
      h('td', {}, statusBadge(account), h('div', { class: 'muted' }, account.role === 'owner' ? words.owner : words.sharedWithYou)),
      h('td', {}, capabilityChips(account)),
      h(
        'td',
        { title: account.permissions.map((p) => `${p.id} ${p.name}`).join('\n') },
        words.sets(account.permissions.length),
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
          account.fans?.lastSyncAt ? words.synced(when(account.fans.lastSyncAt)) : account.role === 'owner' ? words.notSyncedYet : words.keptByOwner,
        ),
      ),
      h(
        'td',
        { class: 'nowrap' },
        account.isDefault
          ? h('span', { class: 'badge default', testid: 'account-default' }, words.defaultBadge)
          : context.session.admin && account.status === 'active'
            ? actionButton({ class: 'link', testid: 'make-default' }, words.makeDefault, () => makeDefault(account))
            : '',
      ),
    ),
  );

  const section = h(
    'section',
    { testid: 'accounts-screen' },
    h('div', { class: 'toolbar' }, h('h2', {}, words.accountsTitle), bindButton),
    status.element,
    accounts.length === 0
      ? h('p', { class: 'empty', testid: 'accounts-empty' }, context.session.admin ? words.accountsEmptyAdmin : words.accountsEmptyMember)
      : h(
          'div',
          { class: 'scroll' },
          h(
            'table',
            { testid: 'accounts-table' },
            h('thead', {}, h('tr', {}, ...words.accountsColumns.map((title) => h('th', {}, title)))),
            h('tbody', {}, ...rows),
          ),
        ),
  );

  const bound = accounts.find((account) => account.appid === highlight);
  if (bound && bound.role === 'owner' && !bound.fans?.lastSyncAt) {
    const waiting = h('p', { class: 'muted small', testid: 'bind-sync-waiting' }, words.syncAfterBinding);
    section.append(waiting);
    void whenSynced(bound.appid, section, () => {
      context.notice(words.syncAfterBindingDone);
      context.go('#/accounts');
    });
  }
  return section;
}
