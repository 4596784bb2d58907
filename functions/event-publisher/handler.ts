/**
 * Publishes the outbox to the event bus (API.md §6), at least once. Two triggers:
 * - the table's stream (new `OUTBOX#` items, filtered by the event source mapping): each batch is
 *   put on the bus and its entries forgotten; a failure reports the first failed record, so Lambda
 *   retries from there (bisecting, then the on-failure queue; the entry stays in the table);
 * - every 5 minutes: the sweep publishes entries still pending after 2 minutes and reports the age
 *   of the oldest as `OutboxOldestPendingSeconds` (the publishing-lag alarm).
 */
import type { DynamoDBBatchResponse, DynamoDBStreamEvent, ScheduledEvent } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { pendingFromStream, type OutboxStreamRecord } from '#shared/adapters/dynamodb/event-outbox.ts';
import { observed } from '#shared/http/middleware.ts';
import { metrics } from '#shared/observability/powertools.ts';
import { outboxRelay } from '#shared/wiring/events.ts';

const relay = outboxRelay();
export const SWEEP_GRACE_SECONDS = 120;

export const handler = observed(async (event: DynamoDBStreamEvent | ScheduledEvent): Promise<DynamoDBBatchResponse | object> => {
  if ('Records' in event) {
    const received = pendingFromStream(event.Records as OutboxStreamRecord[]);
    const outcome = await relay.publish(received.map(({ entry }) => entry));
    const failed = new Set(outcome.failed);
    const first = received.find(({ entry }) => failed.has(entry.event.eventId));
    return { batchItemFailures: first ? [{ itemIdentifier: first.sequenceNumber }] : [] };
  }
  const swept = await relay.sweep({ now: new Date(), graceSeconds: SWEEP_GRACE_SECONDS });
  metrics.addMetric('OutboxOldestPendingSeconds', MetricUnit.Seconds, swept.oldestPendingSeconds);
  return swept;
});
