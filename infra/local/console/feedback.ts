/**
 * Where a panel tells the person what happened: the API's human message, and the details that help
 * (the permission sets missing by name, where to revoke in WeChat, which fields are wrong). Never the
 * raw JSON of an answer.
 */
import { ApiError } from './api.ts';
import type { DomElement } from './browser.ts';
import { append, h, type Child } from './dom.ts';
import { t } from './words.ts';

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
  if (!(error instanceof ApiError)) return [h('p', {}, error instanceof Error ? error.message : t().somethingWrong)];
  const details = error.details;
  // In a language other than the hub's, a known code is said in that language; the hub's own sentence stays as the title.
  const said = t().apiErrors[error.code];
  const parts: Child[] = [h('p', { testid: 'error-message', 'data-code': error.code, title: said ? error.message : undefined }, said ?? error.message)];
  const missing = Array.isArray(details.missing) ? (details.missing as { id: number; name: string }[]) : [];
  if (missing.length > 0) {
    parts.push(h('p', {}, t().missingSets), h('ul', { testid: 'error-missing' }, ...missing.map((set) => h('li', {}, `${set.name} (${set.id})`))));
  }
  if (Array.isArray(details.steps)) {
    parts.push(
      h('p', { class: 'strong' }, t().howToRevoke),
      h('ol', { testid: 'error-steps' }, ...(details.steps as string[]).map((step) => h('li', {}, step))),
    );
  }
  const fields = Array.isArray(details.fields) ? (details.fields as { field: string; message: string }[]) : [];
  if (fields.length > 0) parts.push(h('ul', {}, ...fields.map((issue) => h('li', {}, `${issue.field.replace(/^(body|query|path)\./, '')} ${issue.message}`))));
  if (typeof details.errcode === 'number') parts.push(h('p', { class: 'muted' }, t().wechatErrcode(details.errcode)));
  return parts;
}

export interface FieldIssue {
  /** The field's path without `body.`: `rules.0.reply.content`, `button.1.sub_button.0.name`. */
  path: string;
  message: string;
}

/** The body fields a `400 validation_failed` names, for an editor to show each next to its input. */
export function fieldIssues(error: unknown): FieldIssue[] {
  if (!(error instanceof ApiError) || error.code !== 'validation_failed' || !Array.isArray(error.details.fields)) return [];
  return (error.details.fields as { field: string; message: string }[])
    .filter((issue) => issue.field.startsWith('body.'))
    .map((issue) => ({ path: issue.field.slice('body.'.length), message: issue.message }));
}

/**
 * Shows each issue under the input registered for the longest prefix of its path (a keyword's issue,
 * `rules.0.trigger.keywords.2`, lands under the keywords input); returns the issues no input took.
 */
export function showFieldIssues(issues: FieldIssue[], inputs: Map<string, DomElement>): FieldIssue[] {
  const unplaced: FieldIssue[] = [];
  // Several issues of one input stack under it in the server's order.
  const last = new Map<DomElement, DomElement>();
  for (const issue of issues) {
    const parts = issue.path.split('.');
    let target: DomElement | undefined;
    for (let length = parts.length; length > 0 && !target; length--) target = inputs.get(parts.slice(0, length).join('.'));
    if (!target) {
      unplaced.push(issue);
      continue;
    }
    target.setAttribute('aria-invalid', 'true');
    const note = h('p', { class: 'field-error', testid: 'field-error', 'data-field': issue.path }, issue.message);
    (last.get(target) ?? target).after(note);
    last.set(target, note);
  }
  return unplaced;
}

/** Removes what showFieldIssues added. */
export function clearFieldIssues(container: DomElement, inputs: Map<string, DomElement>): void {
  for (const note of container.querySelectorAll('.field-error')) note.remove();
  for (const input of inputs.values()) input.removeAttribute('aria-invalid');
}
