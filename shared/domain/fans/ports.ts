/**
 * What the follower use cases need from the outside world, as small interfaces: the sync and its
 * requests (`sync.ts`, `sync-requests.ts`), the daily resume (`resume.ts`), follow events
 * (`follow-events.ts`) and the console reads (`console.ts`). The DynamoDB adapters
 * (`shared/adapters/dynamodb/fan-sync-*.ts`, `followers.ts`, `follow-history.ts`) implement them,
 * `shared/wiring/fans.ts` puts them together, and the unit tests replace them.
 */
import type { FollowEvent } from '#shared/domain/messages/account-message.ts';
import type { FollowerPage, UserInfo } from '#shared/wechat/api-types.ts';
import type { FanSummary, FanSyncJobView, FanSyncMessage, FanSyncStatus, Follower } from '#shared/domain/fans/model.ts';

// ---- asking for a sync (binding, re-authorization, the console) --------------------------------------

export interface FanSyncRequests {
  /** Records a queued full sync of the account's followers and sends it to the workers; returns the job id (the running one when there is one). */
  queueFullSync(appid: string, at: string): Promise<string>;
}

/** The job holding an account's one-sync slot, as a request reads it. */
export interface HeldJob {
  jobId: string;
  /** Absent when the slot names a job that no longer exists. */
  status?: FanSyncStatus;
  startedAt?: string;
  /** The job's last progress (every step that moves it sets it). */
  updatedAt?: string;
}

/** A new queued job in the slot; `replacing` is the job read in the slot (none: the slot was empty). */
export interface SlotTake {
  at: string;
  replacing?: HeldJob;
  /** The replaced job ends `failed` with this error in the same write, only if it is still as read. */
  abandon?: JobError;
}

/** The account's one-sync slot and the job items it points at (`sync-requests.ts` holds the rule). */
export interface FanSyncSlots {
  /** The job in the account's slot, if any. */
  held(appid: string): Promise<HeldJob | undefined>;
  /** Slot and new job (and the abandoned job's end) in one write; the new job's id, or undefined when the slot or the replaced job changed since read. */
  take(appid: string, take: SlotTake): Promise<string | undefined>;
  /** A job still `queued` ends `failed` with `error`, its slot released. */
  failQueued(appid: string, jobId: string, error: JobError, at: string): Promise<void>;
}

// ---- the sync's steps -----------------------------------------------------------------------------------

/** What a step needs to know of its job. */
export interface SyncJobState {
  appid: string;
  jobId: string;
  status: FanSyncStatus;
  startedAt: string;
  tenantId?: string;
  /** Whether followers existed when the job started (the chunks then keep what WeChat does not repeat, e.g. a unionid). */
  merge?: boolean;
  listingDone: boolean;
  pagesTotal?: number;
  pagesSettled: number;
}

export interface PageTotals {
  listed: number;
  synced: number;
  failed: number;
  /** Openids of chunks that failed: the finish leaves them as they are. */
  failedOpenids: Set<string>;
}

export interface JobError {
  code: string;
  message: string;
}

export interface FanSyncJobStore {
  get(appid: string, jobId: string): Promise<SyncJobState | undefined>;
  /** `queued` → `running`; undefined when the job was not `queued`. */
  markRunning(appid: string, jobId: string, run: { tenantId: string; merge: boolean; at: string }): Promise<SyncJobState | undefined>;
  /** Records a listed page once (its ledger) and the checkpoint; false when it was recorded before. */
  recordPage(appid: string, jobId: string, page: { page: number; listed: number; chunks: number; next: string; at: string }): Promise<boolean>;
  /** Ends the listing at `pagesTotal` pages (once, while the job runs); the job afterwards. */
  completeListing(appid: string, jobId: string, pagesTotal: number, at: string): Promise<SyncJobState | undefined>;
  /** Counts a chunk on its page ledger once; whether the page now has every chunk counted. */
  recordChunk(appid: string, jobId: string, page: number, chunk: number, outcome: { synced: number; failed: string[] }): Promise<{ pageComplete: boolean }>;
  /** Counts a complete page on the job once (while the job runs); the job afterwards. */
  settlePage(appid: string, jobId: string, page: number, at: string): Promise<SyncJobState | undefined>;
  pageTotals(appid: string, jobId: string): Promise<PageTotals>;
  /** `paused_quota`, with the step kept for the daily resume. */
  park(appid: string, jobId: string, message: FanSyncMessage, at: string): Promise<void>;
  fail(appid: string, jobId: string, error: JobError, at: string): Promise<void>;
  /**
   * The version of the account's fan summary: every follow or unfollow push that changes the counts
   * moves it (strongly consistent; 0 before any).
   */
  summaryVersion(appid: string): Promise<number>;
  /**
   * `done` with the final counters and the account's fan summary, only while the summary is still at
   * `seenVersion` (read before the tally); releases the account's running-job slot unless the summary
   * moved. `summary_moved`: a push changed the counts meanwhile and nothing was written (tally again);
   * `ended`: the job had already ended (a repeated finish), nothing was written.
   */
  complete(
    appid: string,
    jobId: string,
    counters: { listed: number; synced: number; failed: number; unsubscribedMarked: number },
    summary: FanSummary,
    at: string,
    seenVersion: number,
  ): Promise<'done' | 'ended' | 'summary_moved'>;
}

export interface SyncFollowerStore {
  hasAny(appid: string): Promise<boolean>;
  /** What a sync keeps of followers already stored (unionid, newest event). */
  existing(appid: string, openids: readonly string[]): Promise<Map<string, Follower>>;
  /** Writes every follower (batches of 25, unprocessed items retried). */
  putAll(followers: readonly Follower[]): Promise<void>;
  /**
   * Marks unsubscribed (once each) the subscribed followers that `jobId` did not list, except those in
   * `skip` and those who followed since `startedAt`; then the exact counts, read consistently: every
   * follower, the subscribed ones, and all those `jobId` marked (in this pass or an earlier one).
   */
  closeSync(
    appid: string,
    jobId: string,
    options: { startedAt: string; skip: ReadonlySet<string>; at: string },
  ): Promise<{ total: number; subscribed: number; markedBy: number }>;
}

export interface FollowerWeChat {
  listPage(appid: string, cursor: string): Promise<FollowerPage>;
  profiles(appid: string, openids: readonly string[]): Promise<UserInfo[]>;
}

export interface AccountLookup {
  get(appid: string): Promise<{ ownerTenantId: string; status: string } | undefined>;
}

/** The `fan-sync` queue: one message per step (`step-queue.ts`). */
export interface StepQueue {
  send(messages: readonly FanSyncMessage[]): Promise<void>;
}

/** A queue as the fans area sends to it: raw message bodies (`shared/adapters/queues/` implements it). */
export interface MessageSender {
  send(messages: { body: string }[]): Promise<void>;
}

/** Runs `step` at most once per key (Powertools idempotency in the worker); a throw lets it run again. */
export type Once = <T>(key: string, step: () => Promise<T>) => Promise<T>;

// ---- the daily resume -----------------------------------------------------------------------------------

export interface PausedJob {
  appid: string;
  jobId: string;
  /** How many steps have ever parked: the resume marks the job running only if no step parked meanwhile. */
  parks: number;
}

export interface ParkedStep {
  key: string;
  message: FanSyncMessage;
}

export interface PausedSyncStore {
  pausedJobs(): Promise<PausedJob[]>;
  parkedSteps(appid: string, jobId: string): Promise<ParkedStep[]>;
  /** `paused_quota` → `running`, only while the park count is still `parks`; false otherwise. */
  markResumed(appid: string, jobId: string, parks: number, at: string): Promise<boolean>;
  dropParked(appid: string, jobId: string, keys: readonly string[]): Promise<void>;
}

// ---- follow events ----------------------------------------------------------------------------------------

/** A follower that has a unionid (new, or one it did not have before). */
export interface FollowerWithUnionid {
  appid: string;
  openid: string;
  unionid: string;
}

/**
 * Followers to link to the owning tenant's WeCom customers (API.md §7, WECOM.md §3.10) as they come:
 * implemented by the WeCom side in wiring, it only queues (a durable step, never a WeCom call) and
 * does nothing when the tenant has no installed corp with customer permission.
 */
export interface FollowerLinkRequests {
  followersWithUnionid(tenantId: string, followers: readonly FollowerWithUnionid[]): Promise<void>;
}

export interface FollowEventSnapshot {
  /** Absent: the hub does not hold the account. */
  account?: { ownerTenantId: string; status: string; hasFanSummary: boolean };
  follower?: Follower;
  /** The history already holds this event: a retry. */
  alreadyRecorded: boolean;
}

export interface FollowEventWrite {
  event: FollowEvent;
  receivedAt: string;
  /** The follower's new state, written only if it is still as `previous` (undefined: did not exist). */
  follower?: { next: Follower; previous?: Follower };
  /** Changes to the account's fan summary. */
  summary?: { total: number; subscribed: number };
}

/** `stale`: the follower changed since it was read; `summary_missing`: the account has no fan summary yet. */
export type FollowEventOutcome = 'applied' | 'duplicate' | 'stale' | 'summary_missing';

export interface FollowEventStore {
  snapshot(event: FollowEvent): Promise<FollowEventSnapshot>;
  ensureFanSummary(appid: string): Promise<void>;
  apply(write: FollowEventWrite): Promise<FollowEventOutcome>;
}

// ---- the console's reads ------------------------------------------------------------------------------------

export interface FanPageRequest {
  limit: number;
  cursor?: string;
  subscribed?: boolean;
}

export interface FollowerReads {
  page(appid: string, request: FanPageRequest): Promise<{ followers: Follower[]; nextCursor: string | null }>;
  /** The followers indexed under the tenant and unionid. */
  byUnionid(tenantId: string, unionid: string): Promise<Follower[]>;
}

export interface FanSyncJobReads {
  view(appid: string, jobId: string): Promise<FanSyncJobView | undefined>;
}

// ---- the follower feed and a follower's history (`feed.ts`, `history.ts`) ------------------------------------

export interface FeedPageRequest {
  /** ISO instant: only followers whose `updatedAt` is this or later (absent: from the first). */
  changedSince?: string;
  limit: number;
  cursor?: string;
}

export interface FollowerFeedReads {
  /** The account's followers in `updatedAt` order (ties by openid), from an index: never a filter or a scan. */
  changedSince(appid: string, request: FeedPageRequest): Promise<{ followers: Follower[]; nextCursor: string | null }>;
}

/** One stored follow or unfollow event of a follower. */
export interface FollowHistoryRecord {
  event: string;
  /** ISO: the event's CreateTime. */
  at: string;
  eventKey?: string;
}

export interface FollowHistoryReads {
  /** Whether the hub keeps this follower of the account. */
  hasFollower(appid: string, openid: string): Promise<boolean>;
  /** The follower's events, newest first, at most `limit`. */
  newestFirst(appid: string, openid: string, limit: number): Promise<FollowHistoryRecord[]>;
}
