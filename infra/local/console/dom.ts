/**
 * A small element builder (the console's screens are functions that return elements), times in the
 * viewer's zone, the one guard every button that sends a request goes through (`sending`), and the
 * confirmation dialog of destructive actions (`confirmDialog`).
 */
import { browser, type DomControl, type DomElement, type DomEvent } from './browser.ts';
import { language, t, viewerZone } from './words.ts';

export type Child = DomElement | string | number | false | null | undefined;

export interface Props {
  class?: string;
  /** `data-testid`, what the browser test finds elements by. */
  testid?: string;
  onClick?: (event: DomEvent) => void;
  onSubmit?: (event: DomEvent) => void;
  onChange?: (event: DomEvent) => void;
  [attribute: string]: unknown;
}

const handlers: Record<string, string> = { onClick: 'click', onSubmit: 'submit', onChange: 'change' };

export function h<E extends DomElement = DomElement>(tag: string, props: Props = {}, ...children: Child[]): E {
  const element = browser.document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === false || value === null) continue;
    if (name in handlers) element.addEventListener(handlers[name]!, value as (event: DomEvent) => void);
    else if (name === 'class') element.className = String(value);
    else if (name === 'testid') element.setAttribute('data-testid', String(value));
    else if (name === 'value' || name === 'checked' || name === 'disabled') (element as unknown as Record<string, unknown>)[name] = value;
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element as E;
}

export function append(element: DomElement, children: Child[]): void {
  for (const child of children) {
    if (child === false || child === null || child === undefined) continue;
    element.append(typeof child === 'number' ? String(child) : child);
  }
}

export const control = (tag: string, props: Props = {}, ...children: Child[]): DomControl => h<DomControl>(tag, props, ...children);

/** The zone this viewer's times are shown in (words.ts `viewerZone`). */
export const zone = (): string => viewerZone(language(), Intl.DateTimeFormat().resolvedOptions().timeZone);

const parts = (date: Date, options: Intl.DateTimeFormatOptions): Record<string, string> =>
  Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: zone(), hourCycle: 'h23', ...options }).formatToParts(date).map((part) => [part.type, part.value]),
  );

/** `2026-05-01T03:04:05.000Z` → `2026-05-01 11:04 GMT+8` in the viewer's zone (`… 03:04 UTC` in UTC). */
export function when(iso: string | undefined | null): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const p = parts(date, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute} ${p.timeZoneName}`;
}

/** The day (`2026-05-01`) a moment falls on in the viewer's zone. */
export function dayOf(date: Date): string {
  const p = parts(date, { year: 'numeric', month: '2-digit', day: '2-digit' });
  return `${p.year}-${p.month}-${p.day}`;
}

export const yesNo = (value: boolean): string => (value ? t().yes : t().no);

/**
 * The guard of every button that sends a request: the button is disabled from the click until the
 * answer (so a double click sends one request), then enabled again. A click on a disabled button (or
 * while it is still sending) does nothing. Disabling happens before the first await, so the second
 * click of a double click already finds it disabled.
 */
export async function sending(button: DomElement, run: () => Promise<unknown>): Promise<void> {
  const control = button as DomControl;
  if (control.disabled || control.dataset.sending === 'true') return;
  control.disabled = true;
  control.setAttribute('data-sending', 'true');
  try {
    await run();
  } finally {
    control.removeAttribute('data-sending');
    control.disabled = false;
  }
}

/** A button whose click sends a request through `sending`. */
export function actionButton(props: Props, label: Child, run: () => Promise<unknown>): DomControl {
  const button: DomControl = control('button', { type: 'button', ...props, onClick: () => void sending(button, run) }, label);
  return button;
}

/** A form whose submit sends a request through `sending` on its submit button. */
export function sendingForm(props: Props, run: () => Promise<unknown>, ...children: Child[]): DomElement {
  const form = h(
    'form',
    {
      ...props,
      onSubmit: (event) => {
        event.preventDefault();
        const submit = form.querySelector('button[type=submit]');
        if (submit) void sending(submit, run);
        else void run();
      },
    },
    ...children,
  );
  return form;
}

/**
 * Asks before a destructive action: a modal `<dialog>` with the question, Cancel (focused) and the
 * action's own button. Resolves true when the person confirms; Cancel, Escape or a click outside do
 * nothing. `testid` names the confirm button (`unbind-confirm`…), the dialog is `confirm-dialog`.
 */
export function confirmDialog(question: string, action: string, testid = 'confirm-yes'): Promise<boolean> {
  return new Promise((resolve) => {
    let answered = false;
    const dialog = h('dialog', { class: 'confirm-dialog', testid: 'confirm-dialog', role: 'alertdialog', 'aria-label': question });
    const finish = (yes: boolean) => {
      if (answered) return;
      answered = true;
      dialog.close?.();
      dialog.remove();
      resolve(yes);
    };
    const cancel = h('button', { type: 'button', testid: 'confirm-cancel', onClick: () => finish(false) }, t().cancel);
    dialog.append(
      h('p', {}, question),
      h('div', { class: 'actions' }, cancel, h('button', { type: 'button', class: 'danger', testid, onClick: () => finish(true) }, action)),
    );
    dialog.addEventListener('close', () => finish(false));
    browser.document.body.append(dialog);
    dialog.showModal?.();
    cancel.focus();
  });
}
