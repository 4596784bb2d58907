/**
 * The follower feed: an account's followers in the order they changed, read from gsi3.
 *
 * | index | gsi3pk | gsi3sk |
 * |---|---|---|
 * | gsi3 | `FANS#<appid>` | `<updatedAt ISO>#<openid>` |
 *
 * Every follower write sets both keys with `updatedAt` (`followers.ts`), so one Query of the index
 * from `changedSince` on reads the followers changed since then, oldest change first, ties by openid:
 * never a filter, never a scan. A follower written again while a client pages moves to the feed's
 * end, past the client's cursor, and is read again there (at least once, in `updatedAt` order).
 *
 * The cursor is the index's `LastEvaluatedKey` (table and index keys), checked before it becomes a
 * start key: this account's partition, a follower's sort key, an index sort key of an instant and the
 * same openid, and not before `changedSince` — anything else is a `400` naming `query.cursor`.
 */
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { followerFromItem, followerKeys } from '#shared/adapters/dynamodb/followers.ts';
import { decodeCursor, encodeCursor } from '#shared/db/cursor.ts';
import type { Follower } from '#shared/domain/fans/model.ts';
import type { FeedPageRequest, FollowerFeedReads } from '#shared/domain/fans/ports.ts';
import { ValidationFailed } from '#shared/errors/domain-errors.ts';

export const FEED_INDEX = 'gsi3';

const FEED_SORT_KEY = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z)#(.+)$/;

export class DynamoFollowerFeed implements FollowerFeedReads {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async changedSince(appid: string, request: FeedPageRequest): Promise<{ followers: Follower[]; nextCursor: string | null }> {
    const startKey = this.startKey(appid, request);
    const since = request.changedSince;
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: FEED_INDEX,
        KeyConditionExpression: since ? 'gsi3pk = :pk AND gsi3sk >= :since' : 'gsi3pk = :pk',
        ExpressionAttributeValues: { ':pk': followerKeys.feedPk(appid), ...(since ? { ':since': since } : {}) },
        Limit: request.limit,
        ExclusiveStartKey: startKey,
      }),
    );
    return { followers: (result.Items ?? []).map(followerFromItem), nextCursor: encodeCursor(result.LastEvaluatedKey) };
  }

  private startKey(appid: string, request: FeedPageRequest): Record<string, string> | undefined {
    const key = decodeCursor(request.cursor, {
      pk: { equals: followerKeys.pk(appid) },
      sk: { startsWith: followerKeys.sk('') },
      gsi3pk: { equals: followerKeys.feedPk(appid) },
      gsi3sk: { matches: FEED_SORT_KEY },
    });
    if (!key) return undefined;
    const openid = FEED_SORT_KEY.exec(key.gsi3sk!)![2]!;
    // The item the cursor names, and within the range this request reads (DynamoDB refuses a start key outside it).
    if (key.sk !== followerKeys.sk(openid) || (request.changedSince !== undefined && key.gsi3sk! < request.changedSince)) {
      throw new ValidationFailed([{ field: 'query.cursor', message: 'is not a cursor this API returned' }]);
    }
    return key;
  }
}
