/**
 * Consumer of the `token-recovery` queue: recovers one account's refresh token that WeChat refused
 * (61023) from `api_get_authorizer_list`, within the invocation's time budget, resuming from the
 * checkpoint on the account's TOKEN item (`shared/domain/tokens/token-recovery.ts`). `queueWorker`
 * drops a malformed job and reports a failed one alone, so SQS redelivers only it; on its last receive
 * a listed refresh token WeChat still refuses ends in `reauthorization_required`.
 */
import * as v from 'valibot';
import { recoverAuthorizerToken } from '#shared/domain/tokens/token-recovery.ts';
import { queueWorker } from '#shared/http/queue-worker.ts';
import { appIdSchema } from '#shared/http/validation.ts';
import { logger } from '#shared/observability/powertools.ts';
import { tokenRecoveryDeps } from '#shared/wiring/tokens.ts';

const job = v.object({ appid: appIdSchema });

const deps = tokenRecoveryDeps();

export const handler = queueWorker(
  { queue: 'token-recovery', message: job, noun: 'token-recovery job', logFields: ({ appid }) => ({ appid }) },
  async (message, delivery) => {
    const outcome = await recoverAuthorizerToken(message, { last: delivery.last }, { ...deps, remainingMs: () => delivery.context.getRemainingTimeInMillis() });
    logger.info('Refresh token recovery', { appid: message.appid, outcome });
  },
);
