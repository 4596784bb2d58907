/**
 * The WeCom customer sync (API.md §7 `POST /v1/wecom/customer-syncs`, WECOM.md §3.9–§3.10) as steps
 * carried by the `wecom-customer-sync` queue (`CustomerSyncStep` in `ports.ts`):
 *
 * - `start`: `get_follow_user_list`; the job runs with one `page` step per ≤ 100 members.
 * - `page`: one `batch/get_by_user` page (limit 100) from its cursor; the customers are upserted by
 *   `external_userid` with each listed member's follow info merged in (one attribute per member, so a
 *   customer followed by members of several pages ends with all of them); the next page is its step.
 * - `finish` (customers): every page recorded → the exact customer count, then the link phase: one
 *   `followers` step per owned account's page of followers with a unionid, each sending a `link` step.
 * - `link`: ≤ 100 followers through `idconvert/unionid_to_external_userid` (`subject_type 0`), under the
 *   corp's token bucket (`link.ts`), storing `external_userid` or `pending_id`.
 * - `finish` (links): every link step recorded → `done`.
 *
 * Guarantees, like the follower sync's: a step's completion is recorded once by its key together with
 * the job's counters and the steps it sends (`CustomerSyncJobStore.record`), BEFORE those are sent,
 * and marked sent after; a second delivery finds the record and re-sends them only if they were not. A worker dying mid-step loses nothing: the
 * step's writes are upserts, redone by the redelivery, and nothing is counted before the record. The
 * job's `open` counter (steps sent, not recorded) ends a phase at 0 — counters decide, never timing.
 * WeCom's frequency limits (45009/45033) pause the job (`paused_quota`) and put the step back on the
 * queue, delayed; the next recorded step makes it `running` again. Transient faults throw (the queue
 * redelivers); on a step's last receive a page fails the job, a link step counts its followers failed.
 */
import type {
  CustomerStepQueue,
  CustomerStore,
  CustomerSyncJobState,
  CustomerSyncJobStore,
  CustomerSyncStep,
  ExternalContact,
  FollowInfo,
  LinkFollowerSource,
  StepRecord,
  WeComApi,
  WeComTokenSource,
} from '#shared/domain/wecom/ports.ts';
import { customerFault, customerJobError } from '#shared/domain/wecom/customer-faults.ts';
import type { CustomerLinker } from '#shared/domain/wecom/link.ts';

/** `batch/get_by_user` takes ≤ 100 members and returns ≤ 100 relations a page (WECOM.md §3.9). */
export const MEMBERS_PER_CALL = 100;
export const PAGE_LIMIT = 100;
/** Followers a `link` step converts. */
export const LINK_CHUNK = 100;
/** How long a step waits after WeCom's frequency limit (its minute block is 60 s, WECOM.md §4.2). */
export const QUOTA_DELAY_SECONDS = 60;

export interface CustomerSyncDeps {
  jobs: CustomerSyncJobStore;
  customers: CustomerStore;
  followers: LinkFollowerSource;
  linker: CustomerLinker;
  wecom: Pick<WeComApi, 'getFollowUserList' | 'batchGetByUser'>;
  /** The corp's token source. */
  tokens: (corpId: string) => WeComTokenSource;
  queue: CustomerStepQueue;
  now?: () => Date;
  log?: { info(message: string, fields?: object): void; warn(message: string, fields?: object): void };
}

const progresses = (job: CustomerSyncJobState | undefined): job is CustomerSyncJobState =>
  job !== undefined && (job.status === 'running' || job.status === 'paused_quota');

export class CustomerSyncWorker {
  private readonly now: () => Date;

  constructor(private readonly deps: CustomerSyncDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  private at(): string {
    return this.now().toISOString();
  }

  async handle(step: CustomerSyncStep, delivery: { last: boolean } = { last: false }): Promise<void> {
    switch (step.type) {
      case 'start':
        return this.start(step, delivery);
      case 'page':
        return this.guarded(step, delivery, () => this.page(step));
      case 'followers':
        return this.guarded(step, delivery, () => this.followerPage(step));
      case 'link':
        return this.guarded(step, delivery, () => this.link(step));
      case 'finish':
        return this.finish(step);
    }
  }

  private async start(step: Extract<CustomerSyncStep, { type: 'start' }>, delivery: { last: boolean }): Promise<void> {
    const { corpId, jobId } = step;
    const job = await this.deps.jobs.get(corpId, jobId);
    // A second start of a running job sends its first pages again: their keys make them count once.
    if (!job || !(job.status === 'queued' || (job.status === 'running' && job.phase === 'customers'))) return;
    let members: string[];
    try {
      members = [...new Set(await this.deps.wecom.getFollowUserList(this.deps.tokens(corpId)))];
    } catch (error) {
      const fault = customerFault(error);
      if (fault === 'quota') return this.pauseAndRetry(step);
      if (fault === 'refused' || delivery.last) return this.deps.jobs.fail(corpId, jobId, customerJobError(error), this.at());
      throw error;
    }
    const pages: CustomerSyncStep[] = [];
    for (let start = 0; start < members.length; start += MEMBERS_PER_CALL) {
      pages.push({ type: 'page', corpId, jobId, key: `p#${start / MEMBERS_PER_CALL}#`, userIds: members.slice(start, start + MEMBERS_PER_CALL), cursor: '' });
    }
    if (job.status === 'queued') await this.deps.jobs.markRunning(corpId, jobId, { members: members.length, open: pages.length, at: this.at() });
    if (pages.length > 0) await this.deps.queue.send(pages);
    else await this.deps.queue.send([{ type: 'finish', corpId, jobId, phase: 'customers' }]);
  }

  private async page(step: Extract<CustomerSyncStep, { type: 'page' }>): Promise<void> {
    const { corpId, jobId, key, userIds } = step;
    const { job, done } = await this.recorded(step);
    if (done || !job) return;
    const listing = await this.deps.wecom.batchGetByUser(this.deps.tokens(corpId), {
      userIds,
      ...(step.cursor ? { cursor: step.cursor } : {}),
      limit: PAGE_LIMIT,
    });
    await this.deps.customers.upsert(corpId, mergeByCustomer(listing.contacts), { at: this.at(), jobId });
    const batch = key.split('#')[1];
    const next: CustomerSyncStep[] = listing.nextCursor ? [{ ...step, key: `p#${batch}#${listing.nextCursor}`, cursor: listing.nextCursor }] : [];
    await this.recordAndSend(step, { key, next, at: this.at() });
  }

  private async followerPage(step: Extract<CustomerSyncStep, { type: 'followers' }>): Promise<void> {
    const { corpId, jobId, key, appids, cursor } = step;
    const { job, done } = await this.recorded(step);
    if (done || !job) return;
    const [appid, ...rest] = appids;
    const next: CustomerSyncStep[] = [];
    if (appid !== undefined) {
      const page = await this.deps.followers.page(appid, cursor, LINK_CHUNK);
      if (page.followers.length > 0) next.push({ type: 'link', corpId, jobId, key: `l#${appid}#${cursor}`, followers: page.followers });
      if (page.next) next.push({ ...step, key: `f#${appid}#${page.next}`, cursor: page.next });
      else if (rest.length > 0) next.push({ ...step, key: `f#${rest[0]}#`, appids: rest, cursor: '' });
    }
    await this.recordAndSend(step, { key, next, at: this.at() });
  }

  private async link(step: Extract<CustomerSyncStep, { type: 'link' }>): Promise<void> {
    const { corpId, jobId, key } = step;
    if (jobId === '') {
      // A follower or customer linked as it comes: the conversions are idempotent, nothing to count.
      const outcome = await this.deps.linker.convert(corpId, step.followers);
      if (outcome.kind === 'wait') await this.deps.queue.send([step], { delaySeconds: outcome.delaySeconds });
      return;
    }
    const { job, done } = await this.recorded(step);
    if (done || !job) return;
    const outcome = await this.deps.linker.convert(corpId, step.followers, { since: job.startedAt });
    if (outcome.kind === 'wait') {
      await this.deps.queue.send([step], { delaySeconds: outcome.delaySeconds });
      return;
    }
    await this.recordAndSend(step, { key, next: [], counts: outcome.counts, at: this.at() });
  }

  private async finish(step: Extract<CustomerSyncStep, { type: 'finish' }>): Promise<void> {
    const { corpId, jobId, phase } = step;
    const job = await this.deps.jobs.get(corpId, jobId);
    if (!progresses(job) || job.open > 0) return;
    if (phase === 'customers') {
      const first = await this.linkPhase(job);
      if (job.phase === 'customers') {
        const customers = await this.deps.customers.count(corpId);
        const opened = await this.deps.jobs.startLinks(corpId, jobId, customers, first ? 1 : 0, this.at());
        if (!opened) return;
      }
      // Sent again by a repeated finish: its key makes it count once.
      await this.deps.queue.send([first ?? { type: 'finish', corpId, jobId, phase: 'links' }]);
      return;
    }
    if (job.phase !== 'links') return;
    if (await this.deps.jobs.complete(corpId, jobId, this.at())) {
      const ended = await this.deps.jobs.get(corpId, jobId);
      this.deps.log?.info('WeCom customer sync done', {
        corpId,
        jobId,
        members: ended?.members,
        customers: ended?.customers,
        linked: ended?.linked,
        pending: ended?.pending,
      });
    }
  }

  private async linkPhase(job: CustomerSyncJobState): Promise<CustomerSyncStep | undefined> {
    const appids = (await this.deps.followers.ownedAppids(job.tenantId)).sort();
    if (appids.length === 0) return undefined;
    return { type: 'followers', corpId: job.corpId, jobId: job.jobId, key: `f#${appids[0]}#`, appids, cursor: '' };
  }

  /** Whether the step was recorded by an earlier delivery (its steps are then sent again). */
  private async recorded(step: Extract<CustomerSyncStep, { key: string }>): Promise<{ job?: CustomerSyncJobState; done: boolean }> {
    const job = await this.deps.jobs.get(step.corpId, step.jobId);
    if (!progresses(job)) return { done: true };
    return { job, done: false };
  }

  private async recordAndSend(step: Extract<CustomerSyncStep, { key: string }>, record: StepRecord): Promise<void> {
    const { corpId, jobId } = step;
    const outcome = await this.deps.jobs.record(corpId, jobId, record);
    if (outcome.next.length > 0) {
      await this.deps.queue.send(outcome.next);
      await this.deps.jobs.markSent(corpId, jobId, record.key);
    }
    const job = outcome.job ?? (await this.deps.jobs.get(corpId, jobId));
    if (progresses(job) && job.open === 0) await this.deps.queue.send([{ type: 'finish', corpId, jobId, phase: job.phase }]);
  }

  private async pauseAndRetry(step: CustomerSyncStep): Promise<void> {
    this.deps.log?.warn('WeCom frequency limit reached; the customer sync is paused and the step put back', {
      corpId: step.corpId,
      jobId: step.jobId,
      step: step.type,
    });
    if (step.jobId !== '') await this.deps.jobs.pause(step.corpId, step.jobId, this.at());
    await this.deps.queue.send([step], { delaySeconds: QUOTA_DELAY_SECONDS });
  }

  private async guarded(step: Extract<CustomerSyncStep, { key: string }>, delivery: { last: boolean }, run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (error) {
      const fault = customerFault(error);
      if (fault === 'quota') return this.pauseAndRetry(step);
      if (step.type === 'link' && step.jobId !== '' && delivery.last) {
        // The step goes to the dead-letter queue: its followers count as failed so that the job still ends.
        await this.recordAndSend(step, { key: step.key, next: [], counts: { failed: step.followers.length }, at: this.at() });
      } else if (step.jobId !== '' && step.type !== 'link' && (fault === 'refused' || delivery.last)) {
        this.deps.log?.warn('WeCom customer sync failed', { corpId: step.corpId, jobId: step.jobId, step: step.type, ...customerJobError(error) });
        await this.deps.jobs.fail(step.corpId, step.jobId, customerJobError(error), this.at());
        return;
      }
      throw error;
    }
  }
}

/** A page lists a customer once per member of the page following them: one entry with all their follow infos. */
export function mergeByCustomer(
  contacts: readonly { externalContact: ExternalContact; followInfo: FollowInfo }[],
): { contact: ExternalContact; follows: FollowInfo[] }[] {
  const byId = new Map<string, { contact: ExternalContact; follows: FollowInfo[] }>();
  for (const { externalContact, followInfo } of contacts) {
    const entry = byId.get(externalContact.external_userid) ?? { contact: externalContact, follows: [] };
    entry.follows = [...entry.follows.filter((follow) => follow.userid !== followInfo.userid), followInfo];
    byId.set(externalContact.external_userid, entry);
  }
  return [...byId.values()];
}
