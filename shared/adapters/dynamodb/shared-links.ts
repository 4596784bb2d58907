/**
 * Recipients' links (the shares of an account) in the one table (keys: `account-keys.ts`):
 *
 * | item | pk | sk | gsi1pk / gsi1sk |
 * |---|---|---|---|
 * | shared link | `TENANT#<tenantId>` | `LINK#<appid>` | `ACCOUNT#<appid>#LINKS` / `shared#<tenantId>` |
 *
 * One Query lists an account's recipients (gsi1 of the links, `shared#`). Revoking a recipient
 * removes its link and its department grants of the account in one transaction that also requires
 * the recipient's community counter to be zero (`community-store.ts`), after unlinking its
 * communities: a community linked meanwhile sends it round again. The grants are read with
 * `grantKeysOf` (`account-lifecycle.ts`), the one query of a tenant's grants of an account.
 */
import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import { grantKeysOf } from '#shared/adapters/dynamodb/account-lifecycle.ts';
import { DynamoAccountReads, linkFromItem } from '#shared/adapters/dynamodb/account-store.ts';
import { linkedCommunities, refsDeletion, unlinkAllCommunities } from '#shared/adapters/dynamodb/community-store.ts';
import { deleteCodes, unusedCodeHashes } from '#shared/adapters/dynamodb/share-codes.ts';
import { refusedByCondition } from '#shared/db/conditions.ts';
import { queryAll } from '#shared/db/query-all.ts';
import { TRANSACTION_LIMIT, type TransactItem } from '#shared/db/transactions.ts';
import type { Share, ShareStore } from '#shared/domain/sharing/ports.ts';

type Item = Record<string, unknown>;

/** The recipients' links of an account (gsi1 of the links, `shared#`). */
export function sharedLinkItems(client: DynamoDBDocumentClient, table: string, appid: string): Promise<Item[]> {
  return queryAll(client, table, {
    IndexName: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :links AND begins_with(gsi1sk, :shared)',
    ExpressionAttributeValues: { ':links': accountKeys.linksOfAccount(appid), ':shared': 'shared#' },
  });
}

/** The deletion of a recipient's link for a cascade (also fine when it is already gone). */
export const sharedLinkDeletion = (table: string, tenantId: string, appid: string): TransactItem => ({
  Delete: {
    TableName: table,
    Key: { pk: accountKeys.tenantPk(tenantId), sk: accountKeys.linkSk(appid) },
    ConditionExpression: 'attribute_not_exists(pk) OR #role = :shared',
    ExpressionAttributeNames: { '#role': 'role' },
    ExpressionAttributeValues: { ':shared': 'shared' },
  },
});

/** The account reads are `DynamoAccountReads`' (strongly consistent: a revocation decides on the link). */
export class DynamoShareStore extends DynamoAccountReads implements ShareStore {
  constructor(client: DynamoDBDocumentClient, table: string) {
    super(client, table, { consistent: true });
  }

  async shares(appid: string): Promise<Share[]> {
    const [links, linked] = await Promise.all([sharedLinkItems(this.client, this.table, appid), linkedCommunities(this.client, this.table, appid)]);
    const counts = new Map<string, number>();
    for (const community of linked) counts.set(community.tenantId, (counts.get(community.tenantId) ?? 0) + 1);
    return links.map(linkFromItem).map((link) => ({
      tenantId: link.tenantId,
      linkedAt: link.linkedAt,
      includePayment: link.includePayment === true,
      communities: counts.get(link.tenantId) ?? 0,
    }));
  }

  async deleteUnusedCodes(appid: string): Promise<number> {
    const codes = await unusedCodeHashes(this.client, this.table, appid);
    await deleteCodes(this.client, this.table, codes);
    return codes.length;
  }

  async recipients(appid: string): Promise<string[]> {
    return (await sharedLinkItems(this.client, this.table, appid)).map((item) => String(item.tenantId));
  }

  async revokeRecipient(appid: string, tenantId: string): Promise<{ result: 'revoked' | 'not_shared'; communitiesUnlinked: number }> {
    let communitiesUnlinked = 0;
    for (let round = 1; round <= 5; round++) {
      const link = await this.link(tenantId, appid);
      if (!link || link.role !== 'shared') return { result: round === 1 ? 'not_shared' : 'revoked', communitiesUnlinked };
      communitiesUnlinked += await unlinkAllCommunities(this.client, this.table, appid, tenantId);

      const grants = (await grantKeysOf(this.client, this.table, tenantId, appid)).map((Key): TransactItem => ({ Delete: { TableName: this.table, Key } }));
      const core: TransactItem[] = [
        {
          Delete: {
            TableName: this.table,
            Key: { pk: accountKeys.tenantPk(tenantId), sk: accountKeys.linkSk(appid) },
            ConditionExpression: '#role = :shared',
            ExpressionAttributeNames: { '#role': 'role' },
            ExpressionAttributeValues: { ':shared': 'shared' },
          },
        },
        // Only while no community links: one linked since the unlinking above sends us round again.
        refsDeletion(this.table, tenantId, appid, true),
      ];
      const room = TRANSACTION_LIMIT - core.length;
      try {
        await this.client.send(new TransactWriteCommand({ TransactItems: [...core, ...grants.slice(0, room)] }));
      } catch (error) {
        if (!refusedByCondition(error)) throw error;
        continue;
      }
      // Grants beyond what fits go only once the link is gone: a grant without its link gives no
      // access, while a revocation that gives up must leave the share as it was.
      for (let start = room; start < grants.length; start += TRANSACTION_LIMIT) {
        await this.client.send(new TransactWriteCommand({ TransactItems: grants.slice(start, start + TRANSACTION_LIMIT) }));
      }
      return { result: 'revoked', communitiesUnlinked };
    }
    throw new Error(`the share of ${appid} with ${tenantId} kept changing while it was being revoked`);
  }
}
