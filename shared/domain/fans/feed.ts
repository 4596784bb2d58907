/**
 * The follower feed for the product's other services (API.md "Internal route",
 * `GET /v1/internal/accounts/{appid}/fans?changedSince=`): the contact store follows an account's
 * followers with it and the bus (`Fan Sync Finished` names the account whose followers changed).
 *
 * - Any active account the hub holds, by appid (the caller is a service of the platform, as for the
 *   access token): `404` for an account the hub does not hold, `422 account_not_active` otherwise.
 * - The followers whose `updatedAt` is `changedSince` or later, in `updatedAt` order (ties by
 *   openid), `limit` at a time, read from an index (`FollowerFeedReads`).
 * - At least once, in `updatedAt` order: a follower written while a client pages gets a later
 *   `updatedAt`, moves past the client's cursor and is read again further on — never lost, possibly
 *   seen twice (a client keeps the newest `updatedAt` per openid). A client that reached the end
 *   (`nextCursor: null`) asks again later with `changedSince` set to the last `updatedAt` it read.
 */
import type { AccountRecord } from '#shared/domain/accounts/model.ts';
import { accountNotActive } from '#shared/domain/accounts/errors.ts';
import { toFanView, type FanView } from '#shared/domain/fans/model.ts';
import type { FeedPageRequest, FollowerFeedReads } from '#shared/domain/fans/ports.ts';
import { NotFound } from '#shared/errors/domain-errors.ts';

export interface FollowerFeedDeps {
  accounts: { get(appid: string): Promise<Pick<AccountRecord, 'status'> | undefined> };
  feed: FollowerFeedReads;
}

export async function followerFeed(appid: string, request: FeedPageRequest, deps: FollowerFeedDeps): Promise<{ fans: FanView[]; nextCursor: string | null }> {
  const account = await deps.accounts.get(appid);
  if (!account) throw new NotFound(`The hub holds no account ${appid}.`);
  if (account.status !== 'active') throw accountNotActive(appid, account.status);
  const page = await deps.feed.changedSince(appid, request);
  return { fans: page.followers.map(toFanView), nextCursor: page.nextCursor };
}
