/**
 * The event bus on this machine (API.md §6), standing in for EventBridge and for the table's stream
 * with the same at-least-once semantics: a relay loop reads the outbox (`OUTBOX#` items), puts each
 * event on this bus and forgets the entry only after the bus took it. So a bus that refuses, a
 * target that fails, or a process that dies between the two leaves the entry pending, and it is
 * published again, with the same eventId, on a later pass (or at the next `npm start`).
 *
 * Taking an event means: every in-process subscriber got its EventBridge envelope, and — with
 * `EVENT_TARGET_URL` — the target answered 2xx to a POST of it, retried for `targetRetryMs` (60 s
 * by default); a target still failing then leaves the event pending (the relay backs off and tries
 * again, in order: nothing is dropped). For the tests: `subscribe` records envelopes, `refuse(true)`
 * is a bus outage, `drain()` publishes everything pending now.
 */
import { randomUUID } from 'node:crypto';
import { registerLocalEventBus, unregisterLocalEventBus } from '#shared/adapters/events/event-bus.ts';
import { EVENT_SOURCE, type BusEvent } from '#shared/domain/events/model.ts';
import type { PendingEvents } from '#shared/domain/events/ports.ts';
import { OutboxRelay } from '#shared/domain/events/relay.ts';

/** An event as EventBridge delivers it to a target. */
export interface EventEnvelope {
  version: '0';
  id: string;
  source: string;
  'detail-type': string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: BusEvent['detail'];
}

export class LocalBusUnavailable extends Error {
  override readonly name = 'LocalBusUnavailable';
}

export interface LocalEventBusOptions {
  outbox: PendingEvents;
  targetUrl?: string;
  /** How long a failing target is retried before the event is left pending (default 60 s). */
  targetRetryMs?: number;
  /** How often the outbox is read when it was empty (default 200 ms). */
  pollMs?: number;
  log?: (line: string) => void;
  fetch?: typeof fetch;
}

export interface LocalEventBus {
  /** Where events go, in words (`npm start` prints it). */
  readonly description: string;
  /** Records every envelope the bus takes; returns the unsubscribe. */
  subscribe(listener: (envelope: EventEnvelope) => void): () => void;
  /** `true`: the bus refuses every put (an outage) until `refuse(false)`. */
  refuse(refusing: boolean): void;
  /** Publishes everything pending now (at most `maxPasses` passes); how many events the bus took. */
  drain(maxPasses?: number): Promise<number>;
  stop(): Promise<void>;
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

export function envelopeOf(event: BusEvent, region: string): EventEnvelope {
  return {
    version: '0',
    id: randomUUID(),
    source: EVENT_SOURCE,
    'detail-type': event.detailType,
    account: '000000000000',
    // EventBridge's `time` has seconds precision.
    time: new Date(event.at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [],
    detail: event.detail,
  };
}

export function startLocalEventBus(options: LocalEventBusOptions): LocalEventBus {
  const listeners = new Set<(envelope: EventEnvelope) => void>();
  const log = options.log ?? (() => undefined);
  const doFetch = options.fetch ?? fetch;
  const targetRetryMs = options.targetRetryMs ?? 60_000;
  const pollMs = options.pollMs ?? 200;
  const region = process.env.AWS_REGION ?? 'local';
  let refusing = false;
  let stopped = false;
  let wake: (() => void) | undefined;
  /** The loop's pause, cut short by `stop`. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      timer.unref();
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  async function deliverToTarget(envelope: EventEnvelope): Promise<boolean> {
    const deadline = Date.now() + targetRetryMs;
    for (let attempt = 0; ; attempt += 1) {
      try {
        const answer = await doFetch(options.targetUrl!, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(envelope),
          signal: AbortSignal.timeout(5_000),
        });
        await answer.body?.cancel();
        if (answer.ok) return true;
      } catch {
        // Unreachable or timed out: retried like a non-2xx answer.
      }
      if (stopped || Date.now() >= deadline) return false;
      await wait(Math.min(100 * 2 ** attempt, 5_000, Math.max(0, deadline - Date.now())));
    }
  }

  const bus = {
    async put(events: readonly BusEvent[]): Promise<{ failed: string[] }> {
      if (refusing) throw new LocalBusUnavailable('The local event bus refuses events (told to, as in an outage)');
      const failed: string[] = [];
      for (const [index, event] of events.entries()) {
        const envelope = envelopeOf(event, region);
        for (const listener of listeners) listener(envelope);
        if (options.targetUrl && !(await deliverToTarget(envelope))) {
          // In order: this event and the rest of the batch stay pending.
          log(
            `event bus: ${options.targetUrl} did not take ${event.detailType} ${event.eventId} for ${Math.round(targetRetryMs / 1000)} s; it stays pending and is retried`,
          );
          failed.push(...events.slice(index).map((rest) => rest.eventId));
          break;
        }
      }
      return { failed };
    },
  };
  registerLocalEventBus(bus);
  const relay = new OutboxRelay({ outbox: options.outbox, bus, log: { warn: () => undefined } });

  let pass: Promise<number> = Promise.resolve(0);
  /** One relay pass at a time (the loop's and `drain`'s). */
  const runPass = (): Promise<number> => {
    pass = pass
      .catch(() => 0)
      .then(async () => {
        const outcome = await relay.drain({ limit: 100 });
        if (outcome.failed.length > 0) throw new LocalBusUnavailable(`${outcome.failed.length} event(s) not taken; they stay pending`);
        return outcome.read;
      });
    return pass;
  };

  const loop = (async () => {
    let backoff = pollMs;
    while (!stopped) {
      try {
        const read = await runPass();
        backoff = pollMs;
        if (read >= 100) continue;
      } catch {
        backoff = Math.min(backoff * 2, 5_000);
      }
      if (!stopped) await pause(backoff);
    }
  })();

  return {
    description: options.targetUrl
      ? `in-process; every event POSTed to ${options.targetUrl} (retried 2xx-or-pending)`
      : 'in-process (set EVENT_TARGET_URL to have every event POSTed to a URL)',
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    refuse(value) {
      refusing = value;
    },
    async drain(maxPasses = 1_000) {
      let taken = 0;
      for (let passes = 0; passes < maxPasses; passes += 1) {
        const read = await runPass();
        taken += read;
        if (read === 0) break;
      }
      return taken;
    },
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      await pass.catch(() => undefined);
      unregisterLocalEventBus(bus);
    },
  };
}
