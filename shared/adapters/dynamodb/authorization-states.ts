/**
 * Authorization states in the table (keys in `account-keys.ts`):
 *
 * | item | pk | sk | attributes |
 * |---|---|---|---|
 * | authorization state | `AUTHSTATE#<sha256(state)>` | `STATE` | `tenantId`, `userId`, `appid?`, `createdAt`, `expiresAt`, `ttl` |
 *
 * Only the hash is stored: a leaked table does not let anyone finish someone else's binding. A state
 * is spent by a conditional DeleteItem that returns the old item, so exactly one callback gets it.
 */
import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from '#shared/db/conditions.ts';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import type { AuthorizationState, AuthorizationStates } from '#shared/domain/binding/ports.ts';

export class DynamoAuthorizationStates implements AuthorizationStates {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async save(state: string, record: AuthorizationState): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: accountKeys.statePk(state),
          sk: accountKeys.stateSk,
          type: 'AuthorizationState',
          tenantId: record.tenantId,
          userId: record.userId,
          ...(record.appid ? { appid: record.appid } : {}),
          createdAt: record.createdAt,
          expiresAt: record.expiresAt,
          ttl: Math.ceil(Date.parse(record.expiresAt) / 1000),
        },
        // 128 random bits never collide; if they did, the first admin's link must keep working.
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async spend(state: string): Promise<AuthorizationState | undefined> {
    try {
      const result = await this.client.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk: accountKeys.statePk(state), sk: accountKeys.stateSk },
          ConditionExpression: 'attribute_exists(pk)',
          ReturnValues: 'ALL_OLD',
        }),
      );
      const item = result.Attributes;
      if (!item || typeof item.tenantId !== 'string' || typeof item.userId !== 'string' || typeof item.expiresAt !== 'string') return undefined;
      return {
        tenantId: item.tenantId,
        userId: item.userId,
        ...(typeof item.appid === 'string' ? { appid: item.appid } : {}),
        createdAt: String(item.createdAt),
        expiresAt: item.expiresAt,
      };
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }
}
