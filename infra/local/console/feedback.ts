/**
 * Where a panel tells the person what happened: the API's human message, and the details that help
 * (the permission sets missing by name, where to revoke in WeChat, which fields are wrong). Never the
 * raw JSON of an answer.
 */
import { ApiError } from './api.ts';
import type { DomElement } from './browser.ts';
import { append, h, type Child } from './dom.ts';

export interface Feedback {
  readonly element: DomElement;
  error(error: unknown): void;
  ok(...content: Child[]): void;
  clear(): void;
}

export function feedback(testid: string): Feedback {
  const element = h('div', { class: 'feedback', testid, role: 'status', hidden: true });
  const show = (kind: string, children: Child[]) => {
    element.className = `feedback ${kind}`;
    element.hidden = false;
    element.replaceChildren();
    append(element, children);
  };
  return {
    element,
    error: (error) => show('error', explain(error)),
    ok: (...content) => show('ok', content),
    clear: () => {
      element.hidden = true;
      element.replaceChildren();
    },
  };
}

/** The message, then what the details add for a person. */
export function explain(error: unknown): Child[] {
  if (!(error instanceof ApiError)) return [h('p', {}, error instanceof Error ? error.message : 'Something went wrong.')];
  const details = error.details;
  const parts: Child[] = [h('p', { testid: 'error-message' }, error.message)];
  const missing = Array.isArray(details.missing) ? (details.missing as { id: number; name: string }[]) : [];
  if (missing.length > 0) {
    parts.push(h('p', {}, 'Permission sets not granted:'), h('ul', { testid: 'error-missing' }, ...missing.map((set) => h('li', {}, `${set.name} (${set.id})`))));
  }
  if (Array.isArray(details.steps)) {
    parts.push(
      h('p', { class: 'strong' }, 'How to revoke it in WeChat:'),
      h('ol', { testid: 'error-steps' }, ...(details.steps as string[]).map((step) => h('li', {}, step))),
    );
  }
  const fields = Array.isArray(details.fields) ? (details.fields as { field: string; message: string }[]) : [];
  if (fields.length > 0) parts.push(h('ul', {}, ...fields.map((issue) => h('li', {}, `${issue.field.replace(/^(body|query|path)\./, '')} ${issue.message}`))));
  if (typeof details.errcode === 'number') parts.push(h('p', { class: 'muted' }, `WeChat error code ${details.errcode}.`));
  return parts;
}
