/**
 * WeCom's frequency limits as counters (WECOM.md §4.2, §3.10), on the simulator's clock: per corp and
 * API, `perMinute` (default 10 000) and `perHour` (150 000) calls; past a minute's limit the API is
 * blocked for that corp for 60 s, past an hour's for 60 min, answering 45009. The conversion API
 * `idconvert/unionid_to_external_userid` has its own per-corp budget, 100 000 an hour and 480 000 a
 * day (`subject_type 0`); a valid `mass_call_ticket` lifts that budget and leaves the base limits
 * (`base: true`). Counters are per run, not saved.
 */
import { WeComError } from './wecom-error.ts';

export interface FrequencyLimits {
  perMinute: number;
  perHour: number;
  idconvertPerHour: number;
  idconvertPerDay: number;
}

export const defaultLimits: FrequencyLimits = { perMinute: 10_000, perHour: 150_000, idconvertPerHour: 100_000, idconvertPerDay: 480_000 };

interface Window {
  start: number;
  count: number;
}

interface Counter {
  windows: Window[];
  blockedUntil: number;
}

export const IDCONVERT_PATH = '/cgi-bin/idconvert/unionid_to_external_userid';

export class FrequencyLimiter {
  #limits: FrequencyLimits;
  readonly #counters = new Map<string, Counter>();

  constructor(limits: Partial<FrequencyLimits> = {}) {
    this.#limits = { ...defaultLimits, ...limits };
  }

  get limits(): FrequencyLimits {
    return { ...this.#limits };
  }

  setLimits(limits: Partial<FrequencyLimits>): void {
    this.#limits = { ...this.#limits, ...limits };
  }

  reset(): void {
    this.#counters.clear();
  }

  /** Counts one call of `path` by `scope` (a corp id) at `nowMs`, or throws 45009 when it is over a limit. */
  take(scope: string, path: string, nowMs: number, o: { base?: boolean } = {}): void {
    const windows: [number, number, number][] =
      path === IDCONVERT_PATH && !o.base
        ? [
            [3600_000, this.#limits.idconvertPerHour, 3600_000],
            [86_400_000, this.#limits.idconvertPerDay, 86_400_000],
          ]
        : [
            [60_000, this.#limits.perMinute, 60_000],
            [3600_000, this.#limits.perHour, 3600_000],
          ];
    const key = `${scope}|${path}${o.base ? '|base' : ''}`;
    let counter = this.#counters.get(key);
    if (!counter) {
      counter = { windows: windows.map(() => ({ start: nowMs, count: 0 })), blockedUntil: 0 };
      this.#counters.set(key, counter);
    }
    if (nowMs < counter.blockedUntil) throw new WeComError(45009);
    windows.forEach(([length], i) => {
      const window = counter.windows[i]!;
      if (nowMs - window.start >= length) {
        window.start = nowMs - ((nowMs - window.start) % length);
        window.count = 0;
      }
    });
    for (const [i, [, limit, block]] of windows.entries()) {
      if (counter.windows[i]!.count >= limit) {
        counter.blockedUntil = nowMs + block;
        throw new WeComError(45009);
      }
    }
    for (const window of counter.windows) window.count += 1;
  }
}
