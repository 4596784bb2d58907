/**
 * The follow/unfollow history of a follower: `FAN#<appid>#<openid>` / `EVENT#<CreateTime>#<event>`.
 * WeChat retries a push up to three times with the same FromUserName and CreateTime, so a conditional
 * put keeps the first delivery and ignores the rest. Nothing here is ever deleted by an unfollow.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { FollowEvent, FollowEventSink } from '#shared/domain/messages/account-message.ts';

export const followHistoryKeys = {
  pk: (appid: string, openid: string) => `FAN#${appid}#${openid}`,
  sk: (createTime: number, event: string) => `EVENT#${String(createTime).padStart(12, '0')}#${event}`,
};

export class DynamoFollowHistory implements FollowEventSink {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Appends the event once. Returns false for a repeated delivery. */
  async append(event: FollowEvent): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: followHistoryKeys.pk(event.appid, event.openid),
            sk: followHistoryKeys.sk(event.createTime, event.event),
            type: 'FollowEvent',
            appid: event.appid,
            openid: event.openid,
            event: event.event,
            at: new Date(event.createTime * 1000).toISOString(),
            receivedAt: this.now().toISOString(),
            ...(event.eventKey ? { eventKey: event.eventKey } : {}),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async accept(event: FollowEvent): Promise<void> {
    await this.append(event);
  }
}
