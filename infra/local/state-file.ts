/**
 * Small files the local stack keeps under its data directory (the simulator's world, the stack's
 * lock): written whole and atomically — a temporary file beside the target, then a rename — so a
 * crash leaves either the previous content or the new one, never half of it. Mode 0600: they may
 * hold tokens of the simulated WeChat.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export function writeFileAtomic(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, content, { mode: 0o600 });
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

export interface DebouncedSave {
  /** Something changed: save within `delayMs`, and at most `delayMs` after the first unsaved change. */
  changed(): void;
  /** Saves now if anything is unsaved (at stop). */
  flush(): void;
  /** Cancels a pending save without saving. */
  cancel(): void;
}

/**
 * Calls `save` at most once per `delayMs` while changes keep coming (a busy simulator changes its
 * quota counters on every call). A failing save is reported through `onError` and retried on the
 * next change.
 */
export function debouncedSave(save: () => void, options: { delayMs: number; onError: (error: unknown) => void }): DebouncedSave {
  let timer: NodeJS.Timeout | undefined;
  let dirty = false;
  const run = () => {
    timer = undefined;
    if (!dirty) return;
    dirty = false;
    try {
      save();
    } catch (error) {
      dirty = true;
      options.onError(error);
    }
  };
  return {
    changed: () => {
      dirty = true;
      if (timer) return;
      timer = setTimeout(run, options.delayMs);
      timer.unref();
    },
    flush: () => {
      if (timer) clearTimeout(timer);
      run();
    },
    cancel: () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      dirty = false;
    },
  };
}
