/**
 * The daily resume of syncs paused by WeChat's daily quota (`45009`, WECHAT.md §6.3): after the
 * quota day turns (midnight Beijing time), every parked step goes back on the queue and the job is
 * `running` again. A step that meets the quota again parks again.
 *
 * The parked steps are sent before the job is marked running, and removed last: a resume that
 * stops half way sends some steps twice the next day, which the steps tolerate, and never leaves a
 * job running with nothing in flight. A step parked while the resume runs keeps the job paused for
 * the next resume (the job's park count changed).
 */
import type { PausedSyncStore, StepQueue } from '#shared/domain/fans/ports.ts';

export interface ResumeDeps {
  store: PausedSyncStore;
  queue: StepQueue;
  now?: () => Date;
}

export async function resumePausedSyncs(deps: ResumeDeps): Promise<{ jobs: number; steps: number }> {
  const at = (deps.now ?? (() => new Date()))().toISOString();
  let jobs = 0;
  let steps = 0;
  for (const job of await deps.store.pausedJobs()) {
    const parked = await deps.store.parkedSteps(job.appid, job.jobId);
    await deps.queue.send(parked.map((step) => step.message));
    await deps.store.markResumed(job.appid, job.jobId, job.parks, at);
    await deps.store.dropParked(
      job.appid,
      job.jobId,
      parked.map((step) => step.key),
    );
    jobs += 1;
    steps += parked.length;
  }
  return { jobs, steps };
}
