/**
 * The account's Menu tab (`GET|PUT|DELETE /v1/accounts/{appid}/menu`, API.md §3, WECHAT.md §15): the
 * menu drawn as WeChat draws it — up to 3 buttons along the bottom of the chat, each with up to 5
 * sub-buttons stacked above it — and an editor for the button picked in the drawing (name, type and
 * that type's fields). Save puts the whole menu (WeChat's `menu/create`); Delete asks first, in the
 * console's confirmation dialog. While either request runs every button of the panel is disabled
 * (not only the clicked one, as `sending` does): the answer replaces the editor's menu, so an edit
 * made meanwhile would be lost. The hub's refusals are explained: a field it names is shown under
 * its input and the button in the drawing is marked; `422 missing_permissions` says which permission set the account did not grant;
 * WeChat's own refusal shows its errcode.
 */
import { api, ApiError, type Account, type Menu, type MenuButton } from '../api.ts';
import type { DomControl, DomElement } from '../browser.ts';
import { confirmDialog, control, h } from '../dom.ts';
import { clearFieldIssues, feedback, fieldIssues, showFieldIssues, type Feedback, type FieldIssue } from '../feedback.ts';
import { buttonFieldWords, buttonTypeFields, buttonTypeWords, menuWords, t } from '../words.ts';

const MAX_TOP = 3;
const MAX_SUB = 5;
const TOP_NAME_BYTES = 16;
const SUB_NAME_BYTES = 60;

type Field = 'key' | 'url' | 'appid' | 'pagepath' | 'media_id' | 'article_id';
const ALL_FIELDS: readonly Field[] = ['key', 'url', 'appid', 'pagepath', 'media_id', 'article_id'];

/** Where a button is: `[top]` or `[top, sub]`. */
type Position = [number] | [number, number];

const utf8Bytes = (text: string): number => new TextEncoder().encode(text).length;

/** `menu/get`'s leaves may carry `sub_button: []`; the editor holds `menu/create`'s shape. */
function normalised(button: MenuButton): MenuButton {
  const copy: MenuButton = { ...button };
  if (copy.sub_button && copy.sub_button.length === 0) delete copy.sub_button;
  if (copy.sub_button) copy.sub_button = copy.sub_button.map(normalised);
  return copy;
}

/** Keeps `name`, `type` and the fields of the new type (what the button had for them, else empty). */
function retyped(button: MenuButton, type: string): MenuButton {
  const out: MenuButton = { type, name: button.name };
  for (const name of buttonTypeFields[type] ?? []) out[name] = button[name] ?? '';
  return out;
}

/** "Button 2 “菜单” › 1 “搜索”": where an issue is, in words. */
function placeWords(buttons: MenuButton[], position: Position): string {
  const top = buttons[position[0]];
  const head = `${t().menuTab.button(position[0] + 1)}${top ? ` “${top.name}”` : ''}`;
  if (position.length === 1) return head;
  const sub = top?.sub_button?.[position[1]];
  return `${head} › ${position[1] + 1}${sub ? ` “${sub.name}”` : ''}`;
}

/** `button.1.sub_button.0.name` → `[1, 0]`; undefined for an issue of the whole menu. */
function positionOf(path: string): Position | undefined {
  const match = /^button\.(\d+)(?:\.sub_button\.(\d+))?/.exec(path);
  if (!match) return undefined;
  return match[2] === undefined ? [Number(match[1])] : [Number(match[1]), Number(match[2])];
}

const samePosition = (a: Position | undefined, b: Position | undefined): boolean => !!a && !!b && a.length === b.length && a.every((n, i) => n === b[i]);

/** 422 missing_permissions and 502 wechat_error, said for this tab; anything else as the API says it. */
export function showMenuError(status: Feedback, error: unknown): void {
  if (error instanceof ApiError && error.code === 'missing_permissions') {
    status.error(new Error(menuWords.missingMenuPermission));
    status.element.setAttribute('data-code', error.code);
    return;
  }
  status.error(error);
  if (error instanceof ApiError) status.element.setAttribute('data-code', error.code);
}

export async function menuTab(account: Account): Promise<DomElement> {
  const status = feedback('menu-feedback');
  const panel = h('div', { class: 'panel', testid: 'menu-panel' });
  let loaded: { menu: Menu | null };
  try {
    loaded = await api<{ menu: Menu | null }>('GET', `/v1/accounts/${account.appid}/menu`);
  } catch (error) {
    // Without set 15 (or with WeChat refusing) there is nothing to edit: say why.
    showMenuError(status, error);
    panel.append(h('h3', {}, t().menuTab.title), status.element);
    return panel;
  }

  let buttons: MenuButton[] = (loaded.menu?.button ?? []).map(normalised);
  let selected: Position | undefined = buttons.length > 0 ? [0] : undefined;
  let issues: FieldIssue[] = [];
  let keySeed = 1;
  const drawing = h('div', { class: 'phone', testid: 'menu-phone' });
  const editor = h('div', { class: 'menu-editor', testid: 'menu-editor' });
  const state = h('p', { class: 'muted small', testid: 'menu-state' });
  let inputs = new Map<string, DomElement>();

  const freshKey = (): string => {
    const taken = new Set(buttons.flatMap((top) => [top, ...(top.sub_button ?? [])]).map((button) => button.key));
    while (taken.has(`KEY_${keySeed}`)) keySeed++;
    return `KEY_${keySeed}`;
  };
  const newLeaf = (name: string): MenuButton => ({ type: 'click', name, key: freshKey() });
  const at = (position: Position): MenuButton | undefined => (position.length === 1 ? buttons[position[0]] : buttons[position[0]]?.sub_button?.[position[1]]);
  const pathOf = (position: Position): string => (position.length === 1 ? `button.${position[0]}` : `button.${position[0]}.sub_button.${position[1]}`);

  const setBusy = (busy: boolean) => {
    for (const button of panel.querySelectorAll('button')) (button as DomControl).disabled = busy;
    if (!busy) render();
  };

  const select = (position: Position) => {
    selected = position;
    render();
  };

  const addTop = () => {
    buttons.push(newLeaf('Button'));
    select([buttons.length - 1]);
  };

  const addSub = (top: number) => {
    const parent = buttons[top]!;
    // A button that opens a sub-menu has no type of its own (WeChat: 与 sub_button 互斥).
    if (!parent.sub_button) buttons[top] = { name: parent.name, sub_button: [] };
    buttons[top]!.sub_button!.push(newLeaf('Item'));
    select([top, buttons[top]!.sub_button!.length - 1]);
  };

  const remove = (position: Position) => {
    if (position.length === 1) {
      buttons.splice(position[0], 1);
      selected = buttons.length > 0 ? [Math.min(position[0], buttons.length - 1)] : undefined;
    } else {
      const parent = buttons[position[0]]!;
      parent.sub_button!.splice(position[1], 1);
      // The last sub-button gone: the top button does something itself again.
      if (parent.sub_button!.length === 0) buttons[position[0]] = { ...newLeaf(parent.name) };
      selected = [position[0]];
    }
    render();
  };

  const cell = (button: MenuButton, position: Position, extra: string): DomElement => {
    const invalid = issues.some((issue) => samePosition(positionOf(issue.path), position));
    const chosen = samePosition(selected, position);
    return h(
      'button',
      {
        class: `${extra}${chosen ? ' selected' : ''}${invalid ? ' invalid' : ''}`,
        testid: position.length === 1 ? 'menu-top' : 'menu-sub',
        'data-position': position.join('.'),
        title: button.sub_button ? t().menuTab.opensSub : `${button.type ?? ''} ${button.key ?? button.url ?? ''}`.trim(),
        onClick: () => select(position),
      },
      button.sub_button ? h('span', { class: 'menu-lines' }, '≡ ') : null,
      button.name || '…',
    );
  };

  const renderDrawing = () => {
    const columns = buttons.map((top, index) =>
      h(
        'div',
        { class: 'menu-column', testid: 'menu-column' },
        top.sub_button
          ? h(
              'div',
              { class: 'sub-stack' },
              ...top.sub_button.map((sub, subIndex) => cell(sub, [index, subIndex], 'menu-sub')),
              top.sub_button.length < MAX_SUB
                ? h('button', { class: 'menu-sub add', testid: 'menu-add-sub', 'data-top': String(index), onClick: () => addSub(index) }, '+')
                : null,
            )
          : h(
              'div',
              { class: 'sub-stack empty' },
              h(
                'button',
                { class: 'menu-sub add', testid: 'menu-add-sub', 'data-top': String(index), title: t().menuTab.addSub, onClick: () => addSub(index) },
                '+',
              ),
            ),
        cell(top, [index], 'menu-top'),
      ),
    );
    const addColumn =
      buttons.length < MAX_TOP
        ? h(
            'div',
            { class: 'menu-column' },
            h('div', { class: 'sub-stack empty' }),
            h('button', { class: 'menu-top add', testid: 'menu-add-top', onClick: addTop }, t().menuTab.addButton),
          )
        : null;
    drawing.replaceChildren(
      h('div', { class: 'phone-title' }, account.nickname),
      h('div', { class: 'phone-chat' }, buttons.length === 0 ? h('p', { class: 'chat-event', testid: 'menu-none' }, menuWords.none) : null),
      h('div', { class: 'menu-bar' }, h('span', { class: 'keyboard', title: t().menuTab.keyboard }, h('span', { class: 'keys' })), ...columns, addColumn),
    );
  };

  const renderEditor = () => {
    inputs = new Map([['button', drawing]]);
    const position = selected;
    const button = position ? at(position) : undefined;
    if (!position || !button) {
      editor.replaceChildren(h('p', { class: 'muted' }, t().menuTab.pickHint(buttons.length < MAX_TOP)));
      return;
    }
    const top = position.length === 1;
    const limit = top ? TOP_NAME_BYTES : SUB_NAME_BYTES;
    const path = pathOf(position);
    const count = h('span', { class: 'muted small', testid: 'menu-name-bytes' }, '');
    const name = control('input', { testid: 'menu-name', value: button.name, class: 'wide' });
    const showCount = () => {
      const used = utf8Bytes(name.value);
      count.textContent = t().hints.nameBytes(used, limit);
      count.className = used > limit ? 'small over' : 'muted small';
    };
    showCount();
    name.addEventListener('input', () => {
      button.name = name.value;
      showCount();
      renderDrawing();
    });
    inputs.set(`${path}.name`, name);

    const type = control(
      'select',
      { testid: 'menu-type' },
      ...(top ? [h('option', { value: 'parent' }, buttonTypeWords.parent!)] : []),
      ...Object.keys(buttonTypeFields).map((value) => h('option', { value }, buttonTypeWords[value] ?? value)),
    );
    type.value = button.sub_button ? 'parent' : (button.type ?? 'click');
    inputs.set(`${path}.type`, type);
    type.addEventListener('change', () => {
      if (type.value === 'parent') {
        addSub(position[0]);
        return;
      }
      const next = retyped(button, type.value);
      if (top) buttons[position[0]] = next;
      else buttons[position[0]]!.sub_button![position[1]!] = next;
      render();
    });

    const fields: DomElement[] = button.sub_button
      ? [h('p', { class: 'muted small' }, t().hints.subButtons(button.sub_button.length, MAX_SUB))]
      : (buttonTypeFields[button.type ?? ''] ?? ALL_FIELDS.filter((field) => button[field] !== undefined)).map((field) => {
          const input = control('input', {
            testid: `menu-${field.replace('_', '-')}`,
            value: button[field] ?? '',
            class: field === 'url' ? 'wide' : 'wide mono',
          });
          input.addEventListener('input', () => {
            button[field] = input.value;
            renderDrawing();
          });
          inputs.set(`${path}.${field}`, input);
          return h('label', { class: 'field' }, h('span', {}, buttonFieldWords[field] ?? field), input);
        });
    if (button.sub_button) inputs.set(`${path}.sub_button`, type);

    editor.replaceChildren(
      h('h4', { testid: 'menu-editing' }, t().menuTab.editing(placeWords(buttons, position))),
      h('label', { class: 'field' }, h('span', {}, buttonFieldWords.name!), name, count),
      h('label', { class: 'field' }, h('span', {}, t().menuTab.type), type),
      ...fields,
      h(
        'button',
        { class: 'danger small', testid: 'menu-remove-button', onClick: () => remove(position) },
        top ? t().menuTab.deleteTop : t().menuTab.deleteSub,
      ),
    );
    showFieldIssues(
      issues.filter((issue) => samePosition(positionOf(issue.path), position) || issue.path.startsWith(`${path}.`)),
      inputs,
    );
  };

  const render = () => {
    renderDrawing();
    renderEditor();
  };

  const save = async () => {
    status.clear();
    status.element.removeAttribute('data-code');
    clearFieldIssues(panel, inputs);
    issues = [];
    setBusy(true);
    try {
      const saved = await api<{ menu: Menu }>('PUT', `/v1/accounts/${account.appid}/menu`, { button: buttons });
      buttons = saved.menu.button.map(normalised);
      state.textContent = t().menuTab.holds;
      status.ok(t().menuTab.saved);
    } catch (error) {
      issues = fieldIssues(error);
      if (issues.length > 0) {
        const first = issues.map((issue) => positionOf(issue.path)).find((position) => position !== undefined);
        if (first) selected = first;
        status.error(new Error(t().menuTab.wouldRefuse));
        status.element.setAttribute('data-code', 'validation_failed');
        status.element.append(
          h(
            'ul',
            { testid: 'menu-issues' },
            ...issues.map((issue) => {
              const position = positionOf(issue.path);
              const rest = issue.path.replace(/^button\.\d+(\.sub_button\.\d+)?\.?/, '');
              return h('li', {}, `${position ? placeWords(buttons, position) : t().menuTab.theMenu}${rest ? ` · ${rest}` : ''}: ${issue.message}`);
            }),
          ),
        );
      } else showMenuError(status, error);
    } finally {
      setBusy(false);
    }
  };

  const removeMenu = async () => {
    if (!(await confirmDialog(menuWords.confirmDelete, t().menuTab.yesDelete, 'menu-delete-confirm'))) return;
    status.clear();
    setBusy(true);
    try {
      await api('DELETE', `/v1/accounts/${account.appid}/menu`);
      buttons = [];
      selected = undefined;
      issues = [];
      state.textContent = t().menuTab.holdsNone;
      status.ok(t().menuTab.deleted);
    } catch (error) {
      showMenuError(status, error);
    } finally {
      setBusy(false);
    }
  };

  state.textContent = loaded.menu ? t().menuTab.holds : t().menuTab.holdsNoneApi;
  render();
  panel.append(
    h(
      'div',
      { class: 'toolbar' },
      h('div', {}, h('h3', {}, t().menuTab.title), state),
      h(
        'span',
        { class: 'actions' },
        h('button', { class: 'danger', testid: 'menu-delete', onClick: () => void removeMenu() }, t().menuTab.deleteMenu),
        h('button', { class: 'primary', testid: 'menu-save', onClick: () => void save() }, t().menuTab.save),
      ),
    ),
    status.element,
    h('div', { class: 'menu-layout' }, drawing, editor),
  );
  return panel;
}
