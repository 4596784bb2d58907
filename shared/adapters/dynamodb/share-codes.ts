/**
 * Share codes in the one table. Never a code: only its SHA-256 (`shared/domain/sharing/share-code.ts`).
 * Attribute names are the model's.
 *
 * | item | pk | sk | gsi1pk / gsi1sk |
 * |---|---|---|---|
 * | share code | `SHARECODE#<sha256(code)>` | `SHARECODE` | `ACCOUNT#<appid>#SHARECODES` / `<expiresAt>#<sha256>` (while unused) (with `ttl` = `expiresAt`) |
 * | shared link | `TENANT#<tenantId>` | `LINK#<appid>` | `ACCOUNT#<appid>#LINKS` / `shared#<tenantId>` (`account-keys.ts` `sharedLinkItem`; `shared-links.ts`) |
 *
 * One GetItem finds a code by its hash; one Query lists an account's unused codes (gsi1; spending a
 * code takes it out of the index).
 *
 * Redemption is one transaction: the code's update (condition: exists, unspent, not expired), the
 * link's put (condition: the tenant has no link to the account) and a check that the account is
 * still active and the code owner's.
 */
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { accountKeys, sharedLinkItem } from '#shared/adapters/dynamodb/account-keys.ts';
import { DynamoAccountReads } from '#shared/adapters/dynamodb/account-store.ts';
import { batchDeleteAll } from '#shared/db/batch.ts';
import { cancellationCodes, isTransactionCancelled, refusedAt } from '#shared/db/conditions.ts';
import { queryAll } from '#shared/db/query-all.ts';
import { TRANSACTION_LIMIT, type TransactItem } from '#shared/db/transactions.ts';
import type { TenantLink } from '#shared/domain/accounts/model.ts';
import type { NewShareCodes, Redemption, RedemptionResult, ShareCodeRecord, ShareCodeStore } from '#shared/domain/sharing/ports.ts';

type Item = Record<string, unknown>;

export const shareCodeKeys = {
  codePk: (codeHash: string) => `SHARECODE#${codeHash}`,
  codeSk: 'SHARECODE',
  codesOfAccount: (appid: string) => `ACCOUNT#${appid}#SHARECODES`,
  codeGsiSk: (expiresAt: string, codeHash: string) => `${expiresAt}#${codeHash}`,
};

const codeKey = (codeHash: string) => ({ pk: shareCodeKeys.codePk(codeHash), sk: shareCodeKeys.codeSk });
const epochSeconds = (iso: string): number => Math.ceil(Date.parse(iso) / 1000);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function shareCodeFromItem(item: Item): ShareCodeRecord {
  const record: ShareCodeRecord = {
    codeHash: String(item.codeHash),
    appid: String(item.appid),
    ownerTenantId: String(item.ownerTenantId),
    includePayment: item.includePayment === true,
    createdAt: String(item.createdAt),
    expiresAt: String(item.expiresAt),
  };
  if (typeof item.spentAt === 'string') record.spentAt = item.spentAt;
  if (typeof item.spentBy === 'string') record.spentBy = item.spentBy;
  return record;
}

/** The hashes of the account's unused codes (gsi1). */
export async function unusedCodeHashes(client: DynamoDBDocumentClient, table: string, appid: string): Promise<string[]> {
  const items = await queryAll(client, table, {
    IndexName: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :codes',
    ExpressionAttributeValues: { ':codes': shareCodeKeys.codesOfAccount(appid) },
    ProjectionExpression: 'codeHash',
  });
  return items.map((item) => String(item.codeHash));
}

/** Deletes codes by hash (BatchWriteItem, again for what DynamoDB leaves unprocessed). */
export async function deleteCodes(client: DynamoDBDocumentClient, table: string, codeHashes: readonly string[]): Promise<void> {
  await batchDeleteAll(client, table, codeHashes.map(codeKey));
}

/** The deletion of an unused code, for a cascade's transaction. */
export const codeDeletion = (table: string, codeHash: string): TransactItem => ({ Delete: { TableName: table, Key: codeKey(codeHash) } });

/** The account reads are `DynamoAccountReads`' (strongly consistent: a redemption decides on them). */
export class DynamoShareCodeStore extends DynamoAccountReads implements ShareCodeStore {
  constructor(client: DynamoDBDocumentClient, table: string) {
    super(client, table, { consistent: true });
  }

  async saveCodes(codes: NewShareCodes): Promise<'saved' | 'account_changed'> {
    const puts: TransactItem[] = codes.codeHashes.map((codeHash) => ({
      Put: {
        TableName: this.table,
        Item: {
          ...codeKey(codeHash),
          gsi1pk: shareCodeKeys.codesOfAccount(codes.appid),
          gsi1sk: shareCodeKeys.codeGsiSk(codes.expiresAt, codeHash),
          type: 'ShareCode',
          codeHash,
          appid: codes.appid,
          ownerTenantId: codes.ownerTenantId,
          includePayment: codes.includePayment,
          createdAt: codes.createdAt,
          createdBy: codes.createdBy,
          expiresAt: codes.expiresAt,
          ttl: epochSeconds(codes.expiresAt),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    }));
    // The first transaction checks the account as it lands: no code is stored for an account that
    // is no longer active and the tenant's. Redemption checks the account again, so later chunks
    // need no check; if one fails, the codes already stored go again (the caller never sees them).
    const accountCheck: TransactItem = {
      ConditionCheck: {
        TableName: this.table,
        Key: { pk: accountKeys.accountPk(codes.appid), sk: accountKeys.accountSk },
        ConditionExpression: '#status = :active AND ownerTenantId = :owner',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':active': 'active', ':owner': codes.ownerTenantId },
      },
    };
    const first = TRANSACTION_LIMIT - 1;
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: [accountCheck, ...puts.slice(0, first)] }));
    } catch (error) {
      if (refusedAt(error, 0)) return 'account_changed';
      throw error;
    }
    let stored = Math.min(first, puts.length);
    try {
      for (; stored < puts.length; stored += TRANSACTION_LIMIT) {
        await this.client.send(new TransactWriteCommand({ TransactItems: puts.slice(stored, stored + TRANSACTION_LIMIT) }));
      }
    } catch (error) {
      // Best effort: the write's own error is the one the caller must see.
      await deleteCodes(this.client, this.table, codes.codeHashes.slice(0, stored)).catch(() => undefined);
      throw error;
    }
    return 'saved';
  }

  async findCode(codeHash: string): Promise<ShareCodeRecord | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.table, Key: codeKey(codeHash), ConsistentRead: true }));
    return result.Item ? shareCodeFromItem(result.Item) : undefined;
  }

  async redeem(redemption: Redemption): Promise<RedemptionResult> {
    const { codeHash, tenantId, appid, ownerTenantId, includePayment, at } = redemption;
    const link: TenantLink = { tenantId, appid, role: 'shared', linkedAt: at, plaintextAuthorization: false, includePayment };
    const items: TransactItem[] = [
      {
        Update: {
          TableName: this.table,
          Key: codeKey(codeHash),
          UpdateExpression: 'SET spentAt = :at, spentBy = :tenant REMOVE gsi1pk, gsi1sk',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(spentAt) AND expiresAt > :at AND appid = :appid',
          ExpressionAttributeValues: { ':at': at, ':tenant': tenantId, ':appid': appid },
        },
      },
      { Put: { TableName: this.table, Item: sharedLinkItem(link), ConditionExpression: 'attribute_not_exists(pk)' } },
      {
        ConditionCheck: {
          TableName: this.table,
          Key: { pk: accountKeys.accountPk(appid), sk: accountKeys.accountSk },
          ConditionExpression: '#status = :active AND ownerTenantId = :owner',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':active': 'active', ':owner': ownerTenantId },
        },
      },
    ];
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(new TransactWriteCommand({ TransactItems: items }));
        return 'redeemed';
      } catch (error) {
        if (!isTransactionCancelled(error)) throw error;
        const [code, existing, account] = cancellationCodes(error);
        if (code === 'ConditionalCheckFailed') return 'code_gone';
        if (existing === 'ConditionalCheckFailed') return 'already_linked';
        if (account === 'ConditionalCheckFailed') return 'account_changed';
        // Only conflicts with concurrent transactions: whoever goes next decides.
        if (attempt >= 8) throw error;
        await pause(Math.min(500, 10 * 2 ** attempt * Math.random()));
      }
    }
  }
}
