/**
 * Moves the outbox's pending events to the bus, at least once: an entry is forgotten only after the
 * bus took its event, so a relay that dies between the two (or a bus that refuses) leaves it pending
 * and the next pass publishes it again with the same eventId. Entries the bus did not take stay too.
 *
 * - `publish(entries)`: the entries handed over by the table's stream (AWS) or read by a pass.
 * - `drain()`: one pass over what is pending (the local stand-in's loop, the AWS sweep with
 *   `storedBefore`, which leaves the stream's fresh entries to the stream).
 */
import type { EventBus, PendingEvent, PendingEvents } from '#shared/domain/events/ports.ts';

/** PutEvents takes at most 10 entries. */
export const BUS_BATCH = 10;

export interface RelayOutcome {
  published: number;
  /** eventIds the bus refused or could not be reached for: still pending. */
  failed: string[];
}

export class OutboxRelay {
  constructor(
    private readonly deps: {
      outbox: PendingEvents;
      bus: EventBus;
      log?: { warn(message: string, fields?: Record<string, unknown>): void };
    },
  ) {}

  async publish(entries: readonly PendingEvent[]): Promise<RelayOutcome> {
    const outcome: RelayOutcome = { published: 0, failed: [] };
    for (let start = 0; start < entries.length; start += BUS_BATCH) {
      const batch = entries.slice(start, start + BUS_BATCH);
      let failed: Set<string>;
      try {
        failed = new Set((await this.deps.bus.put(batch.map((entry) => entry.event))).failed);
      } catch (error) {
        // The bus is down: this batch and everything after it stays pending, in order.
        this.deps.log?.warn('The event bus refused a batch; the events stay pending', { error: error instanceof Error ? error.name : String(error) });
        outcome.failed.push(...entries.slice(start).map((entry) => entry.event.eventId));
        return outcome;
      }
      const taken = batch.filter((entry) => !failed.has(entry.event.eventId));
      if (taken.length > 0) await this.deps.outbox.done(taken.map((entry) => entry.ref));
      outcome.published += taken.length;
      outcome.failed.push(...batch.filter((entry) => failed.has(entry.event.eventId)).map((entry) => entry.event.eventId));
    }
    return outcome;
  }

  /**
   * The safety net behind the stream (AWS, every 5 minutes): publishes what is still pending after
   * `graceSeconds` (the stream's own retries had their chance), and says how old the oldest such
   * entry was — the publishing-lag alarm's figure.
   */
  async sweep(options: { now: Date; graceSeconds: number; limit?: number }): Promise<RelayOutcome & { read: number; oldestPendingSeconds: number }> {
    const storedBefore = new Date(options.now.getTime() - options.graceSeconds * 1000).toISOString();
    const entries = await this.deps.outbox.pending({ limit: options.limit ?? 500, storedBefore });
    const oldest = entries.reduce<string | undefined>((min, entry) => (min === undefined || entry.storedAt < min ? entry.storedAt : min), undefined);
    const oldestPendingSeconds = oldest ? Math.max(0, Math.round((options.now.getTime() - Date.parse(oldest)) / 1000)) : 0;
    return { ...(await this.publish(entries)), read: entries.length, oldestPendingSeconds };
  }

  /** One pass: reads up to `limit` pending entries and publishes them. */
  async drain(options: { limit?: number; storedBefore?: string } = {}): Promise<RelayOutcome & { read: number }> {
    const entries = await this.deps.outbox.pending({ limit: options.limit ?? 100, ...(options.storedBefore ? { storedBefore: options.storedBefore } : {}) });
    return { ...(await this.publish(entries)), read: entries.length };
  }
}
