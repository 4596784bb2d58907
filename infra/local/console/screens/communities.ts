/** The tenant's communities and the account and payment interface each is linked to. */
import { api, type Account, type Community } from '../api.ts';
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

export async function communitiesScreen(context: ScreenContext): Promise<DomElement> {
  const words = t();
  const status = feedback('communities-feedback');
  const [{ communities }, { accounts }] = await Promise.all([
    api<{ communities: Community[] }>('GET', '/v1/communities'),
    api<{ accounts: Account[] }>('GET', '/v1/accounts'),
  ]);
  const usable = accounts.filter((account) => account.status === 'active');
  const payable = usable.filter((account) => account.capabilities.payment);
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
    const payment = accountSelect('community-row-payment', payable, community.paymentAppId);
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
