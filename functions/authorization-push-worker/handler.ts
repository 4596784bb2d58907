/**
 * Consumer of the `authorization-push` queue: applies one stored `authorized` / `updateauthorized`
 * push (`shared/domain/authorization/apply-push.ts`) after `component-events` answered WeChat. A failed
 * push is redelivered alone by `queueWorker`; the push settles `applied` only when it was applied.
 */
import { applyGrantPush } from '#shared/domain/authorization/apply-push.ts';
import { grantPushMessageSchema } from '#shared/domain/authorization/push-message.ts';
import { queueWorker } from '#shared/http/queue-worker.ts';
import { logger } from '#shared/observability/powertools.ts';
import { applyPushDeps } from '#shared/wiring/authorization.ts';

const deps = applyPushDeps();

export const handler = queueWorker(
  {
    queue: 'authorization-push',
    message: grantPushMessageSchema,
    noun: 'authorization push',
    failureMetric: 'AuthorizationPushRetried',
    logFields: ({ appid, infoType, createTime }) => ({ appid, infoType, createTime }),
  },
  async (message) => {
    const outcome = await applyGrantPush(message, deps);
    logger.info('Authorization push applied', { appid: message.appid, infoType: message.infoType, outcome });
  },
);
