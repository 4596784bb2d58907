/**
 * The console's side of the account items (keys: `account-keys.ts`): reading a tenant's links, the
 * accounts and the tenant settings, and the two settings a PATCH writes (the tenant's default
 * account, a link's plaintext flag).
 *
 * Items are mapped the way the account store maps them (`accountFromItem`, `linkFromItem`,
 * `tenantSettingsFromItem` and the single-item reads of `DynamoAccountReads`, `account-store.ts`):
 * attribute names are the model's field names. Many accounts are read with the toolkit's
 * `batchGetAll` (`shared/db/batch.ts`).
 */
import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import { accountFromItem, DynamoAccountReads, linkFromItem } from '#shared/adapters/dynamodb/account-store.ts';
import { batchGetAll } from '#shared/db/batch.ts';
import { isTransactionCancelled, refusedAt } from '#shared/db/conditions.ts';
import { queryAll } from '#shared/db/query-all.ts';
import type { TransactItem } from '#shared/db/transactions.ts';
import type { AccountRecord, TenantLink } from '#shared/domain/accounts/model.ts';
import type { AccountDirectory } from '#shared/domain/accounts/ports.ts';
import type { AccountSettingsStore, DefaultChange, SettingsWriteOutcome } from '#shared/domain/accounts/settings.ts';

/** The single-item reads are `DynamoAccountReads`' (eventually consistent unless asked otherwise). */
export class DynamoAccountDirectory extends DynamoAccountReads implements AccountDirectory {
  constructor(client: DynamoDBDocumentClient, table: string) {
    super(client, table);
  }

  async linksOf(tenantId: string): Promise<TenantLink[]> {
    const items = await queryAll(this.client, this.table, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :links)',
      ExpressionAttributeValues: { ':pk': accountKeys.tenantPk(tenantId), ':links': accountKeys.linkPrefix },
    });
    return items.map(linkFromItem);
  }

  async accounts(appids: readonly string[]): Promise<Map<string, AccountRecord>> {
    const keys = [...new Set(appids)].map((appid) => ({ pk: accountKeys.accountPk(appid), sk: accountKeys.accountSk }));
    const items = await batchGetAll(this.client, this.table, keys);
    return new Map(items.map((item) => [String(item.appid), accountFromItem(item)]));
  }
}

export class DynamoAccountSettingsStore implements AccountSettingsStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async write(tenantId: string, appid: string, change: { plaintextAuthorization?: boolean; defaultChange: DefaultChange }): Promise<SettingsWriteOutcome> {
    const linkKey = { pk: accountKeys.tenantPk(tenantId), sk: accountKeys.linkSk(appid) };
    const tenantKey = { pk: accountKeys.tenantPk(tenantId), sk: accountKeys.tenantSk };
    const items: TransactItem[] = [
      change.plaintextAuthorization === undefined
        ? { ConditionCheck: { TableName: this.table, Key: linkKey, ConditionExpression: 'attribute_exists(pk)' } }
        : {
            Update: {
              TableName: this.table,
              Key: linkKey,
              UpdateExpression: 'SET plaintextAuthorization = :plaintext',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeValues: { ':plaintext': change.plaintextAuthorization },
            },
          },
    ];
    if (change.defaultChange.kind === 'set') {
      // A tenant that only holds shared accounts may have no settings item yet: create a complete one.
      items.push({
        Update: {
          TableName: this.table,
          Key: tenantKey,
          UpdateExpression:
            'SET defaultAppid = :appid, #type = if_not_exists(#type, :type), tenantId = if_not_exists(tenantId, :tenant), ' +
            'ownedCount = if_not_exists(ownedCount, :zero)',
          ExpressionAttributeNames: { '#type': 'type' },
          ExpressionAttributeValues: { ':appid': appid, ':type': 'TenantSettings', ':tenant': tenantId, ':zero': 0 },
        },
      });
    } else if (change.defaultChange.kind === 'clear') {
      items.push({
        Update: {
          TableName: this.table,
          Key: tenantKey,
          UpdateExpression: 'REMOVE defaultAppid',
          ConditionExpression: 'defaultAppid = :appid',
          ExpressionAttributeValues: { ':appid': appid },
        },
      });
    }
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
      return 'written';
    } catch (error) {
      if (!isTransactionCancelled(error)) throw error;
      if (refusedAt(error, 0)) return 'link_gone';
      if (refusedAt(error, 1)) return 'default_moved';
      throw error;
    }
  }
}
