/**
 * Department grants (`GET|PUT /v1/departments/{departmentId}/accounts`, admin): which of the tenant's
 * accounts a department's members see. Grants are per department id exactly: a parent's grant is not
 * a child's, and the screen says so.
 */
import { api, type Account } from '../api.ts';
import type { DomControl, DomElement } from '../browser.ts';
import { control, h, sendingForm } from '../dom.ts';
import { feedback } from '../feedback.ts';
import { t } from '../words.ts';
import type { ScreenContext } from './context.ts';
import { serviceTypeWords } from './accounts.ts';

export async function departmentsScreen(context: ScreenContext, departmentId?: string): Promise<DomElement> {
  const words = t();
  const status = feedback('departments-feedback');
  const input = control('input', {
    testid: 'department-id',
    value: departmentId ?? '',
    maxlength: '128',
    required: true,
    placeholder: words.departmentPlaceholder,
  });
  const section = h(
    'section',
    { testid: 'departments-screen' },
    h('h2', {}, words.departmentsTitle),
    h('p', { class: 'muted' }, words.departmentsHelp),
    h('p', { class: 'warning', testid: 'departments-parent-note' }, words.parentNotChild),
    h(
      'form',
      {
        class: 'panel inline',
        onSubmit: (event) => {
          event.preventDefault();
          context.go(`#/departments/${encodeURIComponent(input.value.trim())}`);
        },
      },
      h('label', {}, words.departmentId, input),
      h('button', { type: 'submit', class: 'primary', testid: 'department-open' }, words.open),
    ),
    status.element,
  );
  if (!departmentId) return section;

  const path = `/v1/departments/${encodeURIComponent(departmentId)}/accounts`;
  const [grants, { accounts }] = await Promise.all([
    api<{ departmentId: string; appids: string[] }>('GET', path),
    api<{ accounts: Account[] }>('GET', '/v1/accounts'),
  ]);
  const boxes = new Map<string, DomControl>();
  const rows = accounts.map((account) => {
    const box = control('input', { type: 'checkbox', testid: 'grant-checkbox', value: account.appid, checked: grants.appids.includes(account.appid) });
    boxes.set(account.appid, box);
    return h(
      'li',
      { testid: 'grant-row', 'data-appid': account.appid },
      h(
        'label',
        { class: 'check' },
        box,
        h('span', {}, h('strong', {}, account.nickname), h('span', { class: 'muted small' }, ` ${account.appid} · ${serviceTypeWords(account)}`)),
      ),
    );
  });
  section.append(
    sendingForm(
      { class: 'panel', testid: 'grants-form' },
      async () => {
        status.clear();
        try {
          const appids = [...boxes].filter(([, box]) => box.checked).map(([appid]) => appid);
          const saved = await api<{ departmentId: string; appids: string[] }>('PUT', path, { appids });
          status.ok(words.granted(saved.departmentId, saved.appids.length));
        } catch (error) {
          status.error(error);
        }
      },
      h('h3', {}, words.grantsOf(departmentId)),
      accounts.length === 0 ? h('p', { class: 'empty' }, words.noAccounts) : h('ul', { class: 'grants' }, ...rows),
      h('button', { type: 'submit', class: 'primary', testid: 'grants-save' }, words.grantsSave),
    ),
  );
  return section;
}
