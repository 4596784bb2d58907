/**
 * The part of the browser's DOM the console uses, typed here. The project type-checks as Node code
 * (no `dom` lib: adding it program-wide would retype `fetch`, timers and `Response` for every Node
 * file), so the app reaches the browser's globals through this one narrow interface.
 */
export interface DomEvent {
  preventDefault(): void;
}

export interface DomElement {
  textContent: string | null;
  className: string;
  hidden: boolean;
  /** False once the element left the page (a poll started by a screen stops then). */
  readonly isConnected: boolean;
  readonly dataset: Record<string, string | undefined>;
  setAttribute(name: string, value: string): void;
  getAttribute(name: string): string | null;
  removeAttribute(name: string): void;
  append(...nodes: (DomElement | string)[]): void;
  replaceChildren(...nodes: (DomElement | string)[]): void;
  addEventListener(type: string, listener: (event: DomEvent) => void): void;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): Iterable<DomElement>;
  /** Inserts nodes right after this element, in its parent. */
  after(...nodes: (DomElement | string)[]): void;
  remove(): void;
  focus(): void;
  /** `<dialog>` only. */
  showModal?(): void;
  close?(): void;
  /** Scrolls the page so that the element is in view. */
  scrollIntoView?(options?: { block?: string }): void;
}

/** Inputs, selects, textareas, buttons, progress bars. */
export interface DomControl extends DomElement {
  value: string;
  checked: boolean;
  disabled: boolean;
  max: number;
  select?(): void;
}

interface Browser {
  document: {
    title: string;
    body: DomElement;
    documentElement: DomElement & { lang: string };
    createElement(tag: string): DomElement;
    /** SVG elements (the follower trend's chart). */
    createElementNS(namespace: string, tag: string): DomElement;
    getElementById(id: string): DomElement | null;
  };
  location: { hash: string; search: string; pathname: string; href: string; assign(url: string): void };
  history: { replaceState(data: unknown, unused: string, url: string): void };
  sessionStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void; removeItem(key: string): void };
  /** Where the chosen language is kept across visits. */
  localStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void };
  navigator: { clipboard?: { writeText(text: string): Promise<void> }; languages?: readonly string[]; language?: string };
  addEventListener(type: 'hashchange', listener: () => void): void;
}

export const browser = globalThis as unknown as Browser;
