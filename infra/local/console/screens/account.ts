/**
 * One account: what WeChat granted, and what its owner can do with it (followers, share codes,
 * recipients, communities, unbinding); a recipient can unlink its communities and release it. The
 * owner's tabs (`#/accounts/<appid>/<tab>`): Auto-replies and Menu for its admins, Messages for
 * everyone who sees the account's followers.
 */
import { api, ApiError, type Account, type Fan, type FanSyncJob, type Share } from '../api.ts';
import { browser, type DomElement } from '../browser.ts';
import { control, h, when, yesNo } from '../dom.ts';
import { feedback } from '../feedback.ts';
import { syncWords, tabWords } from '../words.ts';
import { capabilityChips, serviceTypeWords, startBinding, statusBadge } from './accounts.ts';
import { autoRepliesTab } from './auto-replies.ts';
import type { ScreenContext } from './context.ts';
import { menuTab } from './menu.ts';
import { messagesTab } from './messages.ts';

const SYNC_POLL_MS = 400;
const FANS_PAGE_SIZE = 10;

export type AccountTab = 'overview' | 'auto-replies' | 'menu' | 'messages';
export const ACCOUNT_TABS: readonly AccountTab[] = ['overview', 'auto-replies', 'menu', 'messages'];

/** The tabs this person has on this account: the owner's admins edit replies and menu; its members read messages. */
function tabsFor(account: Account, admin: boolean): AccountTab[] {
  if (account.role !== 'owner') return ['overview'];
  return admin ? [...ACCOUNT_TABS] : ['overview', 'messages'];
}

export async function accountScreen(context: ScreenContext, appid: string, tab: AccountTab = 'overview'): Promise<DomElement> {
  const account = await api<Account>('GET', `/v1/accounts/${appid}`);
  const admin = context.session.admin;
  const owner = account.role === 'owner';
  const active = account.status === 'active';
  const tabs = tabsFor(account, admin);
  const shown = tabs.includes(tab) ? tab : 'overview';

  let content: (DomElement | null)[];
  if (shown === 'auto-replies') content = [await autoRepliesTab(account)];
  else if (shown === 'menu') content = [await menuTab(account)];
  else if (shown === 'messages') content = [messagesTab(account)];
  else {
    content = [
      owner ? followersPanel(account, admin && active) : null,
      owner && admin ? sharingPanel(account) : null,
      admin ? communitiesPanel(account) : null,
      admin ? unbindPanel(context, account) : null,
    ];
  }

  return h(
    'section',
    { testid: 'account-screen', 'data-appid': account.appid, 'data-tab': shown },
    h('p', {}, h('a', { href: '#/accounts' }, '← All accounts')),
    summaryPanel(context, account),
    tabs.length > 1
      ? h(
          'nav',
          { class: 'tabs', testid: 'account-tabs' },
          ...tabs.map((name) =>
            h(
              'a',
              {
                href: name === 'overview' ? `#/accounts/${appid}` : `#/accounts/${appid}/${name}`,
                class: name === shown ? 'current' : undefined,
                testid: `tab-${name}`,
              },
              tabWords[name] ?? name,
            ),
          ),
        )
      : null,
    ...content,
  );
}

function summaryPanel(context: ScreenContext, account: Account): DomElement {
  const status = feedback('summary-feedback');
  const admin = context.session.admin;
  const facts: [string, string | DomElement][] = [
    ['appid', h('span', { class: 'mono' }, account.appid)],
    ['Original id', h('span', { class: 'mono' }, account.userName)],
    ['Principal', account.principalName ?? '—'],
    ['Type', `${serviceTypeWords(account)} · ${account.verified ? '已认证 verified' : '未认证 not verified'}`],
    ['Status', statusBadge(account)],
    ['Your role', account.role === 'owner' ? 'owner' : 'shared with you'],
    ['Authorized', when(account.authorizedAt)],
    ...(account.revokedAt ? ([['Revoked', when(account.revokedAt)]] as [string, string][]) : []),
    ['Open platform', account.openAppId ? h('span', { class: 'mono' }, account.openAppId) : '—'],
    ['Capabilities', capabilityChips(account)],
    ['Default', account.isDefault ? '★ the tenant’s default account' : 'no'],
  ];
  const setDefault = h(
    'button',
    {
      testid: 'set-default',
      hidden: !admin || account.isDefault || account.status !== 'active',
      onClick: async () => {
        try {
          await api('PATCH', `/v1/accounts/${account.appid}`, { isDefault: true });
          context.notice(`${account.nickname} is now the default account.`);
          context.go(`#/accounts/${account.appid}`);
        } catch (error) {
          status.error(error);
        }
      },
    },
    'Make default',
  );
  const reauthorize = h(
    'button',
    {
      testid: 'reauthorize',
      hidden: !admin || account.role !== 'owner' || account.status === 'unbound',
      onClick: async () => {
        try {
          await startBinding({ appid: account.appid });
        } catch (error) {
          status.error(error);
        }
      },
    },
    account.status === 'active' ? 'Re-authorize (change permissions)' : 'Re-authorize',
  );
  return h(
    'div',
    { class: 'panel', testid: 'account-summary' },
    h('div', { class: 'toolbar' }, h('h2', {}, account.nickname), h('span', { class: 'actions' }, setDefault, reauthorize)),
    status.element,
    h('dl', { class: 'facts' }, ...facts.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)])),
    h('h3', {}, `Permission sets granted (${account.permissions.length})`),
    h('ul', { class: 'chips', testid: 'account-permissions' }, ...account.permissions.map((set) => h('li', { class: 'chip on' }, `${set.id} ${set.name}`))),
  );
}

function followersPanel(account: Account, canSync: boolean): DomElement {
  const status = feedback('fans-feedback');
  const progress = control('progress', { testid: 'fan-sync-progress', max: '100', value: '0', hidden: true });
  const progressText = h(
    'span',
    { testid: 'fan-sync-status', class: 'muted' },
    account.fans
      ? `${account.fans.subscribed.toLocaleString('en')} subscribed of ${account.fans.total.toLocaleString('en')} known · last sync ${when(account.fans.lastSyncAt)}`
      : 'Not synced yet.',
  );
  const body = h('tbody', {});
  const table = h(
    'table',
    { testid: 'fans-table' },
    h('thead', {}, h('tr', {}, ...['openid', 'unionid', 'Subscribed', 'Since', 'Tags', 'Remark'].map((t) => h('th', {}, t)))),
    body,
  );
  const filter = control(
    'select',
    { testid: 'fans-filter' },
    h('option', { value: '' }, 'Everyone'),
    h('option', { value: 'true' }, 'Subscribed'),
    h('option', { value: 'false' }, 'Unsubscribed'),
  );
  const pageLabel = h('span', { class: 'muted', testid: 'fans-page' }, '');
  const previous = control('button', { testid: 'fans-prev', disabled: true }, '← Previous');
  const next = control('button', { testid: 'fans-next', disabled: true }, 'Next →');
  // Cursors of the pages seen so far: `cursors[i]` opens page i (undefined: the first).
  let cursors: (string | undefined)[] = [undefined];
  let pageIndex = 0;

  const loadPage = async (index: number) => {
    const query = new URLSearchParams({ limit: String(FANS_PAGE_SIZE) });
    const cursor = cursors[index];
    if (cursor) query.set('cursor', cursor);
    if (filter.value) query.set('subscribed', filter.value);
    try {
      const page = await api<{ fans: Fan[]; nextCursor: string | null }>('GET', `/v1/accounts/${account.appid}/fans?${query.toString()}`);
      pageIndex = index;
      cursors = cursors.slice(0, index + 1);
      if (page.nextCursor) cursors.push(page.nextCursor);
      body.replaceChildren(
        ...(page.fans.length === 0
          ? [h('tr', {}, h('td', { colspan: '6', class: 'empty' }, 'No followers here yet.'))]
          : page.fans.map((fan) =>
              h(
                'tr',
                { testid: 'fan-row' },
                h('td', { class: 'mono' }, fan.openid),
                h('td', { class: 'mono' }, fan.unionid ?? '—'),
                h('td', {}, yesNo(fan.subscribed)),
                h('td', {}, when(fan.subscribed ? fan.subscribedAt : fan.unsubscribedAt)),
                h('td', {}, fan.tagIds.length > 0 ? fan.tagIds.join(', ') : '—'),
                h('td', {}, fan.remark || '—'),
              ),
            )),
      );
      pageLabel.textContent = `Page ${index + 1}`;
      previous.disabled = index === 0;
      next.disabled = !page.nextCursor;
    } catch (error) {
      status.error(error);
    }
  };
  previous.addEventListener('click', () => void loadPage(pageIndex - 1));
  next.addEventListener('click', () => void loadPage(pageIndex + 1));
  filter.addEventListener('change', () => {
    cursors = [undefined];
    void loadPage(0);
  });

  const showJob = (job: FanSyncJob) => {
    const finished = job.status === 'done';
    const handled = job.synced + job.failed;
    const percent = finished ? 100 : job.listed > 0 ? Math.min(99, Math.floor((handled / job.listed) * 100)) : 0;
    progress.hidden = false;
    progress.value = String(percent);
    progress.setAttribute('data-percent', String(percent));
    progress.setAttribute('data-status', job.status);
    progressText.textContent =
      job.error?.code === 'abandoned'
        ? // It made no progress for too long and a newer request replaced it (README "Followers").
          `A sync started at ${when(job.startedAt).slice(11)} stopped; start again.`
        : `${syncWords[job.status] ?? job.status} · ${percent} % · ${job.synced.toLocaleString('en')} of ${job.listed.toLocaleString('en')} followers synced${job.failed > 0 ? `, ${job.failed} failed` : ''}${job.unsubscribedMarked > 0 ? `, ${job.unsubscribedMarked} marked unsubscribed` : ''}${job.error ? ` — ${job.error.message}` : ''}`;
  };

  const watch = async (jobId: string) => {
    for (;;) {
      const job = await api<FanSyncJob>('GET', `/v1/accounts/${account.appid}/fan-syncs/${jobId}`);
      showJob(job);
      if (job.status === 'done' || job.status === 'failed') return job;
      await new Promise((resolve) => setTimeout(resolve, SYNC_POLL_MS));
    }
  };

  const syncButton = control(
    'button',
    {
      testid: 'fan-sync-start',
      class: 'primary',
      hidden: !canSync,
      onClick: async () => {
        status.clear();
        syncButton.disabled = true;
        try {
          const { jobId } = await api<{ jobId: string }>('POST', `/v1/accounts/${account.appid}/fan-syncs`);
          const job = await watch(jobId);
          if (job.status === 'done') await loadPage(0);
        } catch (error) {
          status.error(error);
        } finally {
          syncButton.disabled = false;
        }
      },
    },
    'Sync followers now',
  );

  void loadPage(0);
  return h(
    'div',
    { class: 'panel', testid: 'fans-panel' },
    h('div', { class: 'toolbar' }, h('h3', {}, 'Followers'), syncButton),
    h('div', { class: 'progress-line' }, progress, progressText),
    status.element,
    h('div', { class: 'toolbar' }, filter, h('span', { class: 'actions' }, previous, pageLabel, next)),
    table,
  );
}

function sharingPanel(account: Account): DomElement {
  const status = feedback('sharing-feedback');
  const count = control('input', { type: 'number', min: '1', max: '100', value: '1', testid: 'share-count', class: 'narrow' });
  const includePayment = control('input', { type: 'checkbox', testid: 'share-include-payment', checked: true });
  const codesBox = h('div', { testid: 'share-codes-box', hidden: true });
  const sharesBody = h('tbody', {});
  const sharesTable = h(
    'table',
    { testid: 'shares-table' },
    h('thead', {}, h('tr', {}, ...['Tenant', 'Linked', 'Payment', 'Communities', ''].map((t) => h('th', {}, t)))),
    sharesBody,
  );

  const copy = async (text: string, button: DomElement) => {
    try {
      await browser.navigator.clipboard?.writeText(text);
      button.textContent = 'Copied';
    } catch {
      button.textContent = 'Select and copy it by hand';
    }
  };

  const generate = async () => {
    status.clear();
    try {
      const result = await api<{ codes: string[]; expiresAt: string }>('POST', `/v1/accounts/${account.appid}/share-codes`, {
        count: Number(count.value),
        includePayment: includePayment.checked,
      });
      const copyAll = h('button', { testid: 'copy-all-codes', onClick: () => void copy(result.codes.join('\n'), copyAll) }, 'Copy all');
      codesBox.hidden = false;
      codesBox.replaceChildren(
        h('p', { class: 'warning' }, 'Shown once: the hub cannot show these codes again. Copy them now and give each to one tenant.'),
        h(
          'ul',
          { class: 'codes', testid: 'share-codes' },
          ...result.codes.map((code) => {
            const button = h('button', { class: 'small', testid: 'copy-code', onClick: () => void copy(code, button) }, 'Copy');
            return h('li', {}, h('code', { testid: 'share-code' }, code), button);
          }),
        ),
        h('p', {}, h('span', { testid: 'share-expiry' }, `Valid until ${when(result.expiresAt)}`), result.codes.length > 1 ? copyAll : null),
      );
      await loadShares();
    } catch (error) {
      status.error(error);
    }
  };

  const loadShares = async () => {
    try {
      const { shares } = await api<{ shares: Share[] }>('GET', `/v1/accounts/${account.appid}/shares`);
      sharesBody.replaceChildren(
        ...(shares.length === 0
          ? [h('tr', {}, h('td', { colspan: '5', class: 'empty', testid: 'shares-empty' }, 'Not shared with any tenant.'))]
          : shares.map((share) =>
              h(
                'tr',
                { testid: 'share-row', 'data-tenant': share.tenantId },
                h('td', { class: 'mono' }, share.tenantId),
                h('td', {}, when(share.linkedAt)),
                h('td', {}, yesNo(share.includePayment)),
                h('td', {}, String(share.communities)),
                h('td', {}, h('button', { class: 'danger small', testid: 'revoke-share', onClick: () => void revoke(share.tenantId) }, 'Revoke')),
              ),
            )),
      );
    } catch (error) {
      status.error(error);
    }
  };

  const revoke = async (tenantId: string) => {
    status.clear();
    try {
      await api('DELETE', `/v1/accounts/${account.appid}/shares/${encodeURIComponent(tenantId)}`);
      status.ok(`Revoked ${tenantId}'s share and unlinked its communities from this account.`);
      await loadShares();
    } catch (error) {
      status.error(error);
    }
  };

  const revokeAll = async () => {
    status.clear();
    try {
      await api('DELETE', `/v1/accounts/${account.appid}/shares`);
      codesBox.hidden = true;
      status.ok('Revoked every share and every unused code.');
      await loadShares();
    } catch (error) {
      status.error(error);
    }
  };

  void loadShares();
  return h(
    'div',
    { class: 'panel', testid: 'sharing-panel' },
    h('h3', {}, 'Share with other tenants'),
    h(
      'form',
      {
        class: 'inline',
        onSubmit: (event) => {
          event.preventDefault();
          void generate();
        },
      },
      h('label', {}, 'Codes ', count),
      account.capabilities.payment ? h('label', {}, includePayment, ' include the payment interface') : null,
      h('button', { type: 'submit', class: 'primary', testid: 'share-generate' }, 'Generate share codes'),
    ),
    status.element,
    codesBox,
    h(
      'div',
      { class: 'toolbar' },
      h('h4', {}, 'Recipients'),
      h('button', { class: 'danger small', testid: 'revoke-all-shares', onClick: () => void revokeAll() }, 'Revoke every share and code'),
    ),
    sharesTable,
  );
}

function communitiesPanel(account: Account): DomElement {
  const status = feedback('unlink-feedback');
  const owner = account.role === 'owner';
  return h(
    'div',
    { class: 'panel', testid: 'account-communities-panel' },
    h('h3', {}, 'Communities'),
    h(
      'p',
      { class: 'muted' },
      owner
        ? 'Unlinks every tenant’s communities from this account and its payment interface.'
        : 'Unlinks your communities from this account and its payment interface.',
      ' Link communities on the ',
      h('a', { href: '#/communities' }, 'Communities'),
      ' page.',
    ),
    h(
      'button',
      {
        testid: 'unlink-communities',
        onClick: async () => {
          try {
            const { unlinked } = await api<{ unlinked: number }>('DELETE', `/v1/accounts/${account.appid}/communities`);
            status.ok(unlinked === 1 ? 'Unlinked 1 community.' : `Unlinked ${unlinked} communities.`);
          } catch (error) {
            status.error(error);
          }
        },
      },
      'Unlink communities',
    ),
    status.element,
  );
}

function unbindPanel(context: ScreenContext, account: Account): DomElement {
  const status = feedback('unbind-feedback');
  const owner = account.role === 'owner';
  const confirm = h('span', { hidden: true, class: 'confirm' });
  const run = async () => {
    status.clear();
    try {
      await api('DELETE', `/v1/accounts/${account.appid}`);
      context.notice(
        owner ? `${account.nickname} is unbound. Its tokens, followers and shares are gone from the hub.` : `You no longer have ${account.nickname}.`,
      );
      context.go('#/accounts');
    } catch (error) {
      confirm.hidden = true;
      status.error(error);
      if (error instanceof ApiError && error.code === 'revoke_in_wechat_first') status.element.setAttribute('data-code', error.code);
    }
  };
  confirm.replaceChildren(
    owner ? 'Unbinding removes its tokens, followers, shares and community links from the hub. ' : 'Your communities must be unlinked first. ',
    h('button', { class: 'danger', testid: 'unbind-confirm', onClick: () => void run() }, owner ? 'Yes, unbind' : 'Yes, release'),
    h('button', { class: 'link', onClick: () => (confirm.hidden = true) }, 'Cancel'),
  );
  return h(
    'div',
    { class: 'panel danger-zone', testid: 'unbind-panel' },
    h('h3', {}, owner ? 'Unbind' : 'Release the shared account'),
    h(
      'p',
      { class: 'muted' },
      owner
        ? 'WeChat must show the authorization as cancelled first: the account’s administrator cancels it in mp.weixin.qq.com (设置与开发 → 授权管理). Then unbind here.'
        : 'The owner keeps the account; your tenant loses access to it.',
    ),
    h('button', { class: 'danger', testid: 'unbind', onClick: () => (confirm.hidden = false) }, owner ? 'Unbind…' : 'Release…'),
    confirm,
    status.element,
  );
}
