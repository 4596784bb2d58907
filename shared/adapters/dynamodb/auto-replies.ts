/**
 * An account's auto-reply rule set on the table (the rules: `shared/domain/replies/`).
 *
 * | item | pk | sk | attributes |
 * |---|---|---|---|
 * | rule set | `ACCOUNT#<appid>` | `AUTOREPLIES` | `rules` (the rules' JSON, in list order: at most 300 KiB, so it fits one item), `version`, `updatedAt`, `ownerTenantId` |
 * | its version | `ACCOUNT#<appid>` | `AUTOREPLIES#VERSION` | `version`, `updatedAt` (a few bytes: what every push reads) |
 *
 * Both are written in one transaction, so a version never names a set that is not stored. Reads are
 * strongly consistent: the version read on a push, and the set read after it, agree. An owner's
 * unbinding deletes both (`autoReplyUnbindCascade`, handed to the account lifecycle by the wiring),
 * so that a later owner of the account never answers with the previous owner's rules.
 */
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import { DynamoAccountReads } from '#shared/adapters/dynamodb/account-store.ts';
import type { TransactItem } from '#shared/db/transactions.ts';
import type { AutoReplyRule, AutoReplySet } from '#shared/domain/replies/auto-reply-rules.ts';
import type { AutoReplyConsoleStore, AutoReplyStore } from '#shared/domain/replies/ports.ts';

export const autoReplyKeys = {
  setSk: 'AUTOREPLIES',
  versionSk: 'AUTOREPLIES#VERSION',
};

export class DynamoAutoReplyStore extends DynamoAccountReads implements AutoReplyStore, AutoReplyConsoleStore {
  constructor(client: DynamoDBDocumentClient, table: string) {
    super(client, table);
  }

  async ruleSet(appid: string): Promise<AutoReplySet | undefined> {
    const item = await this.getItem(accountKeys.accountPk(appid), autoReplyKeys.setSk, { consistent: true });
    if (!item) return undefined;
    return { rules: JSON.parse(String(item.rules)) as AutoReplyRule[], updatedAt: String(item.updatedAt), version: String(item.version) };
  }

  async version(appid: string): Promise<string | undefined> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: accountKeys.accountPk(appid), sk: autoReplyKeys.versionSk },
        ConsistentRead: true,
        ProjectionExpression: '#version',
        ExpressionAttributeNames: { '#version': 'version' },
      }),
    );
    return typeof result.Item?.version === 'string' ? result.Item.version : undefined;
  }

  async replace(appid: string, set: { rules: AutoReplyRule[]; updatedAt: string; version: string; ownerTenantId: string }): Promise<void> {
    const pk = accountKeys.accountPk(appid);
    await this.client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: this.table,
              Item: {
                pk,
                sk: autoReplyKeys.setSk,
                rules: JSON.stringify(set.rules),
                version: set.version,
                updatedAt: set.updatedAt,
                ownerTenantId: set.ownerTenantId,
              },
            },
          },
          { Put: { TableName: this.table, Item: { pk, sk: autoReplyKeys.versionSk, version: set.version, updatedAt: set.updatedAt } } },
        ],
      }),
    );
  }
}

/** The deletions of an account's rule set, for the unbinding's transaction (`account-lifecycle.ts`'s `UnbindCascade`). */
export function autoReplyDeletions(table: string, appid: string): TransactItem[] {
  return [autoReplyKeys.setSk, autoReplyKeys.versionSk].map((sk) => ({ Delete: { TableName: table, Key: { pk: accountKeys.accountPk(appid), sk } } }));
}

export const autoReplyUnbindCascade = (table: string) => ({
  itemsToRemove: async (appid: string): Promise<TransactItem[]> => autoReplyDeletions(table, appid),
});
