/**
 * Consumer of the `token-recovery` queue: recovers one account's refresh token that WeChat refused
 * (61023) from `api_get_authorizer_list`, within the invocation's time budget, resuming from the
 * checkpoint on the account's TOKEN item (`shared/domain/tokens/token-recovery.ts`). A failed job is
 * reported alone, so SQS redelivers only it; on its last receive a listed refresh token WeChat still
 * refuses ends in `reauthorization_required`.
 */
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import middy from '@middy/core';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import * as v from 'valibot';
import { hubQueues } from '#infra/catalogue.ts';
import { recoverAuthorizerToken } from '#shared/domain/tokens/token-recovery.ts';
import { observability } from '#shared/http/middleware.ts';
import { appIdSchema } from '#shared/http/validation.ts';
import { logger } from '#shared/observability/powertools.ts';
import { tokenRecoveryDeps } from '#shared/wiring/tokens.ts';

/** The message body: JSON `{ appid }`. */
const job = v.pipe(v.string(), v.parseJson(), v.object({ appid: appIdSchema }));
const maxReceiveCount = hubQueues.find((queue) => queue.name === 'token-recovery')!.maxReceiveCount;
const deps = tokenRecoveryDeps();


async function recover(record: SQSRecord, context: Context): Promise<void> {
  const parsed = v.safeParse(job, record.body);
  if (!parsed.success) return logger.error('Dropped a malformed token-recovery job', { messageId: record.messageId });
  const last = Number(record.attributes?.ApproximateReceiveCount ?? '1') >= maxReceiveCount;
  const outcome = await recoverAuthorizerToken(parsed.output, { last }, { ...deps, remainingMs: () => context.getRemainingTimeInMillis() });
  logger.info('Refresh token recovery', { appid: parsed.output.appid, outcome });
}

export const handler = middy<SQSEvent, unknown>()
  .use(observability() as unknown as middy.MiddlewareObj<SQSEvent, unknown>[])
  .handler(async (event: SQSEvent, context: Context) =>
    processPartialResponse(event, (record: SQSRecord) => recover(record, context), new BatchProcessor(EventType.SQS)),
  );
