/**
 * Consumer of the `fan-sync` queue: one follower-sync step per message (`start`, `page`, `chunk`,
 * `finish`; `shared/domain/fans/sync.ts`). A batch's steps run side by side; a failed step is
 * reported alone (partial batch response) so SQS redelivers only it after its visibility timeout,
 * and sends it to the dead-letter queue after `maxReceiveCount` receives — the step knows when it is
 * on its last one and makes the job end anyway. Page and finish steps are idempotent through
 * Powertools idempotency on the table.
 */
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as v from 'valibot';
import { hubQueues } from '#infra/catalogue.ts';
import type { FanSyncMessage } from '#shared/domain/fans/model.ts';
import { observed } from '#shared/http/middleware.ts';
import { logger, metrics } from '#shared/observability/powertools.ts';
import { fanSyncWorker } from '#shared/wiring/fans.ts';

const appid = v.pipe(v.string(), v.regex(/^wx[0-9a-zA-Z]{16}$/));
const jobId = v.pipe(v.string(), v.regex(/^[0-9a-z]{1,64}$/));
const tenantId = v.pipe(v.string(), v.minLength(1), v.maxLength(128));
const openid = v.pipe(v.string(), v.minLength(1), v.maxLength(64));
const page = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(999_999));
const step = v.variant('type', [
  v.object({ type: v.literal('start'), appid, jobId }),
  v.object({ type: v.literal('page'), appid, jobId, page, cursor: v.pipe(v.string(), v.maxLength(64)), tenantId, merge: v.boolean() }),
  v.object({
    type: v.literal('chunk'),
    appid,
    jobId,
    page,
    chunk: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(999)),
    openids: v.pipe(v.array(openid), v.minLength(1), v.maxLength(100)),
    tenantId,
    merge: v.boolean(),
  }),
  v.object({ type: v.literal('finish'), appid, jobId }),
]);

const maxReceiveCount = hubQueues.find((queue) => queue.name === 'fan-sync')!.maxReceiveCount;

const { worker, steps } = fanSyncWorker();

function parse(body: string): FanSyncMessage | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const parsed = v.safeParse(step, json);
  return parsed.success ? (parsed.output as FanSyncMessage) : undefined;
}

async function handleRecord(record: SQSRecord): Promise<void> {
  const message = parse(record.body);
  if (!message) {
    // A message that can never succeed is dropped with a log line rather than retried into the DLQ.
    logger.error('Dropped a malformed fan-sync step', { messageId: record.messageId });
    return;
  }
  const receives = Number(record.attributes?.ApproximateReceiveCount ?? '1');
  try {
    await worker.handle(message, { last: receives >= maxReceiveCount });
  } catch (error) {
    metrics.addMetric('FanSyncStepRetried', MetricUnit.Count, 1);
    logger.warn('A fan-sync step failed; the queue redelivers it', {
      step: message.type,
      appid: message.appid,
      jobId: message.jobId,
      receives,
      error: error instanceof Error ? { name: error.name, message: error.message.slice(0, 300) } : String(error),
    });
    throw error;
  }
}

export const handler = observed(async (event: SQSEvent, context?: Context) => {
  if (context) steps.registerContext(context);
  // One processor per invocation: it holds the batch's state, and the local stack runs several
  // invocations of one consumer at a time in the same process (a shared one lost failed steps).
  const processor = new BatchProcessor(EventType.SQS);
  return processPartialResponse(event, handleRecord, processor, { ...(context ? { context } : {}), throwOnFullBatchFailure: false });
});
