/**
 * The WeCom screen (`#/wecom`, issue 16 item 9, API.md §7), for a tenant admin whose tenant has
 * `features.wecom` (the header hides it otherwise, `wecomEnabled`): install the app (`POST
 * /v1/wecom/installations`, then the browser goes to WeCom's install page, as WeCom wants it opened
 * from the hub's domain) or register a new WeCom (`POST /v1/wecom/registrations`); the corp with its
 * visible range and 客户基础信息 permission; "已完成设置 / sync customers" (`POST /v1/wecom/customer-syncs`)
 * with a progress bar that polls the job; the customers with their linked follower (cursor paging,
 * `linked=` filter); removing the association, refused with `409 revoke_in_wechat_first` (and where to
 * uninstall) while WeCom still shows the app installed, like the unbind of an account.
 * The install redirect comes back to the console with `?wecom=ok&corpId=…` or `?wecom=error&code=…`.
 */
import { api, ApiError, type Session, type TenantSettings } from '../api.ts';
import type { DomElement } from '../browser.ts';
import { browser } from '../browser.ts';
import { actionButton, confirmDialog, control, h, when } from '../dom.ts';
import { feedback, type Feedback } from '../feedback.ts';
import type { ScreenContext } from './context.ts';
import { wecomWords } from './wecom-words.ts';
import type { CustomerSyncJob, WeComCorp, WeComCustomer } from '#shared/domain/wecom/ports.ts';

export const CUSTOMERS_PAGE_SIZE = 20;
const SYNC_POLL_MS = 1000;

let known: { token: string; enabled: boolean } | undefined;

/** Whether the signed-in admin's tenant has `features.wecom` (`GET /v1/tenant`), asked once per sign-in. */
export async function wecomEnabled(session: Session): Promise<boolean> {
  if (!session.admin || session.operator) return false;
  if (known?.token !== session.token) {
    try {
      const settings = await api<TenantSettings>('GET', '/v1/tenant');
      known = { token: session.token, enabled: settings.features.wecom };
    } catch {
      return false;
    }
  }
  return known.enabled;
}

/** The install redirect's outcome (`?wecom=ok&corpId=…` / `?wecom=error&code=…`), kept until the screen shows it. */
let installOutcome: { ok: boolean; corpId?: string; code?: string } | undefined;
export function rememberInstallOutcome(query: URLSearchParams): boolean {
  const outcome = query.get('wecom');
  if (outcome !== 'ok' && outcome !== 'error') return false;
  const corpId = query.get('corpId') ?? undefined;
  const code = query.get('code') ?? undefined;
  installOutcome = {
    ok: outcome === 'ok',
    ...(corpId && /^[A-Za-z0-9_-]{1,64}$/.test(corpId) ? { corpId } : {}),
    ...(code && /^[a-z_]{1,64}$/.test(code) ? { code } : {}),
  };
  return true;
}

export async function wecomScreen(context: ScreenContext): Promise<DomElement> {
  const words = wecomWords();
  const status = feedback('wecom-feedback');
  const section = h('section', { testid: 'wecom-screen' }, h('h2', {}, words.title), h('p', { class: 'muted' }, words.intro), status.element);
  if (installOutcome) {
    if (installOutcome.ok) status.ok(words.installedOk(installOutcome.corpId ?? '—'));
    else status.error(new Error(words.installFailed(installOutcome.code ?? 'error')));
    installOutcome = undefined;
  }
  // Asked again here, not from the cache: an operator may have just turned the feature off.
  const settings = await api<TenantSettings>('GET', '/v1/tenant');
  known = { token: context.session.token, enabled: settings.features.wecom };
  if (!settings.features.wecom) {
    section.append(h('p', { class: 'feedback', testid: 'wecom-disabled' }, words.notEnabled));
    return section;
  }
  let corp: WeComCorp | undefined;
  try {
    corp = await api<WeComCorp>('GET', '/v1/wecom/corp');
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
  }
  if (!corp) {
    section.append(installPanel(status));
    return section;
  }
  const facts = h('div', {}, corpPanel(corp));
  // A finished sync changes the corp's customer and link counts: its facts are read again.
  const refreshCorp = async () => facts.replaceChildren(corpPanel(await api<WeComCorp>('GET', '/v1/wecom/corp')));
  section.append(facts, customersPanel(corp, refreshCorp), removePanel(context, corp));
  return section;
}

function installPanel(status: Feedback): DomElement {
  const words = wecomWords();
  const go = (path: string, field: 'installUrl' | 'registerUrl') => async () => {
    status.clear();
    try {
      const answer = await api<Record<string, string>>('POST', path);
      status.ok(words.opening);
      browser.location.assign(answer[field]!);
    } catch (error) {
      status.error(error);
    }
  };
  return h(
    'div',
    { class: 'panel', testid: 'wecom-install-panel' },
    h('h3', {}, words.noCorpTitle),
    h('p', { class: 'muted' }, words.noCorpHelp),
    h(
      'div',
      { class: 'actions' },
      actionButton({ class: 'primary', testid: 'wecom-install' }, words.install, go('/v1/wecom/installations', 'installUrl')),
      actionButton({ testid: 'wecom-register' }, words.register, go('/v1/wecom/registrations', 'registerUrl')),
    ),
  );
}

function corpPanel(corp: WeComCorp): DomElement {
  const words = wecomWords();
  const range = corp.visibleRange;
  const empty = range.departments.length + range.users.length + range.tags.length === 0;
  const facts: [string, string | DomElement, string][] = [
    [words.corpName, corp.corpName, 'corp-name'],
    [words.corpId, h('span', { class: 'mono' }, corp.corpId), 'corp-id'],
    [
      words.status,
      h('span', { class: `badge status-${corp.status === 'installed' ? 'active' : 'unbound'}` }, words.statusWords[corp.status] ?? corp.status),
      'status',
    ],
    [words.authType, words.authTypeWords[corp.authType] ?? corp.authType, 'auth-type'],
    [words.installedAt, when(corp.installedAt), 'installed-at'],
    ...(corp.uninstalledAt ? [[words.uninstalledAt, when(corp.uninstalledAt), 'uninstalled-at'] as [string, string, string]] : []),
    [words.visibleRange, empty ? words.rangeNone : words.rangeLine(range.departments.length, range.users.length, range.tags.length), 'range'],
    [
      words.permission,
      h(
        'span',
        { class: corp.customerPermission ? 'badge status-active' : 'badge status-reauthorization_required' },
        corp.customerPermission ? words.permissionOk : words.permissionMissing,
      ),
      'permission',
    ],
    [words.customers, corp.customers ? words.customersLine(corp.customers.total, when(corp.customers.lastSyncAt)) : words.never, 'customers'],
    [words.links, corp.links ? words.linksLine(corp.links.linked, corp.links.pending) : '—', 'links'],
  ];
  return h(
    'div',
    { class: 'panel', testid: 'wecom-corp' },
    h('h3', {}, words.corpTitle),
    h('dl', { class: 'facts' }, ...facts.flatMap(([term, value, id]) => [h('dt', {}, term), h('dd', { testid: `wecom-${id}` }, value)])),
  );
}

function customersPanel(corp: WeComCorp, refreshCorp: () => Promise<void>): DomElement {
  const words = wecomWords();
  const status = feedback('wecom-customers-feedback');
  const installed = corp.status === 'installed';
  // No value while the job runs: WeCom does not say how many customers there are until they are read.
  const progress = control('progress', { testid: 'wecom-sync-progress', max: '100', hidden: true });
  const progressText = h('span', { testid: 'wecom-sync-status', class: 'muted' }, installed ? '' : words.syncUnavailable);
  const body = h('tbody', {});
  const table = h('table', { testid: 'wecom-customers' }, h('thead', {}, h('tr', {}, ...words.columns.map((title) => h('th', {}, title)))), body);
  const filter = control(
    'select',
    { testid: 'wecom-linked-filter' },
    h('option', { value: '' }, words.filterAll),
    h('option', { value: 'true' }, words.filterLinked),
    h('option', { value: 'false' }, words.filterUnlinked),
  );
  const pageLabel = h('span', { class: 'muted', testid: 'wecom-customers-page' }, '');
  const previous = control('button', { testid: 'wecom-customers-prev', disabled: true }, words.previous);
  const next = control('button', { testid: 'wecom-customers-next', disabled: true }, words.next);
  // `cursors[i]` opens page i (undefined: the first).
  let cursors: (string | undefined)[] = [undefined];
  let pageIndex = 0;

  const row = (customer: WeComCustomer) =>
    h(
      'tr',
      { testid: 'wecom-customer-row', 'data-linked': customer.follower ? 'true' : 'false' },
      h('td', {}, customer.name, customer.corpName ? h('span', { class: 'muted small' }, ` · ${customer.corpName}`) : null),
      h('td', {}, words.typeWords[customer.type] ?? customer.type),
      h('td', { class: 'mono' }, customer.externalUserId),
      h('td', {}, customer.followUsers.map((follow) => follow.userId).join(', ') || '—'),
      h(
        'td',
        { testid: 'wecom-customer-follower' },
        customer.follower ? h('a', { href: `#/contacts/${encodeURIComponent(customer.follower.unionid)}`, class: 'mono' }, customer.follower.openid) : '—',
      ),
      h('td', {}, when(customer.updatedAt)),
    );

  const loadPage = async (index: number) => {
    const query = new URLSearchParams({ limit: String(CUSTOMERS_PAGE_SIZE) });
    const cursor = cursors[index];
    if (cursor) query.set('cursor', cursor);
    if (filter.value) query.set('linked', filter.value);
    try {
      const page = await api<{ customers: WeComCustomer[]; nextCursor: string | null }>('GET', `/v1/wecom/customers?${query.toString()}`);
      pageIndex = index;
      cursors = cursors.slice(0, index + 1);
      if (page.nextCursor) cursors.push(page.nextCursor);
      body.replaceChildren(
        ...(page.customers.length === 0
          ? [h('tr', {}, h('td', { colspan: String(words.columns.length), class: 'empty' }, words.noCustomers))]
          : page.customers.map(row)),
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

  const showJob = (job: CustomerSyncJob) => {
    const finished = job.status === 'done' || job.status === 'failed';
    progress.hidden = false;
    if (finished) progress.value = '100';
    else progress.removeAttribute('value');
    progress.setAttribute('data-status', job.status);
    progressText.textContent = words.syncLine(words.syncStatus[job.status] ?? job.status, job.members, job.customers, job.linked, job.pending, job.failed);
    if (job.error) progressText.textContent += ` (${job.error.message})`;
  };
  const watch = async (jobId: string): Promise<CustomerSyncJob> => {
    for (;;) {
      const job = await api<CustomerSyncJob>('GET', `/v1/wecom/customer-syncs/${encodeURIComponent(jobId)}`);
      showJob(job);
      // Leaving the screen stops the poll.
      if (job.status === 'done' || job.status === 'failed' || !progress.isConnected) return job;
      await new Promise((resolve) => setTimeout(resolve, SYNC_POLL_MS));
    }
  };
  const syncButton = actionButton({ class: 'primary', testid: 'wecom-sync', disabled: !installed }, words.syncButton, async () => {
    status.clear();
    try {
      const { jobId } = await api<{ jobId: string }>('POST', '/v1/wecom/customer-syncs');
      const job = await watch(jobId);
      await refreshCorp();
      if (job.status === 'done') await loadPage(0);
    } catch (error) {
      status.error(error);
    }
  });

  void loadPage(0);
  return h(
    'div',
    { class: 'panel', testid: 'wecom-customers-panel' },
    h('div', { class: 'toolbar' }, h('h3', {}, words.syncTitle), syncButton),
    h('p', { class: 'muted' }, words.syncHelp),
    h('div', { class: 'progress-line' }, progress, progressText),
    status.element,
    h('div', { class: 'toolbar' }, filter, h('span', { class: 'actions' }, previous, pageLabel, next)),
    h('div', { class: 'scroll' }, table),
  );
}

function removePanel(context: ScreenContext, corp: WeComCorp): DomElement {
  const words = wecomWords();
  const status = feedback('wecom-remove-feedback');
  const run = async () => {
    status.clear();
    status.element.removeAttribute('data-code');
    if (!(await confirmDialog(words.removeConfirm, words.yesRemove, 'wecom-remove-confirm'))) return;
    try {
      await api('DELETE', '/v1/wecom/corp');
      context.notice(words.removed(corp.corpName));
      context.go('#/wecom');
    } catch (error) {
      status.error(error);
      if (error instanceof ApiError) {
        status.element.setAttribute('data-code', error.code);
        // Where WeCom's admin uninstalls the app (the details' `where`), as the unbind says where to revoke.
        if (typeof error.details.where === 'string') {
          status.element.append(h('p', { class: 'strong' }, words.whereToUninstall), h('p', { testid: 'wecom-uninstall-where' }, error.details.where));
        }
      }
    }
  };
  return h(
    'div',
    { class: 'panel danger-zone', testid: 'wecom-remove-panel' },
    h('h3', {}, words.removeTitle),
    h('p', { class: 'muted' }, words.removeHelp),
    actionButton({ class: 'danger', testid: 'wecom-remove' }, words.removeButton, run),
    status.element,
  );
}
