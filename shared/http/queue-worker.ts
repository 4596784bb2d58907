/**
 * `queueWorker` builds the consumer of one of the hub's work queues (`shared/queues/contract.ts`):
 * observability, then each record of the batch side by side:
 *
 * - its body parsed as JSON and validated by the queue's valibot schema; a message that fails either
 *   can never succeed, so it is dropped with a log line naming its messageId (never its body) rather
 *   than retried into the dead-letter queue;
 * - the step run with the message and its delivery: the receive count and whether this is the
 *   queue's last receive (`maxReceiveCount`), so a step can end its work anyway before the message
 *   goes to the dead-letter queue;
 * - a failed step logged and reported alone (Powertools partial batch response), so SQS redelivers
 *   only it after its visibility timeout. A batch whose every record failed is reported the same way,
 *   not thrown.
 */
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import * as v from 'valibot';
import { observed } from '#shared/http/middleware.ts';
import type { AnySchema } from '#shared/http/validation.ts';
import { recordCounts } from '#shared/observability/counts.ts';
import { logger } from '#shared/observability/powertools.ts';
import { hubQueue, type HubQueueName } from '#shared/queues/contract.ts';

export interface QueueWorkerSpec<S extends AnySchema> {
  /** The queue consumed: its `maxReceiveCount` says which receive is the last. */
  queue: HubQueueName;
  /** What one message must be. */
  message: S;
  /** What one message is called in the log lines, e.g. `fan-sync step`. */
  noun: string;
  /** Fields that identify a message in the failure log line (ids, never secrets). */
  logFields?: (message: v.InferOutput<S>) => Record<string, unknown>;
  /** A metric counted once per failed message, e.g. `FanSyncStepRetried`. */
  failureMetric?: string;
}

/** One delivery of a message. */
export interface Delivery {
  messageId: string;
  /** SQS's ApproximateReceiveCount: 1 on the first delivery. */
  receives: number;
  /** This is the last receive: if the step fails now, the message goes to the dead-letter queue. */
  last: boolean;
  context: Context;
}

function jsonOf(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

const describeError = (error: unknown) => (error instanceof Error ? { name: error.name, message: error.message.slice(0, 300) } : String(error).slice(0, 300));

export function queueWorker<S extends AnySchema>(spec: QueueWorkerSpec<S>, step: (message: v.InferOutput<S>, delivery: Delivery) => Promise<void>) {
  const { maxReceiveCount } = hubQueue(spec.queue);

  async function handleRecord(record: SQSRecord, context: Context): Promise<void> {
    const parsed = v.safeParse(spec.message, jsonOf(record.body));
    if (!parsed.success) {
      logger.error(`Dropped a malformed ${spec.noun}`, { messageId: record.messageId });
      return;
    }
    const receives = Number(record.attributes?.ApproximateReceiveCount ?? '1');
    const last = receives >= maxReceiveCount;
    try {
      await step(parsed.output, { messageId: record.messageId, receives, last, context });
    } catch (error) {
      if (spec.failureMetric) recordCounts({ [spec.failureMetric]: 1 });
      const fate = last ? 'it goes to the dead-letter queue' : 'the queue redelivers it';
      logger.warn(`A ${spec.noun} failed; ${fate}`, {
        messageId: record.messageId,
        ...spec.logFields?.(parsed.output),
        receives,
        error: describeError(error),
      });
      throw error;
    }
  }

  return observed<SQSEvent, SQSBatchResponse>(async (event, context) => {
    // One processor per invocation: it holds the batch's state, and the local stack runs several
    // invocations of one consumer at a time in the same process.
    const processor = new BatchProcessor(EventType.SQS);
    return processPartialResponse(event, (record: SQSRecord) => handleRecord(record, context), processor, {
      context,
      throwOnFullBatchFailure: false,
    });
  });
}
