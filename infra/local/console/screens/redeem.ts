/** A tenant redeems a share code another tenant's admin gave it. */
import { api, type Account } from '../api.ts';
import type { DomElement } from '../browser.ts';
import { control, h } from '../dom.ts';
import { feedback } from '../feedback.ts';
import type { ScreenContext } from './context.ts';

export function redeemScreen(context: ScreenContext): DomElement {
  const status = feedback('redeem-feedback');
  const code = control('input', {
    testid: 'redeem-code',
    placeholder: 'the code you were given',
    maxlength: '64',
    autocomplete: 'off',
    required: true,
    class: 'wide mono',
  });
  return h(
    'section',
    { testid: 'redeem-screen' },
    h('h2', {}, 'Redeem a share code'),
    h('p', { class: 'muted' }, 'The owner of an Official Account gives you a one-time code; redeeming it adds the account to your tenant as a shared account.'),
    h(
      'form',
      {
        class: 'panel inline',
        onSubmit: async (event) => {
          event.preventDefault();
          status.clear();
          try {
            const account = await api<Account>('POST', '/v1/shared-accounts', { code: code.value.trim() });
            code.value = '';
            context.notice(`${account.nickname} (${account.appid}) is now shared with your tenant.`);
            context.go(`#/accounts/${account.appid}`);
          } catch (error) {
            status.error(error);
          }
        },
      },
      h('label', {}, 'Code ', code),
      h('button', { type: 'submit', class: 'primary', testid: 'redeem-submit', disabled: !context.session.admin }, 'Redeem'),
    ),
    context.session.admin ? null : h('p', { class: 'muted' }, 'Only admins of the tenant can redeem codes.'),
    status.element,
  );
}
