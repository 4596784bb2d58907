/**
 * Consumer of the `account-unbinding` queue: finishes an owner's unbinding whose run (a DELETE, a
 * binding callback) died mid-way — the rest of the cascade, then the final transaction
 * (`continueUnbinding`). Finds nothing to do when that run finished it. `queueWorker` drops a
 * malformed message and reports a failed one alone, so SQS redelivers only it (then the dead-letter queue).
 */
import * as v from 'valibot';
import { continueUnbinding } from '#shared/domain/accounts/unbind.ts';
import { queueWorker } from '#shared/http/queue-worker.ts';
import { appIdSchema } from '#shared/http/validation.ts';
import { logger } from '#shared/observability/powertools.ts';
import { unbindingDeps } from '#shared/wiring/accounts.ts';

const job = v.object({ tenantId: v.pipe(v.string(), v.minLength(1), v.maxLength(128)), appid: appIdSchema });

const deps = unbindingDeps();

export const handler = queueWorker(
  { queue: 'account-unbinding', message: job, noun: 'unbinding continuation', logFields: ({ appid }) => ({ appid }) },
  async (message) => {
    const outcome = await continueUnbinding(message, deps);
    logger.info('Unbinding continuation', { appid: message.appid, outcome });
  },
);
