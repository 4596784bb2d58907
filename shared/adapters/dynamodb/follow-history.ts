/**
 * Follow and unfollow events in the table, and their effect applied in one transaction.
 *
 * | item | pk | sk | attributes |
 * |---|---|---|---|
 * | follow event | `FAN#<appid>#<openid>` | `EVENT#<CreateTime, 12 digits>#<event>` | `appid`, `openid`, `event`, `at` (CreateTime as ISO), `receivedAt`, `eventKey?` |
 *
 * WeChat retries a push up to three times with the same FromUserName and CreateTime: the event item
 * is written only if absent, in the same transaction as the follower (`followers.ts`, written only if
 * unchanged since it was read) and the account's fan summary (`fans.total`, `fans.subscribed`, and
 * its version `fansVersion`, which a sync's finish writes its tally against: `fan-sync-jobs.ts`), so
 * a retry changes nothing and a crash leaves nothing half applied. Nothing here is ever deleted by an
 * unfollow.
 *
 * A follower's history for the console (`DynamoFollowHistory`): one Query of its events, newest
 * first (the sort key orders them by CreateTime).
 */
import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import { followerFromItem, followerItem, followerKeys } from '#shared/adapters/dynamodb/followers.ts';
import { batchGetAll } from '#shared/db/batch.ts';
import { isConditionFailure, isTransactionCancelled, refusedAt, refusedByCondition } from '#shared/db/conditions.ts';
import type { TransactItem } from '#shared/db/transactions.ts';
import type {
  FollowEventOutcome,
  FollowEventSnapshot,
  FollowEventStore,
  FollowEventWrite,
  FollowHistoryReads,
  FollowHistoryRecord,
} from '#shared/domain/fans/ports.ts';
import type { FollowEvent } from '#shared/domain/messages/account-message.ts';

export const followHistoryKeys = {
  pk: (appid: string, openid: string) => `FAN#${appid}#${openid}`,
  sk: (createTime: number, event: string) => `EVENT#${String(createTime).padStart(12, '0')}#${event}`,
};

export interface FollowHistoryEntry {
  event: string;
  at: string;
  receivedAt: string;
  eventKey?: string;
}

export class DynamoFollowEvents implements FollowEventStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async snapshot(event: FollowEvent): Promise<FollowEventSnapshot> {
    const keys = {
      account: { pk: accountKeys.accountPk(event.appid), sk: accountKeys.accountSk },
      follower: { pk: followerKeys.pk(event.appid), sk: followerKeys.sk(event.openid) },
      history: { pk: followHistoryKeys.pk(event.appid, event.openid), sk: followHistoryKeys.sk(event.createTime, event.event) },
    };
    const found = await batchGetAll(this.client, this.table, Object.values(keys), { consistent: true });
    const at = (key: { pk: string; sk: string }) => found.find((item) => item.pk === key.pk && item.sk === key.sk);
    const account = at(keys.account);
    const follower = at(keys.follower);
    const snapshot: FollowEventSnapshot = { alreadyRecorded: at(keys.history) !== undefined };
    if (account) {
      snapshot.account = {
        ownerTenantId: String(account.ownerTenantId ?? ''),
        status: String(account.status ?? ''),
        hasFanSummary: typeof account.fans === 'object' && account.fans !== null,
      };
    }
    if (follower) snapshot.follower = followerFromItem(follower);
    return snapshot;
  }

  async ensureFanSummary(appid: string): Promise<void> {
    await this.client
      .send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: accountKeys.accountPk(appid), sk: accountKeys.accountSk },
          UpdateExpression: 'SET fans = if_not_exists(fans, :zero)',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':zero': { total: 0, subscribed: 0 } },
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionFailure(error)) throw error;
      });
  }

  async apply(write: FollowEventWrite): Promise<FollowEventOutcome> {
    const { event } = write;
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.table,
          Item: {
            pk: followHistoryKeys.pk(event.appid, event.openid),
            sk: followHistoryKeys.sk(event.createTime, event.event),
            type: 'FollowEvent',
            appid: event.appid,
            openid: event.openid,
            event: event.event,
            at: new Date(event.createTime * 1000).toISOString(),
            receivedAt: write.receivedAt,
            ...(event.eventKey ? { eventKey: event.eventKey.slice(0, 256) } : {}),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ];
    if (write.follower) {
      const { next, previous } = write.follower;
      items.push({
        Put: {
          TableName: this.table,
          Item: followerItem(next),
          ...(previous
            ? { ConditionExpression: 'updatedAt = :seen', ExpressionAttributeValues: { ':seen': previous.updatedAt } }
            : { ConditionExpression: 'attribute_not_exists(pk)' }),
        },
      });
    }
    if (write.summary) {
      items.push({
        Update: {
          TableName: this.table,
          Key: { pk: accountKeys.accountPk(event.appid), sk: accountKeys.accountSk },
          UpdateExpression: 'SET #fans.#total = #fans.#total + :total, #fans.#subscribed = #fans.#subscribed + :subscribed ADD fansVersion :one',
          ConditionExpression: 'attribute_exists(#fans.#total) AND attribute_exists(#fans.#subscribed)',
          ExpressionAttributeNames: { '#fans': 'fans', '#total': 'total', '#subscribed': 'subscribed' },
          ExpressionAttributeValues: { ':total': write.summary.total, ':subscribed': write.summary.subscribed, ':one': 1 },
        },
      });
    }
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
      return 'applied';
    } catch (error) {
      if (!isTransactionCancelled(error)) {
        // A whole-transaction conflict: read again.
        if (refusedByCondition(error)) return 'stale';
        throw error;
      }
      if (refusedAt(error, 0)) return 'duplicate';
      if (write.summary && refusedAt(error, items.length - 1)) return 'summary_missing';
      return 'stale';
    }
  }

  /** A follower's events, oldest first. */
  async history(appid: string, openid: string): Promise<FollowHistoryEntry[]> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :events)',
        ExpressionAttributeValues: { ':pk': followHistoryKeys.pk(appid, openid), ':events': 'EVENT#' },
        ConsistentRead: true,
      }),
    );
    return (result.Items ?? []).map((item) => ({
      event: String(item.event),
      at: String(item.at),
      receivedAt: String(item.receivedAt),
      ...(typeof item.eventKey === 'string' ? { eventKey: item.eventKey } : {}),
    }));
  }
}

/** The console's read of a follower's history (`shared/domain/fans/history.ts`). */
export class DynamoFollowHistory implements FollowHistoryReads {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async hasFollower(appid: string, openid: string): Promise<boolean> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: followerKeys.pk(appid), sk: followerKeys.sk(openid) }, ProjectionExpression: 'pk' }),
    );
    return result.Item !== undefined;
  }

  async newestFirst(appid: string, openid: string, limit: number): Promise<FollowHistoryRecord[]> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :events)',
        ExpressionAttributeValues: { ':pk': followHistoryKeys.pk(appid, openid), ':events': 'EVENT#' },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (result.Items ?? []).map((item) => ({
      event: String(item.event),
      at: String(item.at),
      ...(typeof item.eventKey === 'string' ? { eventKey: item.eventKey } : {}),
    }));
  }
}
