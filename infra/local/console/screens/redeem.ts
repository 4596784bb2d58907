/** A tenant redeems a share code another tenant's admin gave it. */
import { api, type Account } from '../api.ts';
import type { DomElement } from '../browser.ts';
import { control, h, sendingForm } from '../dom.ts';
import { feedback } from '../feedback.ts';
import { t } from '../words.ts';
import type { ScreenContext } from './context.ts';

export function redeemScreen(context: ScreenContext): DomElement {
  const words = t();
  const status = feedback('redeem-feedback');
  const code = control('input', {
    testid: 'redeem-code',
    placeholder: words.redeemPlaceholder,
    maxlength: '64',
    autocomplete: 'off',
    required: true,
    class: 'wide mono',
  });
  return h(
    'section',
    { testid: 'redeem-screen' },
    h('h2', {}, words.redeemTitle),
    h('p', { class: 'muted' }, words.redeemHelp),
    sendingForm(
      { class: 'panel inline' },
      async () => {
        status.clear();
        try {
          const account = await api<Account>('POST', '/v1/shared-accounts', { code: code.value.trim() });
          code.value = '';
          context.notice(words.redeemed(account.nickname, account.appid));
          context.go(`#/accounts/${account.appid}`);
        } catch (error) {
          status.error(error);
        }
      },
      h('label', {}, words.code, code),
      h('button', { type: 'submit', class: 'primary', testid: 'redeem-submit', disabled: !context.session.admin }, words.redeem),
    ),
    context.session.admin ? null : h('p', { class: 'muted' }, words.redeemAdminsOnly),
    status.element,
  );
}
