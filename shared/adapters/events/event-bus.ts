/**
 * The bus the relay publishes to (`EventBus` of `shared/domain/events/ports.ts`). In AWS: EventBridge
 * PutEvents on `EVENT_BUS_NAME`, source `oa-hub`, ≤ 10 entries a call, failed entries reported back
 * (they stay pending in the outbox). Under `npm start` and the tests: the in-process bus the local
 * stack registered on `globalThis` (`infra/local/event-bus.ts`) — the only seam between this adapter
 * and `infra/local/`, as for the queues.
 *
 * The EventBridge client is the one the nodejs22.x Lambda runtime ships (`@aws-sdk/*` is external to
 * every bundle, `infra/bundling.ts`); it is loaded on the first publish in AWS only, so nothing else
 * (the local stack, the tests, the coldstart of other functions) loads or needs it.
 */
import type { BusEvent } from '#shared/domain/events/model.ts';
import { EVENT_SOURCE } from '#shared/domain/events/model.ts';
import type { EventBus } from '#shared/domain/events/ports.ts';

/** What the local stack registers: its in-process bus. */
export interface LocalEventBusRegistry {
  put(events: readonly BusEvent[]): Promise<{ failed: string[] }>;
}

const registryKey = Symbol.for('oa-hub.local-event-bus');
type RegistryHolder = { [registryKey]?: LocalEventBusRegistry };

export function registerLocalEventBus(bus: LocalEventBusRegistry): void {
  (globalThis as RegistryHolder)[registryKey] = bus;
}

export function unregisterLocalEventBus(bus: LocalEventBusRegistry): void {
  const holder = globalThis as RegistryHolder;
  if (holder[registryKey] === bus) delete holder[registryKey];
}

export const localEventBus = (): LocalEventBusRegistry | undefined => (globalThis as RegistryHolder)[registryKey];

/** A PutEvents entry (EventBridge's `PutEventsRequestEntry`). */
export interface PutEventsEntry {
  Source: string;
  DetailType: string;
  Detail: string;
  EventBusName: string;
  Time: Date;
  Resources: string[];
}

/** The part of EventBridge's client the adapter uses: `send(new PutEventsCommand(input))`. */
export interface PutEventsClient {
  putEvents(entries: PutEventsEntry[]): Promise<{ Entries?: { EventId?: string; ErrorCode?: string }[]; FailedEntryCount?: number }>;
}

// A variable: the bundler leaves the import to the runtime (which ships the SDK), tsc does not look for it.
const EVENTBRIDGE_MODULE = '@aws-sdk/client-eventbridge';

async function runtimeEventBridge(): Promise<PutEventsClient> {
  const sdk = (await import(EVENTBRIDGE_MODULE)) as {
    EventBridgeClient: new (config: object) => {
      send(command: unknown): Promise<{ Entries?: { EventId?: string; ErrorCode?: string }[]; FailedEntryCount?: number }>;
    };
    PutEventsCommand: new (input: { Entries: PutEventsEntry[] }) => unknown;
  };
  const client = new sdk.EventBridgeClient({});
  return { putEvents: (entries) => client.send(new sdk.PutEventsCommand({ Entries: entries })) };
}

/** EventBridge's limit per event (256 KB); a push is at most 64 KiB of XML, so only a broken event gets near it. */
export const MAX_ENTRY_BYTES = 256 * 1024;

export function putEventsEntry(event: BusEvent, busName: string): PutEventsEntry {
  return {
    Source: EVENT_SOURCE,
    DetailType: event.detailType,
    Detail: JSON.stringify(event.detail),
    EventBusName: busName,
    Time: new Date(event.at),
    Resources: [],
  };
}

export function eventBridgeBus(options: { busName: string; client?: () => Promise<PutEventsClient> }): EventBus {
  let client: Promise<PutEventsClient> | undefined;
  return {
    async put(events) {
      if (events.length === 0) return { failed: [] };
      const local = localEventBus();
      if (local) return local.put(events);
      client ??= (options.client ?? runtimeEventBridge)();
      const answer = await (await client).putEvents(events.map((event) => putEventsEntry(event, options.busName)));
      const entries = answer.Entries ?? [];
      // Entries answer in request order; one with an ErrorCode (or missing) was not taken.
      const failed = events.filter((_, index) => !entries[index] || entries[index]!.ErrorCode !== undefined).map((event) => event.eventId);
      return { failed };
    },
  };
}
