/**
 * Consumer of the `release-test` queue: the asynchronous half of the full-network release test's
 * API case (`api_query_auth`, then the `<code>_from_api` customer-service message). Failed messages
 * are reported individually so SQS redelivers only those.
 */
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import * as v from 'valibot';
import { completeReleaseTest } from '#shared/domain/release-test/release-test.ts';
import { observed } from '#shared/http/middleware.ts';
import { appIdSchema } from '#shared/http/validation.ts';
import { logger } from '#shared/observability/powertools.ts';
import { releaseTestDeps } from '#shared/wiring/release-test.ts';

const job = v.object({ appid: appIdSchema, authCode: v.pipe(v.string(), v.minLength(1), v.maxLength(512)), toUser: v.pipe(v.string(), v.minLength(1)) });

const deps = releaseTestDeps();

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
    logger.error('Dropped a malformed release-test job', { messageId: record.messageId });
    return;
  }
  await completeReleaseTest(parsed.output, deps);
  logger.info('Release-test API case answered', { appid: parsed.output.appid });
}

export const handler = observed(async (event: SQSEvent) => processPartialResponse(event, handleRecord, processor));
