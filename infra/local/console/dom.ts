/** A small element builder: the console's screens are functions that return elements. */
import { browser, type DomControl, type DomElement, type DomEvent } from './browser.ts';

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

/** `2026-05-01T03:04:05.000Z` → `2026-05-01 03:04 UTC`: the API's times are UTC. */
export function when(iso: string | undefined | null): string {
  if (!iso) return '—';
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return match ? `${match[1]} ${match[2]} UTC` : iso;
}

export const yesNo = (value: boolean): string => (value ? 'yes' : 'no');
