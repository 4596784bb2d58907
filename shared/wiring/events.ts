/**
 * The event bus wired (API.md §6): the outbox every use case that causes an event writes to, and the
 * relay that moves the outbox to the bus (`functions/event-publisher`: the table's stream and the
 * periodic sweep in AWS; the local stand-in `infra/local/event-bus.ts` builds its own relay on the
 * same adapters).
 *
 * | builder | for |
 * |---|---|
 * | `eventOutbox()` | the use cases that publish lifecycle events (`shared/domain/events/model.ts`) |
 * | `outboxRelay()` | `event-publisher` |
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoEventOutbox } from '#shared/adapters/dynamodb/event-outbox.ts';
import { eventBridgeBus } from '#shared/adapters/events/event-bus.ts';
import { config } from '#shared/config/config.ts';
import { db, tableName } from '#shared/db/client.ts';
import { OutboxRelay } from '#shared/domain/events/relay.ts';
import { log } from '#shared/wiring/common.ts';

export interface EventsTable {
  client: DynamoDBDocumentClient;
  table: string;
}

const liveTable = (): EventsTable => ({ client: db(), table: tableName() });

let outbox: DynamoEventOutbox | undefined;

/** The outbox in the function's table (a test hands in its own table). */
export function eventOutbox(table?: EventsTable): DynamoEventOutbox {
  if (table) return new DynamoEventOutbox(table.client, table.table);
  const { client, table: name } = liveTable();
  outbox ??= new DynamoEventOutbox(client, name);
  return outbox;
}

/** The relay from the outbox to `EVENT_BUS_NAME` (or the local stack's bus, when one is registered). */
export function outboxRelay(table?: EventsTable): OutboxRelay {
  return new OutboxRelay({ outbox: eventOutbox(table), bus: eventBridgeBus({ busName: config().eventBusName }), log });
}
