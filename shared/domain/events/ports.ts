/**
 * The event bus as the use cases see it (API.md §6). A use case that causes an event hands it to the
 * `EventOutbox`: the table keeps it until the bus took it (the outbox: `shared/adapters/dynamodb/
 * event-outbox.ts`), so an event is never lost between the change and the bus. The `OutboxRelay`
 * (`relay.ts`) moves pending entries to the `EventBus` — in AWS from the table's stream and a
 * periodic sweep (`functions/event-publisher`), locally from the in-process stand-in
 * (`infra/local/event-bus.ts`).
 */
import type { BusEvent } from '#shared/domain/events/model.ts';

export interface EventOutbox {
  /** Keeps the event for the bus; returns once it is stored (the bus gets it later, at least once). */
  publish(event: BusEvent): Promise<void>;
}

/** An outbox entry as the relay reads it back. */
export interface PendingEvent {
  event: BusEvent;
  /** Where it is kept (opaque to the relay, handed back to `done`). */
  ref: { pk: string; sk: string };
  /** When it was stored (ISO). */
  storedAt: string;
}

export interface PendingEvents {
  /** Entries still waiting, oldest first within each account; at most `limit`; those stored before `storedBefore` only, when given. */
  pending(options: { limit: number; storedBefore?: string }): Promise<PendingEvent[]>;
  /** Forgets entries the bus took. */
  done(refs: readonly PendingEvent['ref'][]): Promise<void>;
}

export interface EventBus {
  /** Puts the events on the bus; returns the eventIds it did not take (they stay pending). Throws when the bus is unreachable. */
  put(events: readonly BusEvent[]): Promise<{ failed: string[] }>;
}
