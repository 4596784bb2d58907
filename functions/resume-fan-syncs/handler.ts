/**
 * Daily, just after WeChat's quota day turns (midnight Beijing time, 16:00 UTC): every follower sync
 * paused by `45009` goes back on the queue from its parked steps.
 */
import { resumePausedSyncs } from '#shared/domain/fans/resume.ts';
import { scheduledJob } from '#shared/http/scheduled-job.ts';
import { logger } from '#shared/observability/powertools.ts';
import { pausedSyncResume } from '#shared/wiring/fans.ts';

const deps = pausedSyncResume();

export const handler = scheduledJob(async () => {
  const resumed = await resumePausedSyncs(deps);
  if (resumed.jobs > 0) logger.info('Paused fan syncs resumed', resumed);
  return resumed;
});
