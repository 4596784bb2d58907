/**
 * The outbox of the event bus (API.md §6): an event waits here from the moment its use case stored
 * it until the bus took it, so nothing the hub decided to publish is lost while the bus is down.
 *
 * | item | pk | sk | attributes |
 * |---|---|---|---|
 * | pending event | `OUTBOX#<shard 0–3>` | `<storedAt ISO>#<eventId>` | `eventId`, `detailType`, `at`, `appid?`, `detail` (map), `storedAt` |
 *
 * The shard is chosen by the account (by the eventId when the event names none), so one account's
 * events sit in one partition in the order they were stored: the relay reads each shard oldest first.
 * No TTL: an entry leaves only when the bus took its event (`done`); entries that stay are what the
 * publishing-lag alarm watches. In AWS the table's stream hands each new entry (INSERT of an
 * `OUTBOX#` item) to `event-publisher`; the periodic sweep and the local stand-in Query the shards.
 */
import { createHash } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { batchDeleteAll } from '#shared/db/batch.ts';
import type { TransactItem } from '#shared/db/transactions.ts';
import type { BusEvent } from '#shared/domain/events/model.ts';
import type { EventOutbox, PendingEvent, PendingEvents } from '#shared/domain/events/ports.ts';

export const OUTBOX_SHARDS = 4;
export const OUTBOX_PK_PREFIX = 'OUTBOX#';

export const outboxKeys = {
  pk: (shard: number) => `${OUTBOX_PK_PREFIX}${shard}`,
  sk: (storedAt: string, eventId: string) => `${storedAt}#${eventId}`,
  shardOf: (event: Pick<BusEvent, 'appid' | 'eventId'>) =>
    createHash('sha256')
      .update(event.appid ?? event.eventId)
      .digest()
      .readUInt32BE(0) % OUTBOX_SHARDS,
};

export function outboxItem(event: BusEvent, storedAt: string): Record<string, unknown> {
  return {
    pk: outboxKeys.pk(outboxKeys.shardOf(event)),
    sk: outboxKeys.sk(storedAt, event.eventId),
    type: 'OutboxEvent',
    eventId: event.eventId,
    detailType: event.detailType,
    at: event.at,
    ...(event.appid ? { appid: event.appid } : {}),
    detail: event.detail,
    storedAt,
  };
}

/** An outbox item (from a Query or a stream image) back to the pending event it holds. */
export function pendingFromItem(item: Record<string, unknown>): PendingEvent {
  return {
    event: {
      eventId: String(item.eventId),
      detailType: String(item.detailType) as BusEvent['detailType'],
      at: String(item.at),
      ...(typeof item.appid === 'string' ? { appid: item.appid } : {}),
      detail: item.detail as BusEvent['detail'],
    },
    ref: { pk: String(item.pk), sk: String(item.sk) },
    storedAt: String(item.storedAt),
  };
}

/** A stream record as `event-publisher` receives it (the fields it reads). */
export interface OutboxStreamRecord {
  eventName?: string;
  dynamodb?: { NewImage?: Record<string, unknown>; SequenceNumber?: string };
}

/** The new outbox entries of a batch of stream records (INSERTs of `OUTBOX#` items; anything else is skipped), each with its record's sequence number. */
export function pendingFromStream(records: readonly OutboxStreamRecord[]): { entry: PendingEvent; sequenceNumber: string }[] {
  return records.flatMap((record) => {
    const image = record.dynamodb?.NewImage;
    if (record.eventName !== 'INSERT' || !image) return [];
    const item = unmarshall(image as Record<string, AttributeValue>);
    if (typeof item.pk !== 'string' || !item.pk.startsWith(OUTBOX_PK_PREFIX)) return [];
    return [{ entry: pendingFromItem(item), sequenceNumber: record.dynamodb?.SequenceNumber ?? '' }];
  });
}

export class DynamoEventOutbox implements EventOutbox, PendingEvents {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The Put of an entry, for an adapter that writes it in the same transaction as the change it reports. */
  transactItem(event: BusEvent, storedAt: string = this.now().toISOString()): TransactItem {
    return { Put: { TableName: this.table, Item: outboxItem(event, storedAt), ConditionExpression: 'attribute_not_exists(pk)' } };
  }

  async publish(event: BusEvent): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.table, Item: outboxItem(event, this.now().toISOString()) }));
  }

  async pending(options: { limit: number; storedBefore?: string }): Promise<PendingEvent[]> {
    const shards = await Promise.all(
      Array.from({ length: OUTBOX_SHARDS }, (_, shard) =>
        this.client.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: options.storedBefore ? 'pk = :pk AND sk < :before' : 'pk = :pk',
            ExpressionAttributeValues: { ':pk': outboxKeys.pk(shard), ...(options.storedBefore ? { ':before': options.storedBefore } : {}) },
            ConsistentRead: true,
            Limit: options.limit,
          }),
        ),
      ),
    );
    return shards
      .flatMap((answer) => answer.Items ?? [])
      .map(pendingFromItem)
      .sort((a, b) => a.ref.sk.localeCompare(b.ref.sk))
      .slice(0, options.limit);
  }

  async done(refs: readonly PendingEvent['ref'][]): Promise<void> {
    if (refs.length === 0) return;
    await batchDeleteAll(
      this.client,
      this.table,
      refs.map((ref) => ({ pk: ref.pk, sk: ref.sk })),
    );
  }
}
