/**
 * Daily, just after WeChat's quota day turns (midnight Beijing time, 16:00 UTC): every follower sync
 * paused by `45009` goes back on the queue from its parked steps.
 */
import { DynamoFanSyncJobs, stepQueue } from '#shared/adapters/dynamodb/fan-sync-jobs.ts';
import { queuePublisher } from '#shared/adapters/queues/queue-publisher.ts';
import { db, tableName } from '#shared/db/client.ts';
import { resumePausedSyncs } from '#shared/domain/fans/resume.ts';
import { scheduledJob } from '#shared/http/scheduled-job.ts';
import { logger } from '#shared/observability/powertools.ts';

const deps = { store: new DynamoFanSyncJobs(db(), tableName()), queue: stepQueue(queuePublisher('fan-sync')) };

export const handler = scheduledJob(async () => {
  const resumed = await resumePausedSyncs(deps);
  if (resumed.jobs > 0) logger.info('Paused fan syncs resumed', resumed);
  return resumed;
});
