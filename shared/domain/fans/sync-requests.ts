/**
 * Asking for a full follower sync (a binding, a re-authorization, the console): one sync runs per
 * account at a time. The account's slot names its job; a request while that job still counts as
 * running gets the job's id, otherwise a new `queued` job takes the slot and its `start` step goes to
 * the workers.
 *
 * A job counts as running while it makes progress: one whose steps all ended in the dead-letter
 * queue must not block the account's syncs forever, so a job quiet for `STALE_RUNNING_MS` (a paused
 * job waits for the daily resume: `STALE_PAUSED_MS`) is replaced by the next request. The replaced
 * job ends `failed` (`error.code: abandoned`) in the same write, so it never reads `running` again
 * and its late steps change nothing (they only advance a job that runs).
 *
 * The slot is taken with a condition that it still names the job read, and the abandoned job that
 * it is still as read: of concurrent requests one takes it and the others read again; a job that
 * moved meanwhile is kept. When the start step cannot be sent, the job is marked failed
 * (`not_queued`) rather than left `queued` forever, its slot is released, and the error is thrown
 * for the caller to log.
 */
import type { FanSyncStatus } from '#shared/domain/fans/model.ts';
import type { FanSyncRequests, FanSyncSlots, HeldJob, JobError, SlotTake, StepQueue } from '#shared/domain/fans/ports.ts';

/** How long a queued or running job may go without progress before a new request replaces it. */
export const STALE_RUNNING_MS = 60 * 60_000;
/** The same for a job paused by WeChat's daily quota: it gets two daily resumes. */
export const STALE_PAUSED_MS = 2 * 86_400_000;

/** Reads of the slot before a request gives up: each failed take means another request changed it. */
const ATTEMPTS = 4;

const NOT_QUEUED: JobError = { code: 'not_queued', message: 'The sync could not be handed to the workers. Start a new one.' };

const ACTIVE: ReadonlySet<FanSyncStatus | undefined> = new Set(['queued', 'running', 'paused_quota']);

/** Whether the job in the slot still counts as the account's running job at `at`. */
export function isStillRunning(job: HeldJob, at: string): boolean {
  if (!ACTIVE.has(job.status)) return false;
  const quietFor = Date.parse(at) - Date.parse(job.updatedAt ?? job.startedAt ?? at);
  return quietFor < (job.status === 'paused_quota' ? STALE_PAUSED_MS : STALE_RUNNING_MS);
}

/** The error an abandoned job shows (API.md `FanSyncJob.error`). */
export function abandoned(job: HeldJob): JobError {
  return { code: 'abandoned', message: `The sync made no progress after ${job.updatedAt ?? job.startedAt}; a new request replaced it.` };
}

export interface FanSyncRequestDeps {
  slots: FanSyncSlots;
  queue: StepQueue;
  now?: () => Date;
}

export class FanSyncRequester implements FanSyncRequests {
  private readonly now: () => Date;

  constructor(private readonly deps: FanSyncRequestDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async queueFullSync(appid: string, at: string): Promise<string> {
    const { slots } = this.deps;
    for (let attempt = 1; ; attempt += 1) {
      const held = await slots.held(appid);
      if (held && isStillRunning(held, at)) return held.jobId;
      const take: SlotTake = { at };
      if (held) {
        take.replacing = held;
        // A job that still reads as in progress ends here; one that already ended only leaves the slot.
        if (ACTIVE.has(held.status)) take.abandon = abandoned(held);
      }
      const jobId = await slots.take(appid, take);
      if (jobId) {
        await this.start(appid, jobId);
        return jobId;
      }
      // Another request took the slot between the read and the write: read again.
      if (attempt >= ATTEMPTS) throw new Error(`Could not queue a fan sync of ${appid}: the running-job slot kept changing`);
    }
  }

  private async start(appid: string, jobId: string): Promise<void> {
    try {
      await this.deps.queue.send([{ type: 'start', appid, jobId }]);
    } catch (error) {
      await this.deps.slots.failQueued(appid, jobId, NOT_QUEUED, this.now().toISOString());
      throw error;
    }
  }
}
