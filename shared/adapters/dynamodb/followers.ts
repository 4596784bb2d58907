/**
 * Followers in the table: one item per (account, openid), never deleted by an unfollow.
 *
 * | item | pk | sk | gsi1pk / gsi1sk | gsi3pk / gsi3sk |
 * |---|---|---|---|---|
 * | follower | `ACCOUNT#<appid>#FANS` | `FAN#<openid>` | `TENANT#<tenantId>#UNION#<unionid>` / `<appid>#<openid>` (only with a unionid) | `FANS#<appid>` / `<updatedAt>#<openid>` |
 *
 * - an account's followers page by page: Query `pk` (openid order); only the (un)subscribed ones
 *   with a filter, reading on until the page is full. No index by subscription: it would double
 *   the cost of every follower write (100 000 a sync of a large account) for a console filter;
 * - an account's followers in the order they changed: Query gsi3 (`follower-feed.ts`). Every write
 *   of a follower sets `updatedAt` and both feed keys together: `followerItem` for the sync's batch
 *   upsert and the follow events' transaction, the sync's unsubscribe marking below; nothing else
 *   writes a follower (an unbinding keeps them as they are);
 * - a tenant's followers by unionid: Query gsi1 (the tenant is the account's owner when the follower
 *   was written; readers check the ownership is still live);
 * - the sync writes followers with BatchWriteItem (25 a request, side by side, unprocessed items
 *   retried by `shared/db/batch.ts`); its close reads the account's followers once, consistently,
 *   marking those it did not list with conditional updates and counting as it goes.
 *
 * Attributes are the fields of `Follower` (`shared/domain/fans/model.ts`).
 */
import { QueryCommand, ScanCommand, UpdateCommand, GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGetAll, batchWriteAll, BATCH_WRITE_LIMIT } from '#shared/db/batch.ts';
import { isConditionFailure } from '#shared/db/conditions.ts';
import { decodeCursor, encodeCursor } from '#shared/db/cursor.ts';
import { queryAll } from '#shared/db/query-all.ts';
import type { Follower } from '#shared/domain/fans/model.ts';
import type { FanPageRequest, FollowerReads, SyncFollowerStore } from '#shared/domain/fans/ports.ts';

export const followerKeys = {
  pk: (appid: string) => `ACCOUNT#${appid}#FANS`,
  sk: (openid: string) => `FAN#${openid}`,
  unionPk: (tenantId: string, unionid: string) => `TENANT#${tenantId}#UNION#${unionid}`,
  unionSk: (appid: string, openid: string) => `${appid}#${openid}`,
  feedPk: (appid: string) => `FANS#${appid}`,
  feedSk: (updatedAt: string, openid: string) => `${updatedAt}#${openid}`,
};

type Item = Record<string, unknown>;

const MARK_CONCURRENCY = 8;
/** A filtered page reads at most this many batches of `FILTERED_READ_SIZE` followers. */
const MAX_FILTERED_READS = 10;
const FILTERED_READ_SIZE = 1_000;

export function followerItem(follower: Follower): Item {
  const item: Item = {
    pk: followerKeys.pk(follower.appid),
    sk: followerKeys.sk(follower.openid),
    type: 'Follower',
    ...follower,
    gsi3pk: followerKeys.feedPk(follower.appid),
    gsi3sk: followerKeys.feedSk(follower.updatedAt, follower.openid),
  };
  if (follower.unionid) {
    item.gsi1pk = followerKeys.unionPk(follower.tenantId, follower.unionid);
    item.gsi1sk = followerKeys.unionSk(follower.appid, follower.openid);
  }
  return item;
}

export function followerFromItem(item: Item): Follower {
  const follower: Follower = {
    appid: String(item.appid),
    openid: String(item.openid),
    tenantId: String(item.tenantId ?? ''),
    subscribed: item.subscribed === true,
    tagIds: Array.isArray(item.tagIds) ? item.tagIds.map(Number) : [],
    updatedAt: String(item.updatedAt ?? ''),
  };
  for (const name of [
    'unionid',
    'subscribedAt',
    'unsubscribedAt',
    'subscribeScene',
    'qrSceneStr',
    'remark',
    'language',
    'lastSeenSyncId',
    'unsubscribedBySyncId',
  ] as const) {
    if (typeof item[name] === 'string' && item[name] !== '') follower[name] = item[name];
  }
  if (typeof item.qrScene === 'number') follower.qrScene = item.qrScene;
  if (typeof item.lastEventAt === 'number') follower.lastEventAt = item.lastEventAt;
  return follower;
}

export class DynamoFollowers implements SyncFollowerStore, FollowerReads {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async hasAny(appid: string): Promise<boolean> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': followerKeys.pk(appid) },
        ProjectionExpression: 'pk',
        Limit: 1,
      }),
    );
    return (result.Items ?? []).length > 0;
  }

  async existing(appid: string, openids: readonly string[]): Promise<Map<string, Follower>> {
    const keys = openids.map((openid) => ({ pk: followerKeys.pk(appid), sk: followerKeys.sk(openid) }));
    const found = new Map<string, Follower>();
    for (const item of await batchGetAll(this.client, this.table, keys, { consistent: true })) {
      const follower = followerFromItem(item);
      found.set(follower.openid, follower);
    }
    return found;
  }

  async putAll(followers: readonly Follower[]): Promise<void> {
    // A request per 25 followers, side by side: a chunk of 100 is four BatchWriteItem calls in flight.
    const batches: Follower[][] = [];
    for (let start = 0; start < followers.length; start += BATCH_WRITE_LIMIT) batches.push(followers.slice(start, start + BATCH_WRITE_LIMIT));
    await Promise.all(
      batches.map((batch) =>
        batchWriteAll(
          this.client,
          this.table,
          batch.map((follower) => ({ PutRequest: { Item: followerItem(follower) } })),
        ),
      ),
    );
  }

  async closeSync(
    appid: string,
    jobId: string,
    options: { startedAt: string; skip: ReadonlySet<string>; at: string },
  ): Promise<{ total: number; subscribed: number; markedBy: number }> {
    const counts = { total: 0, subscribed: 0, markedBy: 0 };
    const unseen = (item: Item) =>
      item.subscribed === true &&
      item.lastSeenSyncId !== jobId &&
      (typeof item.subscribedAt !== 'string' || item.subscribedAt < options.startedAt) &&
      !options.skip.has(String(item.openid));
    let startKey: Item | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ProjectionExpression: 'openid, subscribed, subscribedAt, lastSeenSyncId, unsubscribedBySyncId',
          ExpressionAttributeValues: { ':pk': followerKeys.pk(appid) },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      const items = page.Items ?? [];
      const candidates = items.filter(unseen);
      const marked = new Set<string>();
      for (let start = 0; start < candidates.length; start += MARK_CONCURRENCY) {
        await Promise.all(
          candidates.slice(start, start + MARK_CONCURRENCY).map(async (item) => {
            if (await this.markUnsubscribed(appid, String(item.openid), jobId, options)) marked.add(String(item.openid));
          }),
        );
      }
      for (const item of items) {
        const openid = String(item.openid);
        counts.total += 1;
        if (marked.has(openid) || item.unsubscribedBySyncId === jobId) counts.markedBy += 1;
        else if (item.subscribed === true) counts.subscribed += 1;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return counts;
  }

  /**
   * True when the follower is (now) marked by `jobId`, whether by this call or by a concurrent
   * close; false when it was seen, resubscribed or changed meanwhile.
   */
  private async markUnsubscribed(appid: string, openid: string, jobId: string, options: { startedAt: string; at: string }): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: followerKeys.pk(appid), sk: followerKeys.sk(openid) },
          // `updatedAt` and the feed's keys change together: the follower moves to the feed's end.
          UpdateExpression: 'SET subscribed = :false, unsubscribedAt = :at, unsubscribedBySyncId = :job, updatedAt = :at, gsi3pk = :feedPk, gsi3sk = :feedSk',
          ConditionExpression:
            'subscribed = :true AND (attribute_not_exists(lastSeenSyncId) OR lastSeenSyncId <> :job) AND (attribute_not_exists(subscribedAt) OR subscribedAt < :startedAt)',
          ExpressionAttributeValues: {
            ':false': false,
            ':true': true,
            ':at': options.at,
            ':job': jobId,
            ':startedAt': options.startedAt,
            ':feedPk': followerKeys.feedPk(appid),
            ':feedSk': followerKeys.feedSk(options.at, openid),
          },
        }),
      );
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const now = await this.client.send(
        new GetCommand({
          TableName: this.table,
          Key: { pk: followerKeys.pk(appid), sk: followerKeys.sk(openid) },
          ConsistentRead: true,
          ProjectionExpression: 'unsubscribedBySyncId',
        }),
      );
      return now.Item?.unsubscribedBySyncId === jobId;
    }
  }

  // ---- reads ---------------------------------------------------------------------------------------

  async page(appid: string, request: FanPageRequest): Promise<{ followers: Follower[]; nextCursor: string | null }> {
    // Only this account's followers: a cursor of another account's is refused (400), never read.
    let startKey: Item | undefined = decodeCursor(request.cursor, { pk: { equals: followerKeys.pk(appid) }, sk: { startsWith: followerKeys.sk('') } });
    const filtered = request.subscribed !== undefined;
    const followers: Follower[] = [];
    for (let reads = 0; reads < MAX_FILTERED_READS; reads += 1) {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': followerKeys.pk(appid), ...(filtered ? { ':subscribed': request.subscribed } : {}) },
          ...(filtered ? { FilterExpression: 'subscribed = :subscribed' } : {}),
          Limit: filtered ? Math.max(request.limit, FILTERED_READ_SIZE) : request.limit,
          ExclusiveStartKey: startKey,
        }),
      );
      const items = result.Items ?? [];
      for (const item of items) {
        followers.push(followerFromItem(item));
        if (followers.length === request.limit) {
          // Full: continue right after this follower (the read may have gone further).
          const last = { pk: String(item.pk), sk: String(item.sk) };
          const more = result.LastEvaluatedKey !== undefined || item !== items[items.length - 1];
          return { followers, nextCursor: more ? encodeCursor(last) : null };
        }
      }
      startKey = result.LastEvaluatedKey;
      if (!startKey) return { followers, nextCursor: null };
    }
    // Few matches among many followers: a short page, and the cursor goes on from where the reads stopped.
    return { followers, nextCursor: encodeCursor(startKey) };
  }

  async byUnionid(tenantId: string, unionid: string): Promise<Follower[]> {
    const items = await queryAll(
      this.client,
      this.table,
      {
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :union',
        ExpressionAttributeValues: { ':union': followerKeys.unionPk(tenantId, unionid) },
      },
      { maxItems: 1_000 },
    );
    return items.map(followerFromItem);
  }
}

/**
 * Gives the followers written before the feed index existed its keys (an upgrade: the local stack
 * runs it once, when it adds gsi3 to a table that lacked it). A Scan, never on a request path; each
 * follower is updated only if it still has no feed keys and the `updatedAt` read. Returns how many.
 */
export async function addMissingFeedKeys(client: DynamoDBDocumentClient, table: string): Promise<number> {
  let added = 0;
  let startKey: Item | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: table,
        FilterExpression: '#type = :follower AND attribute_not_exists(gsi3pk)',
        ProjectionExpression: 'pk, sk, appid, openid, updatedAt',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: { ':follower': 'Follower' },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      const updatedAt = String(item.updatedAt ?? '');
      try {
        await client.send(
          new UpdateCommand({
            TableName: table,
            Key: { pk: item.pk, sk: item.sk },
            UpdateExpression: 'SET gsi3pk = :feedPk, gsi3sk = :feedSk',
            ConditionExpression: 'attribute_not_exists(gsi3pk) AND updatedAt = :seen',
            ExpressionAttributeValues: {
              ':feedPk': followerKeys.feedPk(String(item.appid)),
              ':feedSk': followerKeys.feedSk(updatedAt, String(item.openid)),
              ':seen': updatedAt,
            },
          }),
        );
        added += 1;
      } catch (error) {
        // Written meanwhile, with its keys.
        if (!isConditionFailure(error)) throw error;
      }
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return added;
}
