/**
 * An unbinding's continuation on the `account-unbinding` queue (`infra/catalogue.ts`): one message
 * `{ "tenantId", "appid" }`, delayed past the timeout of the function that started the unbinding
 * (`delete-account`, `authorize-callback`: 20 s), so that `unbinding-worker` finishes it only if that
 * run died; it finds nothing to do otherwise.
 */
import type { QueuePublisher } from '#shared/adapters/queues/queue-publisher.ts';
import type { UnbindingContinuation } from '#shared/domain/accounts/unbind.ts';

export const UNBINDING_CONTINUATION_QUEUE = 'account-unbinding';

/** Longer than any function that starts an unbinding may run. */
export const UNBINDING_CONTINUATION_DELAY_SECONDS = 60;

export function queuedUnbindingContinuation(publisher: QueuePublisher, delaySeconds = UNBINDING_CONTINUATION_DELAY_SECONDS): UnbindingContinuation {
  return {
    async schedule(job) {
      await publisher.send([{ body: JSON.stringify({ tenantId: job.tenantId, appid: job.appid }), delaySeconds }]);
    },
  };
}
