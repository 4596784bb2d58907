/**
 * The full follower sync (DESIGN.md §3 "Fans", WECHAT.md §6) as steps carried by queue messages:
 *
 * - `start`: the queued job becomes `running` with the owner tenant; then the first page.
 * - `page`: one `user/get` from the checkpointed `next_openid`; the page is recorded once (its
 *   ledger: how many openids and chunks), then its chunk messages of 100 openids and the next page
 *   go out. An empty page, or one without a `next_openid`, ends the listing.
 * - `chunk`: `user/info/batchget` for 100 openids, the followers written in batches, and the chunk
 *   counted once on its page's ledger (a marker per chunk makes a second delivery count nothing).
 *   Followers that come with a unionid they did not have are handed to `links` (queued for the
 *   tenant's WeCom customers; a failure throws, so the chunk is redelivered). The chunk that completes a page settles the page on the job, once.
 * - `finish`: when the listing has ended and every page is settled — the counters decide, never
 *   timing — the subscribed followers this sync did not list are marked unsubscribed, counted
 *   exactly, and the job is `done` with the account's fan summary. The summary is the tally of the
 *   follower rows, written only if no follow push moved the counts since the tally began (the
 *   summary's version); otherwise the finish tallies again, and after `FINISH_ATTEMPTS` throws so
 *   the queue redelivers it. Never a write over a push's increment. A follower subscribed (by its
 *   push's CreateTime, whole seconds) in the second the sync started or later is never marked: the
 *   listing may have missed it.
 *
 * Faults: transient ones (`-1`, network, a token WeChat still refuses after the client's refresh)
 * throw, so the queue redelivers the step after its visibility timeout; on the step's last receive a
 * chunk is counted `failed` (its openids are then never marked unsubscribed by this sync) and a page
 * fails the job. `45009` parks the step with the job `paused_quota` (the daily resume re-queues it);
 * an account that is no longer active or refuses the follower APIs fails the job with a code.
 */
import { DomainError } from '#shared/errors/domain-errors.ts';
import { isTokenError, isTransient, toDomainError, WeChatApiError } from '#shared/wechat/api-errors.ts';
import type { FollowerPage, TokenSource, UserInfo } from '#shared/wechat/api-types.ts';
import type { FanSyncMessage, FanSyncStatus, Follower } from '#shared/domain/fans/model.ts';
import type {
  AccountLookup,
  FanSyncJobReads,
  FanSyncJobStore,
  FollowerLinkRequests,
  FollowerWeChat,
  JobError,
  Once,
  StepQueue,
  SyncFollowerStore,
  SyncJobState,
} from '#shared/domain/fans/ports.ts';
import { fanSyncFinishedEvent } from '#shared/domain/events/model.ts';
import type { EventOutbox } from '#shared/domain/events/ports.ts';
import { publishAfter } from '#shared/domain/events/publish.ts';

/** WeChat lists at most 10 000 openids per `user/get` and describes at most 100 per `batchget`. */
export const CHUNK_SIZE = 100;

/** `iso` cut to its whole second: a follower's `subscribedAt` is WeChat's CreateTime, which has seconds only. */
const wholeSecondOf = (iso: string): string => `${iso.slice(0, 19)}.000Z`;

/** Tallies a finish makes while follow pushes keep moving the counts, before it leaves the step to the queue's redelivery. */
export const FINISH_ATTEMPTS = 5;

export interface FanSyncWorkerDeps {
  jobs: FanSyncJobStore;
  followers: SyncFollowerStore;
  wechat: FollowerWeChat;
  accounts: AccountLookup;
  queue: StepQueue;
  once?: Once;
  now?: () => Date;
  log?: { info(message: string, extra?: object): void; warn(message: string, extra?: object): void };
  /** The event bus's outbox (API.md §6): `Fan Sync Finished` with the job as it ended. */
  events?: { outbox: EventOutbox; jobs: FanSyncJobReads };
  /** New unionids of the tenant's followers, queued for the WeCom link (optional: no link without it). */
  links?: FollowerLinkRequests;
}

export interface Delivery {
  /** This is the step's last receive before the dead-letter queue. */
  last: boolean;
}

/** What a WeChat (or token) failure means for a step. */
export type FaultKind = 'quota' | 'account' | 'data' | 'transient';

/** `errcode`s that say the account itself may not use the follower APIs now: retrying will not help. */
const ACCOUNT_REFUSALS = new Set([40013, 48001, 50002, 61003, 61007]);

export function faultKind(error: unknown): FaultKind {
  if (error instanceof DomainError) return error.code === 'account_not_active' ? 'account' : 'transient';
  if (error instanceof WeChatApiError) {
    if (error.errcode === 45009) return 'quota';
    if (ACCOUNT_REFUSALS.has(error.errcode)) return 'account';
    if (isTokenError(error) || isTransient(error)) return 'transient';
    return 'data';
  }
  return 'transient';
}

/** The error a failed job shows (API.md `FanSyncJob.error`): no token, no URL. */
export function jobErrorOf(error: unknown): JobError {
  if (error instanceof DomainError && error.code === 'account_not_active') return { code: error.code, message: error.message };
  const domain = toDomainError(error);
  return { code: domain.code, message: domain.message };
}

const passThrough: Once = (_key, step) => step();

export class FanSyncWorker {
  private readonly once: Once;
  private readonly now: () => Date;

  constructor(private readonly deps: FanSyncWorkerDeps) {
    this.once = deps.once ?? passThrough;
    this.now = deps.now ?? (() => new Date());
  }

  async handle(message: FanSyncMessage, delivery: Delivery = { last: false }): Promise<void> {
    switch (message.type) {
      case 'start':
        return this.start(message, delivery);
      case 'page':
        return this.page(message, delivery);
      case 'chunk':
        return this.chunk(message, delivery);
      case 'finish':
        return this.finish(message);
    }
  }

  private at(): string {
    return this.now().toISOString();
  }

  private async start(message: Extract<FanSyncMessage, { type: 'start' }>, delivery: Delivery): Promise<void> {
    const { appid, jobId } = message;
    const { jobs } = this.deps;
    let job = await jobs.get(appid, jobId);
    if (!job) return;
    if (job.status === 'queued') {
      const account = await this.deps.accounts.get(appid);
      if (!account || account.status !== 'active') {
        await jobs.fail(appid, jobId, { code: 'account_not_active', message: `The account ${appid} is not active.` }, this.at());
        await this.ended(appid, jobId);
        return;
      }
      const merge = await this.deps.followers.hasAny(appid);
      job = (await jobs.markRunning(appid, jobId, { tenantId: account.ownerTenantId, merge, at: this.at() })) ?? (await jobs.get(appid, jobId));
    }
    // A paused job resumes through its parked step; a finished one has nothing left to do.
    if (!job || job.status !== 'running' || job.tenantId === undefined) return;
    await this.page({ type: 'page', appid, jobId, page: 0, cursor: '', tenantId: job.tenantId, merge: job.merge ?? true }, delivery);
  }

  private async page(message: Extract<FanSyncMessage, { type: 'page' }>, delivery: Delivery): Promise<void> {
    const { appid, jobId, page, cursor } = message;
    const job = await this.deps.jobs.get(appid, jobId);
    if (!job || !canProgress(job.status)) return;
    await this.guarded(message, delivery, () =>
      this.once(`page#${appid}#${jobId}#${page}#${cursor}`, async () => {
        const listing = await this.deps.wechat.listPage(appid, cursor);
        const openids = [...new Set(listing.openIds)];
        if (openids.length === 0) {
          await this.endListing(appid, jobId, page);
          return { listed: 0 };
        }
        const chunks: string[][] = [];
        for (let start = 0; start < openids.length; start += CHUNK_SIZE) chunks.push(openids.slice(start, start + CHUNK_SIZE));
        const lastPage = listing.nextOpenId === '';
        await this.deps.jobs.recordPage(appid, jobId, { page, listed: openids.length, chunks: chunks.length, next: listing.nextOpenId, at: this.at() });
        const { tenantId, merge } = message;
        const steps: FanSyncMessage[] = chunks.map((ids, chunk) => ({ type: 'chunk', appid, jobId, page, chunk, openids: ids, tenantId, merge }));
        if (!lastPage) steps.push({ type: 'page', appid, jobId, page: page + 1, cursor: listing.nextOpenId, tenantId, merge });
        await this.deps.queue.send(steps);
        if (lastPage) await this.endListing(appid, jobId, page + 1);
        return { listed: openids.length };
      }),
    );
  }

  private async chunk(message: Extract<FanSyncMessage, { type: 'chunk' }>, delivery: Delivery): Promise<void> {
    const { appid, jobId, openids } = message;
    await this.guarded(message, delivery, async () => {
      let profiles: UserInfo[];
      try {
        profiles = await this.deps.wechat.profiles(appid, openids);
      } catch (error) {
        // WeChat refused the openids themselves (e.g. 40003): retrying cannot help, so the chunk counts as failed.
        if (faultKind(error) !== 'data') throw error;
        this.deps.log?.warn('WeChat refused a chunk of openids; counted as failed', { appid, jobId, errcode: (error as WeChatApiError).errcode });
        await this.countChunk(message, 0, openids);
        return;
      }
      const at = this.at();
      const previous = message.merge ? await this.deps.followers.existing(appid, openids) : new Map<string, Follower>();
      const byOpenid = new Map(profiles.map((profile) => [profile.openId, profile]));
      const written: Follower[] = [];
      const missing: string[] = [];
      for (const openid of openids) {
        const profile = byOpenid.get(openid);
        if (profile) written.push(followerFromProfile(profile, { appid, tenantId: message.tenantId, jobId, at, previous: previous.get(openid) }));
        else missing.push(openid);
      }
      await this.deps.followers.putAll(written);
      const gained = written.filter((follower) => follower.unionid && follower.unionid !== previous.get(follower.openid)?.unionid);
      if (this.deps.links && gained.length > 0) {
        await this.deps.links.followersWithUnionid(
          message.tenantId,
          gained.map(({ appid: id, openid, unionid }) => ({ appid: id, openid, unionid: unionid! })),
        );
      }
      await this.countChunk(message, written.length, missing);
    });
  }

  private async finish(message: Extract<FanSyncMessage, { type: 'finish' }>): Promise<void> {
    const { appid, jobId } = message;
    await this.once(`finish#${appid}#${jobId}`, async () => {
      const job = await this.deps.jobs.get(appid, jobId);
      if (!job || !readyToFinish(job)) return { finished: false };
      const totals = await this.deps.jobs.pageTotals(appid, jobId);
      const at = this.at();
      let unsubscribedMarked = 0;
      for (let attempt = 1; ; attempt++) {
        // Read before the tally: a push that lands during it moves the version, and the write below is refused.
        const version = await this.deps.jobs.summaryVersion(appid);
        const tally = await this.deps.followers.closeSync(appid, jobId, { startedAt: wholeSecondOf(job.startedAt), skip: totals.failedOpenids, at });
        unsubscribedMarked = tally.markedBy;
        const outcome = await this.deps.jobs.complete(
          appid,
          jobId,
          { listed: totals.listed, synced: totals.synced, failed: totals.failed, unsubscribedMarked },
          { total: tally.total, subscribed: tally.subscribed, lastSyncAt: at },
          at,
          version,
        );
        if (outcome !== 'summary_moved') break;
        if (attempt >= FINISH_ATTEMPTS)
          throw new Error(`Follow pushes kept moving the fan counts of ${appid} during ${FINISH_ATTEMPTS} tallies; the finish runs again.`);
      }
      this.deps.log?.info('Fan sync done', { appid, jobId, listed: totals.listed, synced: totals.synced, failed: totals.failed, unsubscribedMarked });
      await this.ended(appid, jobId);
      return { finished: true };
    });
  }

  private async countChunk(message: Extract<FanSyncMessage, { type: 'chunk' }>, synced: number, failed: string[]): Promise<void> {
    const { appid, jobId, page, chunk } = message;
    const { pageComplete } = await this.deps.jobs.recordChunk(appid, jobId, page, chunk, { synced, failed });
    if (!pageComplete) return;
    const job = await this.deps.jobs.settlePage(appid, jobId, page, this.at());
    await this.finishIfReady(job);
  }

  private async endListing(appid: string, jobId: string, pagesTotal: number): Promise<void> {
    const job = await this.deps.jobs.completeListing(appid, jobId, pagesTotal, this.at());
    await this.finishIfReady(job);
  }

  /** `Fan Sync Finished` once the job ended (`done` or `failed`); its eventId is the job's, so a repeat is one occurrence. */
  private async ended(appid: string, jobId: string): Promise<void> {
    if (!this.deps.events) return;
    const job = await this.deps.events.jobs.view(appid, jobId).catch(() => undefined);
    if (!job || (job.status !== 'done' && job.status !== 'failed')) return;
    await publishAfter(this.deps.events.outbox, fanSyncFinishedEvent(job), { error: (message, fields) => this.deps.log?.warn(message, fields) });
  }

  /** A second finish message is harmless (the finish is idempotent); a missing one would leave the job running. */
  private async finishIfReady(job: SyncJobState | undefined): Promise<void> {
    if (job && readyToFinish(job)) await this.deps.queue.send([{ type: 'finish', appid: job.appid, jobId: job.jobId }]);
  }

  /** Runs a page or chunk step and turns its WeChat failures into the job's state (see the header). */
  private async guarded(message: Extract<FanSyncMessage, { type: 'page' | 'chunk' }>, delivery: Delivery, step: () => Promise<unknown>): Promise<void> {
    const { appid, jobId } = message;
    try {
      await step();
    } catch (error) {
      const kind = faultKind(error);
      if (kind === 'quota') {
        this.deps.log?.warn('WeChat daily quota reached; the fan sync is paused until the daily resume', { appid, jobId, step: message.type });
        await this.deps.jobs.park(appid, jobId, message, this.at());
        return;
      }
      if (kind === 'account' || (kind === 'data' && message.type === 'page')) {
        await this.deps.jobs.fail(appid, jobId, jobErrorOf(error), this.at());
        await this.ended(appid, jobId);
        return;
      }
      if (delivery.last) {
        // The message goes to the dead-letter queue; the job must still end, with the loss counted.
        if (message.type === 'chunk') await this.countChunk(message, 0, message.openids);
        else {
          await this.deps.jobs.fail(appid, jobId, jobErrorOf(error), this.at());
          await this.ended(appid, jobId);
        }
      }
      throw error;
    }
  }
}

const canProgress = (status: FanSyncStatus): boolean => status === 'running' || status === 'paused_quota';

export const readyToFinish = (job: SyncJobState): boolean =>
  canProgress(job.status) && job.listingDone && job.pagesTotal !== undefined && job.pagesSettled >= job.pagesTotal;

const isoOfSeconds = (seconds: number): string => new Date(seconds * 1000).toISOString();

/** A follower as `batchget` describes it now, keeping what WeChat does not repeat (a known unionid, the newest event). */
export function followerFromProfile(
  profile: UserInfo,
  context: { appid: string; tenantId: string; jobId?: string; at: string; previous?: Follower | undefined },
): Follower {
  const { previous } = context;
  const follower: Follower = {
    appid: context.appid,
    openid: profile.openId,
    tenantId: context.tenantId,
    subscribed: profile.subscribed,
    tagIds: profile.tagIds,
    updatedAt: context.at,
  };
  const unionid = profile.unionId ?? previous?.unionid;
  if (unionid) follower.unionid = unionid;
  if (profile.subscribed) {
    if (profile.subscribeTime) follower.subscribedAt = isoOfSeconds(profile.subscribeTime);
    if (profile.subscribeScene) follower.subscribeScene = profile.subscribeScene;
    if (profile.qrScene) follower.qrScene = profile.qrScene;
    if (profile.qrSceneStr) follower.qrSceneStr = profile.qrSceneStr;
    if (profile.remark) follower.remark = profile.remark;
    if (profile.language) follower.language = profile.language;
  } else {
    // WeChat says nothing else about someone who left; keep what was known.
    if (previous?.subscribedAt) follower.subscribedAt = previous.subscribedAt;
    follower.unsubscribedAt = previous?.unsubscribedAt ?? context.at;
    if (previous?.tagIds) follower.tagIds = previous.tagIds;
  }
  if (context.jobId) follower.lastSeenSyncId = context.jobId;
  if (previous?.lastEventAt !== undefined) follower.lastEventAt = previous.lastEventAt;
  return follower;
}

/** The follower APIs of the WeChat client, with each account's token source. */
export function followerWeChat(
  client: {
    getFollowers(token: TokenSource, request: { nextOpenId?: string }): Promise<FollowerPage>;
    batchGetUserInfo(token: TokenSource, request: { openIds: string[] }): Promise<UserInfo[]>;
  },
  tokens: (appid: string) => TokenSource,
): FollowerWeChat {
  return {
    listPage: (appid, cursor) => client.getFollowers(tokens(appid), cursor ? { nextOpenId: cursor } : {}),
    profiles: (appid, openids) => client.batchGetUserInfo(tokens(appid), { openIds: [...openids] }),
  };
}

/**
 * An account's token kept in the worker's memory for a minute (and never past its expiry margin):
 * a sync asks for it before every one of its thousands of calls, and each ask would otherwise be a
 * table read. A token WeChat rejects is dropped here as well as expired at the source.
 */
export function cachedTokens(
  source: { currentWithExpiry(appid: string): Promise<{ accessToken: string; expiresAt: string }>; expire(appid: string, used: string): Promise<void> },
  options: { ttlMs?: number; marginMs?: number; now?: () => number } = {},
): (appid: string) => TokenSource {
  const ttlMs = options.ttlMs ?? 60_000;
  const marginMs = options.marginMs ?? 120_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { token: string; until: number }>();
  return (appid) => ({
    current: async () => {
      const hit = cache.get(appid);
      if (hit && hit.until > now()) return hit.token;
      const fresh = await source.currentWithExpiry(appid);
      cache.set(appid, { token: fresh.accessToken, until: Math.min(now() + ttlMs, Date.parse(fresh.expiresAt) - marginMs) });
      return fresh.accessToken;
    },
    expire: async (used) => {
      if (cache.get(appid)?.token === used) cache.delete(appid);
      await source.expire(appid, used);
    },
  });
}
