/**
 * A follower's history for the console (API.md §3, `GET /v1/accounts/{appid}/fans/{openid}/history`):
 * the follow and unfollow events the follow path recorded (`follow-events.ts`), newest first.
 *
 * Followers are the owner's, with the rule of the other follower routes (`console.ts`): another
 * tenant gets `404` as for the account, a recipient of a share `403`, a member `403` unless one of its
 * departments was granted the account; an openid the hub keeps no follower for is `404`.
 * A subscribe through a QR code carries its scene (the event's `qrscene_<scene>` key) as `scene`.
 */
import type { Caller } from '#shared/auth/caller.ts';
import type { FollowHistoryReads } from '#shared/domain/fans/ports.ts';
import { NotFound } from '#shared/errors/domain-errors.ts';

/** The newest events a history answers with: a follower who followed and left more often than this is cut. */
export const HISTORY_LIMIT = 1_000;

export interface HistoryEvent {
  at: string;
  event: 'subscribe' | 'unsubscribe';
  scene?: string;
}

export interface FollowerHistoryDeps {
  /** The account when the caller's tenant owns it and the caller may read its followers (throws 404/403 otherwise). */
  owners: { ownedAccount(caller: Caller, appid: string): Promise<unknown> };
  history: FollowHistoryReads;
}

const QR_SCENE_PREFIX = 'qrscene_';

export async function followerHistory(caller: Caller, appid: string, openid: string, deps: FollowerHistoryDeps): Promise<{ events: HistoryEvent[] }> {
  await deps.owners.ownedAccount(caller, appid);
  const [known, records] = await Promise.all([deps.history.hasFollower(appid, openid), deps.history.newestFirst(appid, openid, HISTORY_LIMIT)]);
  if (!known && records.length === 0) throw new NotFound('No such follower of this account.');
  const events: HistoryEvent[] = [];
  for (const record of records) {
    if (record.event !== 'subscribe' && record.event !== 'unsubscribe') continue;
    const scene = record.event === 'subscribe' && record.eventKey?.startsWith(QR_SCENE_PREFIX) ? record.eventKey.slice(QR_SCENE_PREFIX.length) : '';
    events.push({ at: record.at, event: record.event, ...(scene ? { scene } : {}) });
  }
  return { events };
}
