/**
 * Followers (粉丝) of a bound account as the hub keeps them, the sync job's progress, and their HTTP
 * shapes (API.md §3 `Fan`, `FanSyncJob`), and the sync's step messages. Storage shapes live in the adapters.
 */

/** One person following (or having followed) one account: WeChat's openid is per account. */
export interface Follower {
  appid: string;
  openid: string;
  /** The tenant that owned the account when the follower was written (indexes the contact by unionid). */
  tenantId: string;
  /** Only when the account is bound to an open platform account; kept once known. */
  unionid?: string;
  subscribed: boolean;
  /** ISO: the last follow (WeChat's `subscribe_time`, or the subscribe event's CreateTime). */
  subscribedAt?: string;
  /** ISO: when the hub learnt the follower left (an unsubscribe event, or a sync that no longer listed it). */
  unsubscribedAt?: string;
  subscribeScene?: string;
  qrScene?: number;
  qrSceneStr?: string;
  tagIds: number[];
  remark?: string;
  language?: string;
  updatedAt: string;
  /** The last sync that listed the follower: a finishing sync marks the subscribed ones it did not list. */
  lastSeenSyncId?: string;
  /** The sync that marked the follower unsubscribed (how the finish counts exactly). */
  unsubscribedBySyncId?: string;
  /** CreateTime (unix seconds) of the newest follow event applied: an older, retried event changes nothing. */
  lastEventAt?: number;
}

/** API.md §3 `Fan`. */
export interface FanView {
  openid: string;
  unionid?: string;
  subscribed: boolean;
  subscribedAt?: string;
  unsubscribedAt?: string;
  subscribeScene?: string;
  tagIds: number[];
  remark?: string;
  language?: string;
  updatedAt: string;
}

export function toFanView(follower: Follower): FanView {
  const view: FanView = { openid: follower.openid, subscribed: follower.subscribed, tagIds: follower.tagIds, updatedAt: follower.updatedAt };
  if (follower.unionid) view.unionid = follower.unionid;
  if (follower.subscribedAt) view.subscribedAt = follower.subscribedAt;
  if (follower.unsubscribedAt) view.unsubscribedAt = follower.unsubscribedAt;
  if (follower.subscribeScene) view.subscribeScene = follower.subscribeScene;
  if (follower.remark) view.remark = follower.remark;
  if (follower.language) view.language = follower.language;
  return view;
}

export type FanSyncStatus = 'queued' | 'running' | 'paused_quota' | 'done' | 'failed';

/** One step of a sync, as the `fan-sync` queue carries it (`sync.ts` runs them). */
export type FanSyncMessage =
  | { type: 'start'; appid: string; jobId: string }
  | { type: 'page'; appid: string; jobId: string; page: number; cursor: string; tenantId: string; merge: boolean }
  | { type: 'chunk'; appid: string; jobId: string; page: number; chunk: number; openids: string[]; tenantId: string; merge: boolean }
  | { type: 'finish'; appid: string; jobId: string };

/** API.md §3 `FanSyncJob`. */
export interface FanSyncJobView {
  jobId: string;
  appid: string;
  status: FanSyncStatus;
  listed: number;
  synced: number;
  failed: number;
  unsubscribedMarked: number;
  startedAt: string;
  updatedAt: string;
  finishedAt?: string;
  error?: { code: string; message: string };
}

/** The fan summary on the owner's Account (API.md §3 `Account.fans`). */
export interface FanSummary {
  total: number;
  subscribed: number;
  lastSyncAt?: string;
}
