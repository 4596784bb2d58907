/**
 * The tenant's communities and the account and payment interface each is linked to. The payment
 * choices are what the tenant may link (issue 15 item 5): its own accounts with WeChat Pay, and shared
 * accounts whose share included the payment interface. `GET /v1/accounts` does not say what a share
 * included; the tenant's own audit trail does (`share.redeemed`, `details.includePayment`, the newest
 * redemption of each account), so an admin's screen reads it (at most MAX_AUDIT_PAGES pages; a share
 * it does not find there is not offered). A community keeps the payment it is linked to in its list.
 */
import { api, type Account, type AuditEvent, type Community } from '../api.ts';
import type { DomControl, DomElement } from '../browser.ts';
import { actionButton, control, h, sendingForm, when } from '../dom.ts';
import { feedback } from '../feedback.ts';
import { t } from '../words.ts';
import type { ScreenContext } from './context.ts';

function accountSelect(testid: string, accounts: Account[], selected: string | null): DomControl {
  return control(
    'select',
    { testid },
    h('option', { value: '' }, t().none),
    ...accounts.map((account) =>
      h(
        'option',
        { value: account.appid, selected: account.appid === selected },
        `${account.nickname} (${account.appid})${account.role === 'shared' ? t().shared : ''}`,
      ),
    ),
  );
}

const MAX_AUDIT_PAGES = 10;

/** The shared accounts among `shared` whose newest redemption in the tenant's audit trail included payment. */
async function sharesWithPayment(shared: string[]): Promise<Set<string>> {
  const included = new Set<string>();
  const seen = new Set<string>();
  let cursor: string | null = null;
  for (let page = 0; page < MAX_AUDIT_PAGES && seen.size < shared.length; page++) {
    const query = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
    const answer: { events: AuditEvent[]; nextCursor: string | null } = await api('GET', `/v1/audit${query}`);
    for (const event of answer.events) {
      // Newest first: the first redemption met is the share the tenant holds now.
      if (event.action !== 'share.redeemed' || !event.appid || !shared.includes(event.appid) || seen.has(event.appid)) continue;
      seen.add(event.appid);
      if ((event.details as Record<string, unknown> | undefined)?.includePayment === true) included.add(event.appid);
    }
    if (!answer.nextCursor) break;
    cursor = answer.nextCursor;
  }
  return included;
}

export async function communitiesScreen(context: ScreenContext): Promise<DomElement> {
  const words = t();
  const status = feedback('communities-feedback');
  const [{ communities }, { accounts }] = await Promise.all([
    api<{ communities: Community[] }>('GET', '/v1/communities'),
    api<{ accounts: Account[] }>('GET', '/v1/accounts'),
  ]);
  const usable = accounts.filter((account) => account.status === 'active');
  const sharedWithPay = usable.filter((account) => account.role === 'shared' && account.capabilities.payment).map((account) => account.appid);
  const paymentShared = context.session.admin && sharedWithPay.length > 0 ? await sharesWithPayment(sharedWithPay) : new Set<string>();
  const payable = usable.filter((account) => account.capabilities.payment && (account.role === 'owner' || paymentShared.has(account.appid)));
  /** A row's choices: what may be linked, and what the community is linked to now (so that saving keeps it). */
  const paymentChoices = (current: string | null) =>
    current && !payable.some((account) => account.appid === current) ? [...payable, ...accounts.filter((account) => account.appid === current)] : payable;
  const nameOf = (appid: string | null) => (appid ? (accounts.find((account) => account.appid === appid)?.nickname ?? appid) : '—');

  const save = async (communityId: string, accountAppId: string, paymentAppId: string) => {
    status.clear();
    try {
      const saved = await api<Community>('PUT', `/v1/communities/${encodeURIComponent(communityId)}`, {
        accountAppId: accountAppId || null,
        paymentAppId: paymentAppId || null,
      });
      context.notice(words.communitySaved(saved.communityId, nameOf(saved.accountAppId), nameOf(saved.paymentAppId)));
      context.go('#/communities');
    } catch (error) {
      status.error(error);
    }
  };

  const rows = communities.map((community) => {
    const account = accountSelect('community-row-account', usable, community.accountAppId);
    const payment = accountSelect('community-row-payment', paymentChoices(community.paymentAppId), community.paymentAppId);
    return h(
      'tr',
      { testid: 'community-row', 'data-community': community.communityId },
      h('td', { class: 'mono' }, community.communityId),
      h('td', {}, context.session.admin ? account : nameOf(community.accountAppId)),
      h('td', {}, context.session.admin ? payment : nameOf(community.paymentAppId)),
      h('td', { class: 'nowrap' }, when(community.updatedAt)),
      h(
        'td',
        {},
        context.session.admin
          ? actionButton({ class: 'small', testid: 'community-row-save' }, words.save, () => save(community.communityId, account.value, payment.value))
          : '',
      ),
    );
  });

  const newId = control('input', { testid: 'community-id', placeholder: words.communityPlaceholder, maxlength: '128', required: true });
  const newAccount = accountSelect('community-account', usable, null);
  const newPayment = accountSelect('community-payment', payable, null);

  return h(
    'section',
    { testid: 'communities-screen' },
    h('h2', {}, words.communities),
    h('p', { class: 'muted' }, words.communitiesHelp),
    context.session.admin ? h('p', { class: 'muted small', testid: 'payment-choices-help' }, words.paymentChoicesHelp) : null,
    status.element,
    context.session.admin
      ? sendingForm(
          { class: 'panel community-form', testid: 'community-form' },
          () => save(newId.value.trim(), newAccount.value, newPayment.value),
          h('label', {}, words.community, newId),
          h('label', {}, words.account, newAccount),
          h('label', {}, words.payment, newPayment),
          h('button', { type: 'submit', class: 'primary', testid: 'community-save' }, words.link),
        )
      : null,
    communities.length === 0
      ? h('p', { class: 'empty', testid: 'communities-empty' }, words.noCommunity)
      : h(
          'div',
          { class: 'scroll' },
          h(
            'table',
            { testid: 'communities-table' },
            h('thead', {}, h('tr', {}, ...words.communitiesColumns.map((title) => h('th', {}, title)))),
            h('tbody', {}, ...rows),
          ),
        ),
  );
}
