/**
 * EventBridge schedules for the local stack: a timer per catalogue function with a `schedule`,
 * invoking it with a `ScheduledEvent`, never two runs of the same function at once.
 *
 * Supported expressions (the subset the hub needs, checked with EventBridge's own rules):
 * - `rate(N unit)`: unit `minute|minutes|hour|hours|day|days`, singular exactly when N is 1.
 *   The first run is one period after the start, as for a new EventBridge rule.
 * - `cron(minutes hours day-of-month month day-of-week year)`, evaluated in UTC: each field takes
 *   numbers, `*`, lists `a,b`, ranges `a-b` and steps `*\/n`, `a/n`, `a-b/n`; months may be
 *   `JAN`–`DEC`, days of week `SUN`–`SAT` (EventBridge numbers them 1 = SUN … 7 = SAT); exactly one
 *   of day-of-month and day-of-week is `?`. Not supported: `L`, `W`, `#` (refused with a message).
 */
import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';

export type ScheduleExpression = { kind: 'rate'; periodMs: number } | { kind: 'cron'; cron: CronSchedule };

export interface CronSchedule {
  minutes: Set<number>;
  hours: Set<number>;
  /** `undefined` when the field is `?`. */
  daysOfMonth?: Set<number>;
  months: Set<number>;
  /** 1 = Sunday … 7 = Saturday; `undefined` when the field is `?`. */
  daysOfWeek?: Set<number>;
  /** `undefined` when the field is `*`. */
  years?: Set<number>;
}

const unitMs: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

export function parseSchedule(expression: string): ScheduleExpression {
  const text = expression.trim();
  const rate = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(text);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2]!;
    const plural = unit.endsWith('s');
    if (value < 1) throw new Error(`Invalid schedule "${expression}": the rate must be at least 1.`);
    if ((value === 1) === plural) {
      throw new Error(`Invalid schedule "${expression}": EventBridge wants a singular unit for 1 and a plural one otherwise.`);
    }
    return { kind: 'rate', periodMs: value * unitMs[plural ? unit.slice(0, -1) : unit]! };
  }
  const cron = /^cron\((.*)\)$/.exec(text);
  if (cron) return { kind: 'cron', cron: parseCron(cron[1]!, expression) };
  throw new Error(`Invalid schedule "${expression}": expected rate(N unit) or cron(minutes hours day-of-month month day-of-week year).`);
}

const monthNames = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const dayNames = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

function parseCron(body: string, expression: string): CronSchedule {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) throw new Error(`Invalid schedule "${expression}": cron needs 6 fields, got ${fields.length}.`);
  const [minutes, hours, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  if ((dom === '?') === (dow === '?')) {
    throw new Error(`Invalid schedule "${expression}": exactly one of day-of-month and day-of-week must be "?".`);
  }
  const field = (text: string, name: string, min: number, max: number, names?: string[]) => parseField(text, { name, min, max, names, expression });
  return {
    minutes: field(minutes, 'minutes', 0, 59),
    hours: field(hours, 'hours', 0, 23),
    ...(dom === '?' ? {} : { daysOfMonth: field(dom, 'day-of-month', 1, 31) }),
    months: field(month, 'month', 1, 12, monthNames),
    ...(dow === '?' ? {} : { daysOfWeek: field(dow, 'day-of-week', 1, 7, dayNames) }),
    ...(year === '*' ? {} : { years: field(year, 'year', 1970, 2199) }),
  };
}

function parseField(text: string, f: { name: string; min: number; max: number; names?: string[] | undefined; expression: string }): Set<number> {
  const fail = (why: string): never => {
    throw new Error(`Invalid schedule "${f.expression}": ${f.name} "${text}" ${why}.`);
  };
  if (/[LW#]/.test(text.toUpperCase().replace(/[A-Z]{3}/g, (name) => (f.names?.includes(name) ? '' : name)))) {
    fail('uses L, W or #, which the local scheduler does not support');
  }
  const value = (token: string): number => {
    const named = f.names?.indexOf(token.toUpperCase()) ?? -1;
    const number = named >= 0 ? named + 1 : /^\d+$/.test(token) ? Number(token) : NaN;
    if (!Number.isInteger(number) || number < f.min || number > f.max) fail(`has "${token}" outside ${f.min}-${f.max}`);
    return number;
  };
  const result = new Set<number>();
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) fail(`has a bad step "${stepText}"`);
    let from: number;
    let to: number;
    if (range === '*') [from, to] = [f.min, f.max];
    else if (range.includes('-')) {
      const [a, b] = range.split('-') as [string, string];
      [from, to] = [value(a), value(b)];
      if (from > to) fail('has a range that runs backwards');
    } else {
      from = value(range);
      to = stepText === undefined ? from : f.max;
    }
    for (let n = from; n <= to; n += step) result.add(n);
  }
  if (result.size === 0) fail('matches nothing');
  return result;
}

/** The first time strictly after `after` (UTC, whole minutes) that the cron expression matches. */
export function nextCronTime(cron: CronSchedule, after: Date): Date {
  const t = new Date(after.getTime());
  t.setUTCSeconds(0, 0);
  t.setUTCMinutes(t.getUTCMinutes() + 1);
  const limit = after.getTime() + 5 * 366 * 86_400_000;
  while (t.getTime() <= limit) {
    if (cron.years && !cron.years.has(t.getUTCFullYear())) {
      t.setUTCFullYear(t.getUTCFullYear() + 1, 0, 1);
      t.setUTCHours(0, 0, 0, 0);
    } else if (!cron.months.has(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0, 0, 0);
    } else if (!dayMatches(cron, t)) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0, 0, 0);
    } else if (!cron.hours.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
    } else if (!cron.minutes.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
    } else {
      return t;
    }
  }
  throw new Error('The cron expression does not match any time in the next five years.');
}

function dayMatches(cron: CronSchedule, t: Date): boolean {
  if (cron.daysOfMonth) return cron.daysOfMonth.has(t.getUTCDate());
  return cron.daysOfWeek?.has(t.getUTCDay() + 1) ?? true;
}

/** Milliseconds from `now` to the next run of the schedule. */
export function delayUntilNextRun(schedule: ScheduleExpression, now: Date): number {
  if (schedule.kind === 'rate') return schedule.periodMs;
  return nextCronTime(schedule.cron, now).getTime() - now.getTime();
}

export function scheduledEvent(functionName: string, region: string, at: Date = new Date()): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    // EventBridge writes the scheduled time without milliseconds.
    time: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [`arn:aws:events:${region}:000000000000:rule/oa-hub-${functionName}`],
    detail: {},
  };
}

export interface LocalSchedules {
  /** Runs the function now (after its current run, if one is going). */
  run(functionName: string): Promise<void>;
  names(): string[];
  stop(): void;
}

/** setTimeout cannot wait longer than ~24.8 days; longer waits are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function startLocalSchedules(options: {
  functions: readonly { name: string; schedule?: string | undefined }[];
  invoke: (functionName: string, event: ScheduledEvent) => Promise<unknown>;
  region?: string;
  log?: (line: string) => void;
  now?: () => Date;
}): LocalSchedules {
  const region = options.region ?? process.env.AWS_REGION ?? 'local';
  const log = options.log ?? (() => {});
  const now = options.now ?? (() => new Date());
  const scheduled = options.functions.flatMap((fn) => (fn.schedule ? [{ name: fn.name, schedule: parseSchedule(fn.schedule) }] : []));
  const running = new Map<string, Promise<void>>();
  const timers = new Map<string, NodeJS.Timeout>();
  let stopped = false;

  const runOnce = (name: string): Promise<void> => {
    const run = (async () => {
      try {
        await options.invoke(name, scheduledEvent(name, region, now()));
      } catch (error) {
        log(`schedule ${name}: the run failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    })();
    running.set(name, run);
    void run.finally(() => {
      if (running.get(name) === run) running.delete(name);
    });
    return run;
  };

  const arm = (name: string, schedule: ScheduleExpression, waitMs?: number) => {
    if (stopped) return;
    const remaining = waitMs ?? delayUntilNextRun(schedule, now());
    const timer = setTimeout(
      () => {
        if (remaining > MAX_TIMER_MS) return arm(name, schedule, remaining - MAX_TIMER_MS);
        if (running.has(name)) log(`schedule ${name}: skipped a tick, the previous run is still going`);
        else void runOnce(name);
        arm(name, schedule);
      },
      Math.min(remaining, MAX_TIMER_MS),
    );
    timer.unref();
    timers.set(name, timer);
  };

  for (const { name, schedule } of scheduled) arm(name, schedule);

  return {
    names: () => scheduled.map((s) => s.name),
    async run(name) {
      if (!scheduled.some((s) => s.name === name)) {
        throw new Error(`No scheduled function named "${name}" (scheduled: ${scheduled.map((s) => s.name).join(', ') || 'none'}).`);
      }
      // Never overlap: wait for the current run (and any run queued before this one).
      while (running.has(name)) await running.get(name);
      await runOnce(name);
    },
    stop() {
      stopped = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}
