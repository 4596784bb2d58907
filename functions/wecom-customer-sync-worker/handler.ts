/**
 * Consumer of the `wecom-customer-sync` queue: one customer-sync step per message (`start`, `page`,
 * `followers`, `link`, `finish`; `shared/domain/wecom/customer-sync.ts`) through `queueWorker`: a
 * malformed step is dropped, a failed one redelivered alone, and the step knows its last receive so
 * the job ends anyway. Every step is recorded once by its key, so redeliveries count nothing twice.
 */
import { customerSyncStepSchema } from '#shared/domain/wecom/customer-step-schema.ts';
import { queueWorker } from '#shared/http/queue-worker.ts';
import { customerSyncWorker } from '#shared/wiring/wecom.ts';

const worker = customerSyncWorker();

export const handler = queueWorker(
  {
    queue: 'wecom-customer-sync',
    message: customerSyncStepSchema,
    noun: 'WeCom customer-sync step',
    failureMetric: 'WeComCustomerStepRetried',
    logFields: ({ type, corpId, jobId }) => ({ step: type, corpId, jobId }),
  },
  async (step, { last }) => {
    await worker.handle(step, { last });
  },
);
