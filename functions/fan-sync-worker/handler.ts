/**
 * Consumer of the `fan-sync` queue: one follower-sync step per message (`start`, `page`, `chunk`,
 * `finish`; `shared/domain/fans/sync.ts`) through `queueWorker`: a malformed step is dropped, a failed
 * one redelivered alone, and the step knows its last receive so the job ends anyway. Page and finish
 * steps are idempotent through Powertools idempotency on the table.
 */
import { fanSyncStepSchema } from '#shared/domain/fans/step-schema.ts';
import { queueWorker } from '#shared/http/queue-worker.ts';
import { fanSyncWorker } from '#shared/wiring/fans.ts';

const { worker, steps } = fanSyncWorker();

export const handler = queueWorker(
  {
    queue: 'fan-sync',
    message: fanSyncStepSchema,
    noun: 'fan-sync step',
    failureMetric: 'FanSyncStepRetried',
    logFields: ({ type, appid, jobId }) => ({ step: type, appid, jobId }),
  },
  async (step, { last, context }) => {
    steps.registerContext(context);
    await worker.handle(step, { last });
  },
);
