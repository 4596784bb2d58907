/**
 * Authorization states in the table (keys in `account-keys.ts`):
 *
 * | item | pk | sk | attributes |
 * |---|---|---|---|
 * | authorization state | `AUTHSTATE#<sha256(state)>` | `STATE` | `tenantId`, `userId`, `appid?`, `choices?` (the request's binding options), `createdAt`, `expiresAt`, `ttl`, `componentAppId?`, `sealedPreAuthCode?`, `preAuthCodeExpiresAt?` |
 *
 * Only the hash is stored: a leaked table does not let anyone finish someone else's binding (the
 * pre-auth code is sealed with the state itself, `authorization-page.ts`). A state is spent by a
 * conditional DeleteItem that returns the old item, so exactly one callback gets it; the hub's
 * authorization page reads it without spending it.
 */
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from '#shared/db/conditions.ts';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import type { AuthorizationState, AuthorizationStates, BindingChoices } from '#shared/domain/binding/ports.ts';

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
          ...(record.choices && Object.keys(record.choices).length > 0 ? { choices: record.choices } : {}),
          createdAt: record.createdAt,
          expiresAt: record.expiresAt,
          ...(record.page ?? {}),
          ttl: Math.ceil(Date.parse(record.expiresAt) / 1000),
        },
        // 128 random bits never collide; if they did, the first admin's link must keep working.
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async find(state: string): Promise<AuthorizationState | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: accountKeys.statePk(state), sk: accountKeys.stateSk }, ConsistentRead: true }),
    );
    return result.Item ? stateOf(result.Item) : undefined;
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
      return result.Attributes ? stateOf(result.Attributes) : undefined;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }
}

function stateOf(item: Record<string, unknown>): AuthorizationState | undefined {
  if (typeof item.tenantId !== 'string' || typeof item.userId !== 'string' || typeof item.expiresAt !== 'string') return undefined;
  const { componentAppId, sealedPreAuthCode, preAuthCodeExpiresAt } = item;
  const page =
    typeof componentAppId === 'string' && typeof sealedPreAuthCode === 'string' && typeof preAuthCodeExpiresAt === 'string'
      ? { componentAppId, sealedPreAuthCode, preAuthCodeExpiresAt }
      : undefined;
  return {
    tenantId: item.tenantId,
    userId: item.userId,
    ...(typeof item.appid === 'string' ? { appid: item.appid } : {}),
    ...(item.choices && typeof item.choices === 'object' ? { choices: item.choices as BindingChoices } : {}),
    createdAt: String(item.createdAt),
    expiresAt: item.expiresAt,
    ...(page ? { page } : {}),
  };
}
