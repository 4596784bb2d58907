/**
 * Consumer of the `account-unbinding` queue: finishes an owner's unbinding whose run (a DELETE, a
 * binding callback) died mid-way — the rest of the cascade, then the final transaction
 * (`continueUnbinding`). Finds nothing to do when that run finished it. Failed messages are reported
 * individually, so SQS redelivers only those (then the dead-letter queue).
 */
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import * as v from 'valibot';
import { continueUnbinding } from '#shared/domain/accounts/unbind.ts';
import { observed } from '#shared/http/middleware.ts';
import { appIdSchema } from '#shared/http/validation.ts';
import { logger } from '#shared/observability/powertools.ts';
import { unbindingDeps } from '#shared/wiring/accounts.ts';

const job = v.object({ tenantId: v.pipe(v.string(), v.minLength(1), v.maxLength(128)), appid: appIdSchema });

const deps = unbindingDeps();
const processor = new BatchProcessor(EventType.SQS);

function jsonOf(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

async function handleRecord(record: SQSRecord): Promise<void> {
  const parsed = v.safeParse(job, jsonOf(record.body));
  if (!parsed.success) {
    // A message that can never succeed is dropped with a log line rather than retried into the DLQ.
    logger.error('Dropped a malformed unbinding continuation', { messageId: record.messageId });
    return;
  }
  const outcome = await continueUnbinding(parsed.output, deps);
  logger.info('Unbinding continuation', { appid: parsed.output.appid, outcome });
}

export const handler = observed(async (event: SQSEvent) => processPartialResponse(event, handleRecord, processor));
