/**
 * Authorization pushes and codes in the table:
 * - `ACCOUNT#<appid>` / `AUTHEVENT#<CreateTime>#<InfoType>`: one item per distinct push (WeChat's
 *   retries hit the same key, so a conditional put keeps the first). Attributes: `infoType`, `appid`,
 *   `createTime` (WeChat's seconds), `receivedAt`, and `state`: `received` (stored, not applied yet;
 *   a grant push keeps its `authorizationCode` until it settles), `applying` (claimed by a worker
 *   until `leaseUntil`, unix seconds), `applied` or `stale` (settled, with `settledAt`). An item
 *   without `state` was written before pushes were queued: it was applied then, and counts as settled.
 *   The newest `authorized` / `updateauthorized` item of an account dates its current authorization
 *   (one Query, newest first, over the account's few authorization events);
 * - `ACCOUNT#<appid>` / `AUTHCODE`: the newest authorization code with its expiry (and `ttl`), never
 *   replaced by an older push.
 */
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from '#shared/db/conditions.ts';
import { queryAll, type Item } from '#shared/db/query-all.ts';
import type { AuthorizationEventLog, AuthorizationPush, PushClaim, PushKey, PushSettlement, Receipt } from '#shared/domain/authorization/ports.ts';

const EVENT_PREFIX = 'AUTHEVENT#';

export const authorizationKeys = {
  account: (appid: string) => `ACCOUNT#${appid}`,
  event: (createTime: number, infoType: string) => `${EVENT_PREFIX}${String(createTime).padStart(12, '0')}#${infoType}`,
  code: 'AUTHCODE',
};

const ignoreConditionFailure = (error: unknown): false => {
  if (isConditionFailure(error)) return false;
  throw error;
};

const keyOf = (key: PushKey) => ({ pk: authorizationKeys.account(key.appid), sk: authorizationKeys.event(key.createTime, key.infoType) });

const isSettled = (item: Item): boolean => item.state === undefined || item.state === 'applied' || item.state === 'stale';

export class DynamoAuthorizationEvents implements AuthorizationEventLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async receive(push: AuthorizationPush, receivedAt: string): Promise<Receipt> {
    const key = keyOf({ appid: push.authorizerAppid, infoType: push.infoType, createTime: push.createTime });
    const stored = await this.client
      .send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...key,
            type: 'AuthorizationEvent',
            infoType: push.infoType,
            appid: push.authorizerAppid,
            createTime: push.createTime,
            receivedAt,
            state: 'received',
            ...(push.infoType === 'unauthorized' ? {} : { authorizationCode: push.authorizationCode }),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      )
      .then(() => true, ignoreConditionFailure);
    if (stored) return 'new';
    const item = await this.item(key);
    return !item || isSettled(item) ? 'settled' : 'pending';
  }

  async claim(key: PushKey, lease: { now: number; leaseUntil: number }): Promise<PushClaim> {
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keyOf(key),
          UpdateExpression: 'SET #state = :applying, leaseUntil = :leaseUntil',
          ConditionExpression: 'attribute_exists(pk) AND (#state = :received OR (#state = :applying AND leaseUntil < :now))',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':applying': 'applying', ':received': 'received', ':leaseUntil': lease.leaseUntil, ':now': lease.now },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const code = result.Attributes?.authorizationCode;
      return { kind: 'claimed', ...(typeof code === 'string' ? { authorizationCode: code } : {}) };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const item = await this.item(keyOf(key));
    if (!item) return { kind: 'missing' };
    return isSettled(item) ? { kind: 'settled' } : { kind: 'busy' };
  }

  async release(key: PushKey): Promise<void> {
    await this.client
      .send(
        new UpdateCommand({
          TableName: this.table,
          Key: keyOf(key),
          UpdateExpression: 'SET #state = :received REMOVE leaseUntil',
          ConditionExpression: '#state = :applying',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':received': 'received', ':applying': 'applying' },
        }),
      )
      .catch(ignoreConditionFailure);
  }

  async settle(key: PushKey, outcome: PushSettlement, at: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: keyOf(key),
        UpdateExpression: 'SET #state = :outcome, settledAt = :at REMOVE authorizationCode, leaseUntil',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':outcome': outcome, ':at': at },
      }),
    );
  }

  async currentAuthorization(appid: string): Promise<number | undefined> {
    const [newest] = await queryAll(
      this.client,
      this.table,
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        FilterExpression: 'infoType IN (:authorized, :updateauthorized)',
        ExpressionAttributeValues: {
          ':pk': authorizationKeys.account(appid),
          ':prefix': EVENT_PREFIX,
          ':authorized': 'authorized',
          ':updateauthorized': 'updateauthorized',
        },
        ProjectionExpression: 'createTime',
        ScanIndexForward: false,
        ConsistentRead: true,
      },
      { maxItems: 1 },
    );
    return typeof newest?.createTime === 'number' ? newest.createTime : undefined;
  }

  async rememberCode(appid: string, code: { code: string; createTime: number; expiresAt: number }): Promise<void> {
    await this.client
      .send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: authorizationKeys.account(appid),
            sk: authorizationKeys.code,
            type: 'AuthorizationCode',
            code: code.code,
            createTime: code.createTime,
            expiresAt: new Date(code.expiresAt * 1000).toISOString(),
            ttl: code.expiresAt,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR createTime < :createTime',
          ExpressionAttributeValues: { ':createTime': code.createTime },
        }),
      )
      .catch(ignoreConditionFailure);
  }

  /** The newest pushed authorization code of an account, unless it expired (TTL deletes late). */
  async latestCode(appid: string, now: Date = new Date()): Promise<string | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: authorizationKeys.account(appid), sk: authorizationKeys.code }, ConsistentRead: true }),
    );
    const item = result.Item;
    if (!item || typeof item.code !== 'string' || Date.parse(String(item.expiresAt)) <= now.getTime()) return undefined;
    return item.code;
  }

  private async item(key: { pk: string; sk: string }): Promise<Item | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }));
    return result.Item;
  }
}
