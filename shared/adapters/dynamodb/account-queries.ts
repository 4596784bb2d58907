/**
 * The console's side of the account items (keys: `account-keys.ts`): reading a tenant's links, the
 * accounts and the tenant settings, and the two settings a PATCH writes (the tenant's default
 * account, a link's plaintext flag).
 *
 * Items are mapped the way the account store maps them (`accountFromItem`, `linkFromItem`,
 * `tenantSettingsFromItem` of `account-store.ts`): attribute names are the model's field names.
 */
import { queryAll } from '#shared/db/query-all.ts';
import type { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  GetCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import { accountFromItem, linkFromItem, tenantSettingsFromItem } from '#shared/adapters/dynamodb/account-store.ts';
import type { AccountRecord, TenantLink, TenantSettings } from '#shared/domain/accounts/model.ts';
import type { AccountDirectory, ReadOptions } from '#shared/domain/accounts/queries.ts';
import type { AccountSettingsStore, DefaultChange, SettingsWriteOutcome } from '#shared/domain/accounts/settings.ts';

type Item = Record<string, unknown>;

/** BatchGetItem's limit per request. */
const BATCH_GET_LIMIT = 100;
const MAX_UNPROCESSED_ROUNDS = 8;

/**
 * Reads items by key in chunks of 100, retrying what DynamoDB leaves unprocessed (throttling or the
 * 16 MB response cap) with a short growing pause.
 */
export async function batchGetAll(client: DynamoDBDocumentClient, table: string, keys: readonly Item[], consistent = false): Promise<Item[]> {
  const found: Item[] = [];
  for (let start = 0; start < keys.length; start += BATCH_GET_LIMIT) {
    let pending: Item[] = keys.slice(start, start + BATCH_GET_LIMIT);
    for (let round = 0; pending.length > 0; round += 1) {
      if (round >= MAX_UNPROCESSED_ROUNDS) throw new Error(`BatchGetItem left ${pending.length} keys unprocessed after ${round} rounds`);
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** round * (0.5 + Math.random()))));
      const result = await client.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: consistent } } }));
      found.push(...(result.Responses?.[table] ?? []));
      pending = (result.UnprocessedKeys?.[table]?.Keys ?? []) as Item[];
    }
  }
  return found;
}

const consistency = (read: ReadOptions) => (read.consistent ? { ConsistentRead: true } : {});

export class DynamoAccountDirectory implements AccountDirectory {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async linksOf(tenantId: string): Promise<TenantLink[]> {
    const items = await queryAll(this.client, this.table, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :links)',
      ExpressionAttributeValues: { ':pk': accountKeys.tenantPk(tenantId), ':links': accountKeys.linkPrefix },
    });
    return items.map(linkFromItem);
  }

  async link(tenantId: string, appid: string, read: ReadOptions = {}): Promise<TenantLink | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: accountKeys.tenantPk(tenantId), sk: accountKeys.linkSk(appid) }, ...consistency(read) }),
    );
    return result.Item ? linkFromItem(result.Item) : undefined;
  }

  async accounts(appids: readonly string[]): Promise<Map<string, AccountRecord>> {
    const keys = [...new Set(appids)].map((appid) => ({ pk: accountKeys.accountPk(appid), sk: accountKeys.accountSk }));
    const items = await batchGetAll(this.client, this.table, keys);
    return new Map(items.map((item) => [String(item.appid), accountFromItem(item)]));
  }

  async account(appid: string, read: ReadOptions = {}): Promise<AccountRecord | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: accountKeys.accountPk(appid), sk: accountKeys.accountSk }, ...consistency(read) }),
    );
    return result.Item ? accountFromItem(result.Item) : undefined;
  }

  async tenantSettings(tenantId: string, read: ReadOptions = {}): Promise<TenantSettings | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: accountKeys.tenantPk(tenantId), sk: accountKeys.tenantSk }, ...consistency(read) }),
    );
    return result.Item ? tenantSettingsFromItem(result.Item) : undefined;
  }
}

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

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
            'ownedCount = if_not_exists(ownedCount, :zero), autoOpenPlatform = if_not_exists(autoOpenPlatform, :on)',
          ExpressionAttributeNames: { '#type': 'type' },
          ExpressionAttributeValues: { ':appid': appid, ':type': 'TenantSettings', ':tenant': tenantId, ':zero': 0, ':on': true },
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
      if ((error as Error).name !== 'TransactionCanceledException') throw error;
      const reasons = (error as TransactionCanceledException).CancellationReasons ?? [];
      if (reasons[0]?.Code === 'ConditionalCheckFailed') return 'link_gone';
      if (reasons[1]?.Code === 'ConditionalCheckFailed') return 'default_moved';
      throw error;
    }
  }
}
