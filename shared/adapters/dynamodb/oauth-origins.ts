/**
 * A tenant's allowed origins for web authorization (keys in `oauth-keys.ts`): one item per tenant,
 * replaced whole by a PUT, read by GetItem (the console) or BatchGetItem (the authorize route, for
 * every tenant holding an account).
 */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import { oauthKeys } from '#shared/adapters/dynamodb/oauth-keys.ts';
import { batchGetAll } from '#shared/db/batch.ts';
import type { OAuthOriginStore } from '#shared/domain/oauth/ports.ts';

const originsOf = (item: Record<string, unknown> | undefined): string[] =>
  Array.isArray(item?.origins) ? item.origins.filter((origin): origin is string => typeof origin === 'string') : [];

export class DynamoOAuthOrigins implements OAuthOriginStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(tenantId: string): Promise<string[]> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: accountKeys.tenantPk(tenantId), sk: oauthKeys.originsSk }, ConsistentRead: true }),
    );
    return originsOf(result.Item);
  }

  async put(tenantId: string, origins: readonly string[], at: string): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: accountKeys.tenantPk(tenantId), sk: oauthKeys.originsSk, type: 'OAuthOrigins', tenantId, origins: [...origins], updatedAt: at },
      }),
    );
  }

  async ofTenants(tenantIds: readonly string[]): Promise<Map<string, string[]>> {
    const keys = [...new Set(tenantIds)].map((tenantId) => ({ pk: accountKeys.tenantPk(tenantId), sk: oauthKeys.originsSk }));
    if (keys.length === 0) return new Map();
    const items = await batchGetAll(this.client, this.table, keys);
    return new Map(items.map((item) => [String(item.tenantId), originsOf(item)]));
  }
}
