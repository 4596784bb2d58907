/**
 * Authorization pushes and codes in the table:
 * - `ACCOUNT#<appid>` / `AUTHEVENT#<CreateTime>#<InfoType>`: one item per distinct push (WeChat's
 *   retries hit the same key, so a conditional put keeps the first and reports the rest as duplicates);
 * - `ACCOUNT#<appid>` / `AUTHCODE`: the newest authorization code with its expiry (and `ttl`), never
 *   replaced by an older push.
 */
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from '#shared/db/conditions.ts';
import type { AuthorizationEventLog, AuthorizationPush } from '#shared/domain/authorization/component-push.ts';

export const authorizationKeys = {
  account: (appid: string) => `ACCOUNT#${appid}`,
  event: (createTime: number, infoType: string) => `AUTHEVENT#${String(createTime).padStart(12, '0')}#${infoType}`,
  code: 'AUTHCODE',
};

const ignoreConditionFailure = (error: unknown): false => {
  if (isConditionFailure(error)) return false;
  throw error;
};

export class DynamoAuthorizationEvents implements AuthorizationEventLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async recordOnce(push: AuthorizationPush, receivedAt: string): Promise<boolean> {
    return this.client
      .send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: authorizationKeys.account(push.authorizerAppid),
            sk: authorizationKeys.event(push.createTime, push.infoType),
            type: 'AuthorizationEvent',
            infoType: push.infoType,
            appid: push.authorizerAppid,
            createTime: push.createTime,
            receivedAt,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      )
      .then(() => true, ignoreConditionFailure);
  }

  async forget(push: AuthorizationPush): Promise<void> {
    await this.client.send(
      new DeleteCommand({
        TableName: this.table,
        Key: { pk: authorizationKeys.account(push.authorizerAppid), sk: authorizationKeys.event(push.createTime, push.infoType) },
      }),
    );
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
}
