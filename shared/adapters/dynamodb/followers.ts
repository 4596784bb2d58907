/**
 * Followers in the table: one item per (account, openid), never deleted by an unfollow.
 *
 * | item | pk | sk | gsi1pk / gsi1sk | gsi2pk / gsi2sk |
 * |---|---|---|---|---|
 * | follower | `ACCOUNT#<appid>#FANS` | `FAN#<openid>` | `TENANT#<tenantId>#UNION#<unionid>` / `<appid>#<openid>` (only with a unionid) | `ACCOUNT#<appid>#FANS#S` or `…#U` (subscribed or not) / `FAN#<openid>` |
 *
 * - an account's followers page by page: Query `pk` (openid order), or gsi2 for only the subscribed
 *   (`S`) or unsubscribed (`U`) ones;
 * - a tenant's followers by unionid: Query gsi1 (the tenant is the account's owner when the follower
 *   was written; readers check the ownership is still live);
 * - the sync writes followers with BatchWriteItem (25 a request, unprocessed items retried) and
 *   marks the ones it did not list with conditional updates; its counts read the base table with
 *   consistent reads (gsi reads are eventually consistent).
 *
 * Attributes are the fields of `Follower` (`shared/domain/fans/model.ts`).
 */
import {
  BatchGetCommand,
  BatchWriteCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { DynamoAccountDirectory } from '#shared/adapters/dynamodb/account-queries.ts';
import { DynamoAuditLog } from '#shared/adapters/dynamodb/audit-log.ts';
import { DynamoDepartmentGrants } from '#shared/adapters/dynamodb/department-grants.ts';
import { DynamoFanSyncJobs } from '#shared/adapters/dynamodb/fan-sync-jobs.ts';
import { DynamoFanSyncRequests } from '#shared/adapters/dynamodb/fan-sync-requests.ts';
import type { QueuePublisher } from '#shared/adapters/queues/queue-publisher.ts';
import { decodeCursor, encodeCursor } from '#shared/db/cursor.ts';
import { AccountQueries } from '#shared/domain/accounts/queries.ts';
import { FanConsole, type FanPageRequest, type FollowerReads } from '#shared/domain/fans/console.ts';
import type { Follower } from '#shared/domain/fans/model.ts';
import type { SyncFollowerStore } from '#shared/domain/fans/sync.ts';

export const followerKeys = {
  pk: (appid: string) => `ACCOUNT#${appid}#FANS`,
  sk: (openid: string) => `FAN#${openid}`,
  statePk: (appid: string, subscribed: boolean) => `ACCOUNT#${appid}#FANS#${subscribed ? 'S' : 'U'}`,
  unionPk: (tenantId: string, unionid: string) => `TENANT#${tenantId}#UNION#${unionid}`,
  unionSk: (appid: string, openid: string) => `${appid}#${openid}`,
};

type Item = Record<string, unknown>;

const BATCH_WRITE_LIMIT = 25;
const BATCH_GET_LIMIT = 100;
const MAX_ROUNDS = 10;
const MARK_CONCURRENCY = 8;

const pause = (round: number) => new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 20 * 2 ** round * (0.5 + Math.random()))));

export function followerItem(follower: Follower): Item {
  const item: Item = {
    pk: followerKeys.pk(follower.appid),
    sk: followerKeys.sk(follower.openid),
    type: 'Follower',
    ...follower,
    gsi2pk: followerKeys.statePk(follower.appid, follower.subscribed),
    gsi2sk: followerKeys.sk(follower.openid),
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
  for (const name of ['unionid', 'subscribedAt', 'unsubscribedAt', 'subscribeScene', 'qrSceneStr', 'remark', 'language', 'lastSeenSyncId', 'unsubscribedBySyncId'] as const) {
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
    const found = new Map<string, Follower>();
    for (let start = 0; start < openids.length; start += BATCH_GET_LIMIT) {
      let keys: Item[] = openids.slice(start, start + BATCH_GET_LIMIT).map((openid) => ({ pk: followerKeys.pk(appid), sk: followerKeys.sk(openid) }));
      for (let round = 0; keys.length > 0; round += 1) {
        if (round >= MAX_ROUNDS) throw new Error(`BatchGetItem left ${keys.length} followers unread`);
        if (round > 0) await pause(round);
        const result = await this.client.send(new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }));
        for (const item of result.Responses?.[this.table] ?? []) {
          const follower = followerFromItem(item);
          found.set(follower.openid, follower);
        }
        keys = (result.UnprocessedKeys?.[this.table]?.Keys ?? []) as Item[];
      }
    }
    return found;
  }

  async putAll(followers: readonly Follower[]): Promise<void> {
    const batches: Item[][] = [];
    for (let start = 0; start < followers.length; start += BATCH_WRITE_LIMIT) {
      batches.push(followers.slice(start, start + BATCH_WRITE_LIMIT).map((follower) => ({ PutRequest: { Item: followerItem(follower) } })));
    }
    await Promise.all(batches.map((batch) => this.writeBatch(batch)));
  }

  private async writeBatch(requests: Item[]): Promise<void> {
    let pending = requests;
    for (let round = 0; pending.length > 0; round += 1) {
      if (round >= MAX_ROUNDS) throw new Error(`BatchWriteItem left ${pending.length} followers unwritten after ${round} rounds`);
      if (round > 0) await pause(round);
      const result = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.table]: pending } }));
      pending = (result.UnprocessedItems?.[this.table] ?? []) as Item[];
    }
  }

  async markUnseen(appid: string, jobId: string, options: { startedAt: string; skip: ReadonlySet<string>; at: string }): Promise<void> {
    const unseen = '(attribute_not_exists(lastSeenSyncId) OR lastSeenSyncId <> :job) AND (attribute_not_exists(subscribedAt) OR subscribedAt < :startedAt)';
    let startKey: Item | undefined;
    do {
      // The gsi may lag; the update's own condition on the base item decides.
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: 'gsi2',
          KeyConditionExpression: 'gsi2pk = :state',
          FilterExpression: unseen,
          ProjectionExpression: 'openid',
          ExpressionAttributeValues: { ':state': followerKeys.statePk(appid, true), ':job': jobId, ':startedAt': options.startedAt },
          ExclusiveStartKey: startKey,
        }),
      );
      const candidates = (page.Items ?? []).map((item) => String(item.openid)).filter((openid) => !options.skip.has(openid));
      for (let start = 0; start < candidates.length; start += MARK_CONCURRENCY) {
        await Promise.all(
          candidates.slice(start, start + MARK_CONCURRENCY).map((openid) =>
            this.client
              .send(
                new UpdateCommand({
                  TableName: this.table,
                  Key: { pk: followerKeys.pk(appid), sk: followerKeys.sk(openid) },
                  UpdateExpression: 'SET subscribed = :false, unsubscribedAt = :at, unsubscribedBySyncId = :job, updatedAt = :at, gsi2pk = :unsubscribed',
                  ConditionExpression: `subscribed = :true AND ${unseen}`,
                  ExpressionAttributeValues: {
                    ':false': false,
                    ':true': true,
                    ':at': options.at,
                    ':job': jobId,
                    ':startedAt': options.startedAt,
                    ':unsubscribed': followerKeys.statePk(appid, false),
                  },
                }),
              )
              .catch((error: unknown) => {
                // Seen, resubscribed or marked meanwhile: nothing to do.
                if (!(error instanceof Error && error.name === 'ConditionalCheckFailedException')) throw error;
              }),
          ),
        );
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  async tally(appid: string, jobId: string): Promise<{ total: number; subscribed: number; markedBy: number }> {
    const counts = { total: 0, subscribed: 0, markedBy: 0 };
    let startKey: Item | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ProjectionExpression: 'subscribed, unsubscribedBySyncId',
          ExpressionAttributeValues: { ':pk': followerKeys.pk(appid) },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        counts.total += 1;
        if (item.subscribed === true) counts.subscribed += 1;
        if (item.unsubscribedBySyncId === jobId) counts.markedBy += 1;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return counts;
  }

  // ---- reads ---------------------------------------------------------------------------------------

  async page(appid: string, request: FanPageRequest): Promise<{ followers: Follower[]; nextCursor: string | null }> {
    const byState = request.subscribed !== undefined;
    const partition = byState ? followerKeys.statePk(appid, request.subscribed!) : followerKeys.pk(appid);
    const startKey = decodeCursor(request.cursor, byState ? ['pk', 'sk', 'gsi2pk', 'gsi2sk'] : ['pk', 'sk']);
    // A cursor of another account or listing reads nothing of it.
    if (startKey && (startKey.pk !== followerKeys.pk(appid) || (byState && startKey.gsi2pk !== partition))) return { followers: [], nextCursor: null };
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        ...(byState ? { IndexName: 'gsi2', KeyConditionExpression: 'gsi2pk = :pk' } : { KeyConditionExpression: 'pk = :pk' }),
        ExpressionAttributeValues: { ':pk': partition },
        Limit: request.limit,
        ExclusiveStartKey: startKey,
      }),
    );
    return { followers: (result.Items ?? []).map(followerFromItem), nextCursor: encodeCursor(result.LastEvaluatedKey) };
  }

  async byUnionid(tenantId: string, unionid: string): Promise<Follower[]> {
    const followers: Follower[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :union',
          ExpressionAttributeValues: { ':union': followerKeys.unionPk(tenantId, unionid) },
          ExclusiveStartKey: startKey,
        }),
      );
      followers.push(...(page.Items ?? []).map(followerFromItem));
      startKey = page.LastEvaluatedKey;
    } while (startKey && followers.length < 1_000);
    return followers;
  }
}

/**
 * The console's follower routes wired to the table (`functions/list-fans`, `get-contact`,
 * `start-fan-sync`, `get-fan-sync`). Only `start-fan-sync` sends to the `fan-sync` queue.
 */
export function fanConsole(client: DynamoDBDocumentClient, table: string, options: { queue?: QueuePublisher; requiredFuncIds?: readonly number[] } = {}): FanConsole {
  const directory = new DynamoAccountDirectory(client, table);
  const grants = new DynamoDepartmentGrants(client, table);
  const refuse: QueuePublisher = {
    send: async () => {
      throw new Error('This function does not send to the fan-sync queue');
    },
  };
  return new FanConsole({
    accounts: new AccountQueries(directory, grants, options.requiredFuncIds ?? []),
    directory,
    grants,
    followers: new DynamoFollowers(client, table),
    jobs: new DynamoFanSyncJobs(client, table),
    starter: new DynamoFanSyncRequests(client, table, options.queue ?? refuse, 'console'),
    audit: new DynamoAuditLog(client, table),
  });
}
