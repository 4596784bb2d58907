/**
 * One account: what WeChat granted, its 明文授权 and open platform account, and what its owner can do
 * with it (followers and each follower's history, share codes, recipients, communities, unbinding); a
 * recipient can unlink its communities and release it. The owner's tabs (`#/accounts/<appid>/<tab>`):
 * Auto-replies and Menu for its admins, Follower trend and Messages for everyone who sees the account's
 * followers. Destructive actions ask first (`confirmDialog`); every button that sends a request goes
 * through `sending`.
 */
import { api, ApiError, type Account, type Fan, type FanHistory, type FanSyncJob, type Share } from '../api.ts';
import { browser, type DomElement } from '../browser.ts';
import { actionButton, confirmDialog, control, h, sending, sendingForm, when, yesNo } from '../dom.ts';
import { feedback } from '../feedback.ts';
import { syncWords, t, tabWords } from '../words.ts';
import { capabilityChips, serviceTypeWords, startBinding, statusBadge } from './accounts.ts';
import { autoRepliesTab } from './auto-replies.ts';
import type { ScreenContext } from './context.ts';
import { menuTab } from './menu.ts';
import { messagesTab } from './messages.ts';
import { trendTab } from './trend.ts';

const SYNC_POLL_MS = 400;
const FANS_PAGE_SIZE = 10;

export type AccountTab = 'overview' | 'trend' | 'auto-replies' | 'menu' | 'messages';
export const ACCOUNT_TABS: readonly AccountTab[] = ['overview', 'trend', 'auto-replies', 'menu', 'messages'];

/** The tabs this person has on this account: the owner's admins edit replies and menu; its members read the trend and messages. */
function tabsFor(account: Account, admin: boolean): AccountTab[] {
  if (account.role !== 'owner') return ['overview'];
  return admin ? [...ACCOUNT_TABS] : ['overview', 'trend', 'messages'];
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
  else if (shown === 'trend') content = [trendTab(account)];
  else {
    content = [
      owner && admin ? openPlatformPanel(context, account) : null,
      owner ? followersPanel(account, admin && active) : null,
      owner && admin ? sharingPanel(account) : null,
      admin ? communitiesPanel(account) : null,
      admin ? unbindPanel(context, account) : null,
    ];
  }

  return h(
    'section',
    { testid: 'account-screen', 'data-appid': account.appid, 'data-tab': shown },
    h('p', {}, h('a', { href: '#/accounts' }, t().allAccounts)),
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

/** What the open-platform step did (API.md §3 `Account.openPlatform`), or the bound open platform appid. */
export function openPlatformWords(account: Account): string {
  const words = t().openPlatform;
  const outcome = account.openPlatform;
  if (outcome?.status === 'skipped') return words.skipped;
  if (outcome?.status === 'failed') return `${words.failed}${outcome.error ? `: ${outcome.error.message}` : ''}`;
  const id = outcome?.openAppId ?? account.openAppId;
  if (!id) return words.none;
  return outcome?.created ? words.created(id) : words.bound(id);
}

function summaryPanel(context: ScreenContext, account: Account): DomElement {
  const words = t();
  const status = feedback('summary-feedback');
  const admin = context.session.admin;
  const owner = account.role === 'owner';
  const facts: [string, string | DomElement][] = [
    [words.facts.appid, h('span', { class: 'mono' }, account.appid)],
    [words.facts.userName, h('span', { class: 'mono' }, account.userName)],
    [words.facts.principal, account.principalName ?? '—'],
    [words.facts.type, `${serviceTypeWords(account)} · ${account.verified ? words.verified : words.notVerified}`],
    [words.facts.status, statusBadge(account)],
    [words.facts.role, owner ? words.owner : words.sharedWithYou],
    [words.facts.authorized, when(account.authorizedAt)],
    ...(account.revokedAt ? ([[words.facts.revoked, when(account.revokedAt)]] as [string, string][]) : []),
    [
      words.facts.openPlatform,
      h(
        'span',
        { testid: 'account-open-platform', 'data-status': account.openPlatform?.status ?? (account.openAppId ? 'bound' : 'none') },
        openPlatformWords(account),
      ),
    ],
    [words.facts.plaintext, h('span', { testid: 'account-plaintext' }, account.plaintextAuthorization ? words.plaintextOn : words.plaintextOff)],
    [words.facts.capabilities, capabilityChips(account)],
    [words.facts.default, account.isDefault ? words.tenantDefault : words.no],
  ];
  const setDefault = actionButton(
    { testid: 'set-default', hidden: !admin || account.isDefault || account.status !== 'active' },
    words.makeDefault,
    async () => {
      try {
        await api('PATCH', `/v1/accounts/${account.appid}`, { isDefault: true });
        context.notice(words.isDefaultNow(account.nickname));
        context.go(`#/accounts/${account.appid}`);
      } catch (error) {
        status.error(error);
      }
    },
  );
  const plaintext = actionButton(
    { testid: 'plaintext-toggle', hidden: !admin },
    account.plaintextAuthorization ? words.plaintextTurnOff : words.plaintextTurnOn,
    async () => {
      try {
        const saved = await api<Account>('PATCH', `/v1/accounts/${account.appid}`, { plaintextAuthorization: !account.plaintextAuthorization });
        context.notice(words.plaintextChanged(saved.plaintextAuthorization));
        context.go(`#/accounts/${account.appid}`);
      } catch (error) {
        status.error(error);
      }
    },
  );
  const reauthorize = actionButton(
    { testid: 'reauthorize', hidden: !admin || !owner || account.status === 'unbound' },
    account.status === 'active' ? words.reauthorizeActive : words.reauthorize,
    async () => {
      try {
        await startBinding({ appid: account.appid });
      } catch (error) {
        status.error(error);
      }
    },
  );
  return h(
    'div',
    { class: 'panel', testid: 'account-summary' },
    h('div', { class: 'toolbar' }, h('h2', {}, account.nickname), h('span', { class: 'actions' }, setDefault, plaintext, reauthorize)),
    status.element,
    h('dl', { class: 'facts' }, ...facts.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)])),
    h('h3', {}, words.permissionsGranted(account.permissions.length)),
    h('ul', { class: 'chips', testid: 'account-permissions' }, ...account.permissions.map((set) => h('li', { class: 'chip on' }, `${set.id} ${set.name}`))),
  );
}

/** Binds the account to an open platform account, or creates one (`POST /v1/accounts/{appid}/open-platform`). */
function openPlatformPanel(context: ScreenContext, account: Account): DomElement {
  const words = t();
  const status = feedback('open-platform-feedback');
  const openAppId = control('input', { testid: 'open-platform-app-id', class: 'mono', placeholder: words.openAppIdPlaceholder, maxlength: '64' });
  const bind = async (body: { openAppId?: string }) => {
    status.clear();
    try {
      const result = await api<{ openAppId: string; created: boolean }>('POST', `/v1/accounts/${account.appid}/open-platform`, body);
      context.notice(words.openPlatformDone(result.openAppId, result.created));
      context.go(`#/accounts/${account.appid}`);
    } catch (error) {
      status.error(error);
    }
  };
  return h(
    'div',
    { class: 'panel', testid: 'open-platform-panel' },
    h('h3', {}, words.openPlatformPanel),
    h('p', { class: 'muted' }, words.openPlatformHelp, ' ', h('strong', {}, openPlatformWords(account))),
    sendingForm(
      { class: 'inline' },
      () => bind({ openAppId: openAppId.value.trim() }),
      openAppId,
      h('button', { type: 'submit', testid: 'open-platform-bind' }, words.openPlatformBindExisting),
      actionButton({ testid: 'open-platform-create' }, words.openPlatformCreateNew, () => bind({})),
    ),
    status.element,
  );
}

/** A follower's follows and unfollows (`GET …/fans/{openid}/history`), in a dialog. */
async function showHistory(account: Account, openid: string): Promise<void> {
  const words = t();
  const status = feedback('history-feedback');
  const dialog = h('dialog', { class: 'history-dialog', testid: 'history-dialog', 'aria-label': words.historyTitle(openid) });
  const body = h('div', {});
  dialog.append(
    h('h3', {}, words.historyTitle(openid)),
    status.element,
    body,
    h('div', { class: 'actions' }, h('button', { type: 'button', testid: 'history-close', onClick: () => (dialog.close?.(), dialog.remove()) }, words.close)),
  );
  dialog.addEventListener('close', () => dialog.remove());
  browser.document.body.append(dialog);
  dialog.showModal?.();
  try {
    const { events } = await api<FanHistory>('GET', `/v1/accounts/${account.appid}/fans/${encodeURIComponent(openid)}/history`);
    body.replaceChildren(
      events.length === 0
        ? h('p', { class: 'empty', testid: 'history-empty' }, words.historyEmpty)
        : h(
            'div',
            { class: 'scroll' },
            h(
              'table',
              { testid: 'history-table' },
              h('thead', {}, h('tr', {}, ...words.historyColumns.map((title) => h('th', {}, title)))),
              h(
                'tbody',
                {},
                ...events.map((event) =>
                  h(
                    'tr',
                    { testid: 'history-row', 'data-event': event.event },
                    h('td', { class: 'nowrap' }, when(event.at)),
                    h('td', {}, event.event === 'subscribe' ? words.followed : words.unfollowed),
                    h('td', { class: 'mono' }, event.scene ?? '—'),
                  ),
                ),
              ),
            ),
          ),
    );
  } catch (error) {
    status.error(error);
  }
}

function followersPanel(account: Account, canSync: boolean): DomElement {
  const words = t();
  const status = feedback('fans-feedback');
  const progress = control('progress', { testid: 'fan-sync-progress', max: '100', value: '0', hidden: true });
  const progressText = h(
    'span',
    { testid: 'fan-sync-status', class: 'muted' },
    account.fans
      ? words.subscribedOf(account.fans.subscribed.toLocaleString('en'), account.fans.total.toLocaleString('en'), when(account.fans.lastSyncAt))
      : words.notSynced,
  );
  const body = h('tbody', {});
  const table = h('table', { testid: 'fans-table' }, h('thead', {}, h('tr', {}, ...words.fansColumns.map((title) => h('th', {}, title)))), body);
  const filter = control(
    'select',
    { testid: 'fans-filter' },
    h('option', { value: '' }, words.everyone),
    h('option', { value: 'true' }, words.subscribed),
    h('option', { value: 'false' }, words.unsubscribed),
  );
  const pageLabel = h('span', { class: 'muted', testid: 'fans-page' }, '');
  const previous = control('button', { testid: 'fans-prev', disabled: true }, words.previous);
  const next = control('button', { testid: 'fans-next', disabled: true }, words.next);
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
          ? [h('tr', {}, h('td', { colspan: '7', class: 'empty' }, words.noFollowers))]
          : page.fans.map((fan) =>
              h(
                'tr',
                { testid: 'fan-row' },
                h('td', { class: 'mono' }, fan.openid),
                h('td', { class: 'mono' }, fan.unionid ?? '—'),
                h('td', {}, yesNo(fan.subscribed)),
                h('td', { class: 'nowrap' }, when(fan.subscribed ? fan.subscribedAt : fan.unsubscribedAt)),
                h('td', {}, fan.tagIds.length > 0 ? fan.tagIds.join(', ') : '—'),
                h('td', {}, fan.remark || '—'),
                h('td', {}, h('button', { class: 'small', testid: 'fan-history', onClick: () => void showHistory(account, fan.openid) }, words.history)),
              ),
            )),
      );
      pageLabel.textContent = words.page(index + 1);
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
          words.syncStopped(when(job.startedAt).slice(11))
        : words.syncLine(
            syncWords[job.status] ?? job.status,
            percent,
            job.synced.toLocaleString('en'),
            job.listed.toLocaleString('en'),
            job.failed,
            job.unsubscribedMarked,
            job.error?.message ?? '',
          );
  };

  const watch = async (jobId: string) => {
    for (;;) {
      const job = await api<FanSyncJob>('GET', `/v1/accounts/${account.appid}/fan-syncs/${jobId}`);
      showJob(job);
      if (job.status === 'done' || job.status === 'failed') return job;
      await new Promise((resolve) => setTimeout(resolve, SYNC_POLL_MS));
    }
  };

  const syncButton = actionButton({ testid: 'fan-sync-start', class: 'primary', hidden: !canSync }, words.syncNow, async () => {
    status.clear();
    try {
      const { jobId } = await api<{ jobId: string }>('POST', `/v1/accounts/${account.appid}/fan-syncs`);
      const job = await watch(jobId);
      if (job.status === 'done') await loadPage(0);
    } catch (error) {
      status.error(error);
    }
  });

  void loadPage(0);
  return h(
    'div',
    { class: 'panel', testid: 'fans-panel' },
    h('div', { class: 'toolbar' }, h('h3', {}, words.followers), syncButton),
    h('div', { class: 'progress-line' }, progress, progressText),
    status.element,
    h('div', { class: 'toolbar' }, filter, h('span', { class: 'actions' }, previous, pageLabel, next)),
    h('div', { class: 'scroll' }, table),
  );
}

function sharingPanel(account: Account): DomElement {
  const words = t();
  const status = feedback('sharing-feedback');
  const count = control('input', { type: 'number', min: '1', max: '100', value: '1', testid: 'share-count', class: 'narrow' });
  // Sharing a payment interface routes residents' money: a deliberate choice, off by default.
  const includePayment = control('input', { type: 'checkbox', testid: 'share-include-payment', checked: false });
  const codesBox = h('div', { testid: 'share-codes-box', hidden: true });
  const sharesBody = h('tbody', {});
  const sharesTable = h(
    'table',
    { testid: 'shares-table' },
    h('thead', {}, h('tr', {}, ...words.sharesColumns.map((title) => h('th', {}, title)))),
    sharesBody,
  );

  const copy = async (text: string, button: DomElement) => {
    try {
      await browser.navigator.clipboard?.writeText(text);
      button.textContent = words.copied;
    } catch {
      button.textContent = words.copyByHand;
    }
  };

  const generate = async () => {
    status.clear();
    try {
      const result = await api<{ codes: string[]; expiresAt: string }>('POST', `/v1/accounts/${account.appid}/share-codes`, {
        count: Number(count.value),
        // Only what the account has to share is offered; the API refuses payment without it (422).
        includePayment: account.capabilities.payment && includePayment.checked,
      });
      const copyAll = h('button', { testid: 'copy-all-codes', onClick: () => void copy(result.codes.join('\n'), copyAll) }, words.copyAll);
      codesBox.hidden = false;
      codesBox.replaceChildren(
        h('p', { class: 'warning' }, words.shownOnce),
        h(
          'ul',
          { class: 'codes', testid: 'share-codes' },
          ...result.codes.map((code) => {
            const button = h('button', { class: 'small', testid: 'copy-code', onClick: () => void copy(code, button) }, words.copy);
            return h('li', {}, h('code', { testid: 'share-code' }, code), button);
          }),
        ),
        h('p', {}, h('span', { testid: 'share-expiry' }, words.validUntil(when(result.expiresAt))), result.codes.length > 1 ? copyAll : null),
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
          ? [h('tr', {}, h('td', { colspan: '5', class: 'empty', testid: 'shares-empty' }, words.notShared))]
          : shares.map((share) =>
              h(
                'tr',
                { testid: 'share-row', 'data-tenant': share.tenantId },
                h('td', { class: 'mono' }, share.tenantId),
                h('td', {}, when(share.linkedAt)),
                h('td', {}, yesNo(share.includePayment)),
                h('td', {}, String(share.communities)),
                h(
                  'td',
                  {},
                  actionButton({ class: 'danger small', testid: 'revoke-share' }, words.revoke, () => revoke(share.tenantId)),
                ),
              ),
            )),
      );
    } catch (error) {
      status.error(error);
    }
  };

  const revoke = async (tenantId: string) => {
    status.clear();
    if (!(await confirmDialog(words.confirmRevoke(tenantId), words.revoke, 'revoke-share-confirm'))) return;
    try {
      await api('DELETE', `/v1/accounts/${account.appid}/shares/${encodeURIComponent(tenantId)}`);
      status.ok(words.revoked(tenantId));
      await loadShares();
    } catch (error) {
      status.error(error);
    }
  };

  const revokeAll = async () => {
    status.clear();
    if (!(await confirmDialog(words.confirmRevokeAll, words.revokeAll, 'revoke-all-confirm'))) return;
    try {
      await api('DELETE', `/v1/accounts/${account.appid}/shares`);
      codesBox.hidden = true;
      status.ok(words.revokedAll);
      await loadShares();
    } catch (error) {
      status.error(error);
    }
  };

  void loadShares();
  return h(
    'div',
    { class: 'panel', testid: 'sharing-panel' },
    h('h3', {}, words.shareTitle),
    sendingForm(
      { class: 'inline' },
      generate,
      h('label', {}, words.codes, count),
      account.capabilities.payment ? h('label', {}, includePayment, words.includePayment) : null,
      h('button', { type: 'submit', class: 'primary', testid: 'share-generate' }, words.generate),
    ),
    status.element,
    codesBox,
    h(
      'div',
      { class: 'toolbar' },
      h('h4', {}, words.recipients),
      actionButton({ class: 'danger small', testid: 'revoke-all-shares' }, words.revokeAll, revokeAll),
    ),
    h('div', { class: 'scroll' }, sharesTable),
  );
}

function communitiesPanel(account: Account): DomElement {
  const words = t();
  const status = feedback('unlink-feedback');
  const owner = account.role === 'owner';
  return h(
    'div',
    { class: 'panel', testid: 'account-communities-panel' },
    h('h3', {}, words.communities),
    h(
      'p',
      { class: 'muted' },
      owner ? words.unlinkOwner : words.unlinkRecipient,
      words.linkOnPage[0],
      h('a', { href: '#/communities' }, words.linkOnPage[1]),
      words.linkOnPage[2],
    ),
    actionButton({ testid: 'unlink-communities' }, words.unlink, async () => {
      status.clear();
      if (!(await confirmDialog(owner ? words.confirmUnlinkOwner : words.confirmUnlinkRecipient, words.unlink, 'unlink-confirm'))) return;
      try {
        const { unlinked } = await api<{ unlinked: number }>('DELETE', `/v1/accounts/${account.appid}/communities`);
        status.ok(words.unlinked(unlinked));
      } catch (error) {
        status.error(error);
      }
    }),
    status.element,
  );
}

function unbindPanel(context: ScreenContext, account: Account): DomElement {
  const words = t();
  const status = feedback('unbind-feedback');
  const owner = account.role === 'owner';
  const run = async () => {
    status.clear();
    status.element.removeAttribute('data-code');
    const question = owner ? words.unbindConfirm : words.releaseConfirm;
    if (!(await confirmDialog(question, owner ? words.yesUnbind : words.yesRelease, 'unbind-confirm'))) return;
    try {
      await api('DELETE', `/v1/accounts/${account.appid}`);
      context.notice(owner ? words.unboundNotice(account.nickname) : words.releasedNotice(account.nickname));
      context.go('#/accounts');
    } catch (error) {
      status.error(error);
      if (error instanceof ApiError) status.element.setAttribute('data-code', error.code);
    }
  };
  return h(
    'div',
    { class: 'panel danger-zone', testid: 'unbind-panel' },
    h('h3', {}, owner ? words.unbindTitle : words.releaseTitle),
    h('p', { class: 'muted' }, owner ? words.unbindHelp : words.releaseHelp),
    actionButton({ class: 'danger', testid: 'unbind' }, owner ? words.unbindButton : words.releaseButton, run),
    status.element,
  );
}
