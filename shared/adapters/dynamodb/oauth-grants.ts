/**
 * The single-use records of web authorization (keys in `oauth-keys.ts`): the hub's `state` while the
 * visitor is on WeChat's page (10 minutes) and the one-time code handed to the page (5 minutes).
 * Each is stored under the SHA-256 of its secret, with a `ttl`, and spent by a conditional DeleteItem
 * that returns the old item: exactly one spender gets it.
 */
import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { oauthKeys } from '#shared/adapters/dynamodb/oauth-keys.ts';
import { isConditionFailure } from '#shared/db/conditions.ts';
import type { OAuthCodeRecord, OAuthCodes, OAuthScope, OAuthStateRecord, OAuthStates, OAuthUser } from '#shared/domain/oauth/ports.ts';

type Item = Record<string, unknown>;
const ttlOf = (expiresAt: string): number => Math.ceil(Date.parse(expiresAt) / 1000);

/** Deletes the item if it exists and returns it; undefined when there was none. */
async function spendItem(client: DynamoDBDocumentClient, table: string, key: { pk: string; sk: string }): Promise<Item | undefined> {
  try {
    const result = await client.send(new DeleteCommand({ TableName: table, Key: key, ConditionExpression: 'attribute_exists(pk)', ReturnValues: 'ALL_OLD' }));
    return result.Attributes;
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}

const isScope = (value: unknown): value is OAuthScope => value === 'snsapi_base' || value === 'snsapi_userinfo';

export class DynamoOAuthStates implements OAuthStates {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async save(state: string, record: OAuthStateRecord): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: oauthKeys.statePk(state), sk: oauthKeys.stateSk, type: 'OAuthState', ...record, ttl: ttlOf(record.expiresAt) },
        // 192 random bits never collide; if they did, the first visitor's state must keep working.
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async spend(state: string): Promise<OAuthStateRecord | undefined> {
    const item = await spendItem(this.client, this.table, { pk: oauthKeys.statePk(state), sk: oauthKeys.stateSk });
    if (!item || typeof item.appid !== 'string' || typeof item.tenantId !== 'string' || typeof item.redirectUri !== 'string' || !isScope(item.scope))
      return undefined;
    return {
      appid: item.appid,
      tenantId: item.tenantId,
      redirectUri: item.redirectUri,
      ...(typeof item.pageState === 'string' ? { pageState: item.pageState } : {}),
      scope: item.scope,
      createdAt: String(item.createdAt),
      expiresAt: String(item.expiresAt),
    };
  }
}

export class DynamoOAuthCodes implements OAuthCodes {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async save(code: string, record: OAuthCodeRecord): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: oauthKeys.codePk(code), sk: oauthKeys.codeSk, type: 'OAuthCode', ...record, ttl: ttlOf(record.expiresAt) },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async spend(code: string): Promise<OAuthCodeRecord | undefined> {
    const item = await spendItem(this.client, this.table, { pk: oauthKeys.codePk(code), sk: oauthKeys.codeSk });
    if (!item || typeof item.user !== 'object' || item.user === null || typeof item.expiresAt !== 'string') return undefined;
    return { user: item.user as OAuthUser, createdAt: String(item.createdAt), expiresAt: item.expiresAt };
  }
}
