/**
 * The message log (API.md §2, §3 `GET …/messages`, §6): each verified push of a held account, kept 30
 * days, written with its outbox entry (`event-outbox.ts`) in one transaction.
 *
 * | item | pk | sk | gsi1pk / gsi1sk | gsi2pk / gsi2sk | attributes |
 * |---|---|---|---|---|---|
 * | logged push | `PUSH#<eventId>` | `PUSH` | `ACCOUNT#<appid>#PUSHES` / `<receivedAt ISO>#<eventId>` | `ACCOUNT#<appid>#PUSHES#<message\|event>` / `<receivedAt ISO>#<eventId>` | `push` (the `WeChatPush`), `expiresAt`, `ttl` |
 *
 * The key is the eventId: WeChat's retries of one push (and the same push on another delivery) meet
 * the existing item, and the transaction, refused by its condition, writes neither the item nor a
 * second outbox entry. Newest first is one Query per page, backwards: gsi1 for every push, gsi2 for
 * messages or events only; never a filter. TTL deletes late, so reads skip items past `expiresAt`.
 */
import { QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { outboxItem } from '#shared/adapters/dynamodb/event-outbox.ts';
import { refusedAt } from '#shared/db/conditions.ts';
import { decodeCursor, encodeCursor, type CursorShape } from '#shared/db/cursor.ts';
import { ValidationFailed } from '#shared/errors/domain-errors.ts';
import { detailTypes, type WeChatPush } from '#shared/domain/events/model.ts';
import type { MessageLog, MessagePageRequest, MessageReads, PushType } from '#shared/domain/messages/ports.ts';
import { pushTypeOf } from '#shared/domain/messages/wechat-push.ts';

export const messageLogKeys = {
  pk: (eventId: string) => `PUSH#${eventId}`,
  sk: 'PUSH',
  allPk: (appid: string) => `ACCOUNT#${appid}#PUSHES`,
  typePk: (appid: string, type: PushType) => `ACCOUNT#${appid}#PUSHES#${type}`,
  orderSk: (receivedAt: string, eventId: string) => `${receivedAt}#${eventId}`,
};

export class DynamoMessageLog implements MessageLog, MessageReads {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async record(push: WeChatPush, expiresAt: number): Promise<'recorded' | 'duplicate'> {
    const type = pushTypeOf(push);
    const order = messageLogKeys.orderSk(push.receivedAt, push.eventId);
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: {
                  pk: messageLogKeys.pk(push.eventId),
                  sk: messageLogKeys.sk,
                  type: 'WeChatPush',
                  gsi1pk: messageLogKeys.allPk(push.appid),
                  gsi1sk: order,
                  gsi2pk: messageLogKeys.typePk(push.appid, type),
                  gsi2sk: order,
                  push,
                  expiresAt,
                  ttl: expiresAt,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.table,
                Item: outboxItem(
                  {
                    eventId: push.eventId,
                    detailType: type === 'event' ? detailTypes.event : detailTypes.message,
                    at: push.receivedAt,
                    appid: push.appid,
                    detail: { ...push },
                  },
                  push.receivedAt,
                ),
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );
      return 'recorded';
    } catch (error) {
      if (refusedAt(error, 0)) return 'duplicate';
      throw error;
    }
  }

  async page(appid: string, request: MessagePageRequest, nowSeconds: number): Promise<{ messages: WeChatPush[]; nextCursor: string | null }> {
    const [index, pkName, skName, pk] = request.type
      ? ['gsi2', 'gsi2pk', 'gsi2sk', messageLogKeys.typePk(appid, request.type)]
      : ['gsi1', 'gsi1pk', 'gsi1sk', messageLogKeys.allPk(appid)];
    const shape: CursorShape = {
      pk: { startsWith: 'PUSH#' },
      sk: { equals: messageLogKeys.sk },
      [pkName]: { equals: pk },
      [skName]: { matches: /^\d{4}-\d{2}-\d{2}T[\d:.]+Z#(msg|evt):/ },
    };
    let startKey: Record<string, unknown> | undefined = decodeCursor(request.cursor, shape);
    // The table key of a page's last item is its eventId's: a cursor whose two halves disagree is not one of ours.
    if (startKey && startKey.pk !== messageLogKeys.pk(String(startKey[skName]).slice(String(startKey[skName]).indexOf('#') + 1))) {
      throw new ValidationFailed([{ field: 'query.cursor', message: 'is not a cursor this API returned' }]);
    }
    const messages: WeChatPush[] = [];
    // Expired items (TTL deletes late) are skipped; the page is refilled so that a page is short only at the end.
    do {
      const answer = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: index,
          KeyConditionExpression: `${pkName} = :pk`,
          ExpressionAttributeValues: { ':pk': pk },
          ScanIndexForward: false,
          Limit: request.limit - messages.length,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of answer.Items ?? []) {
        if (typeof item.expiresAt === 'number' && item.expiresAt <= nowSeconds) continue;
        messages.push(item.push as WeChatPush);
      }
      startKey = answer.LastEvaluatedKey;
    } while (startKey && messages.length < request.limit);
    return { messages, nextCursor: encodeCursor(startKey) };
  }
}
