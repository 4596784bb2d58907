import type { Session } from '../api.ts';
import type { Child } from '../dom.ts';

/** What every screen gets from the app shell. */
export interface ScreenContext {
  session: Session;
  /** A message above the screen that outlives navigation (e.g. "Unbound …" on the list). */
  notice(...content: Child[]): void;
  go(hash: string): void;
}
