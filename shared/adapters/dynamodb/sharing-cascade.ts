/**
 * The sharing part of an unbinding or a release, on the table: the reads the domain rule
 * (`shared/domain/sharing/cascades.ts`) decides from, and the translation of what it decided into
 * transaction items for the account lifecycle's transactions (`account-lifecycle.ts`). Keys are those
 * of `share-codes.ts`, `shared-links.ts` and `community-store.ts`.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoAccountReads } from '#shared/adapters/dynamodb/account-store.ts';
import { linkedCommunities, refsDeletion, unlinkItems } from '#shared/adapters/dynamodb/community-store.ts';
import { codeDeletion, unusedCodeHashes } from '#shared/adapters/dynamodb/share-codes.ts';
import { sharedLinkDeletion, sharedLinkItems } from '#shared/adapters/dynamodb/shared-links.ts';
import type { TransactItem } from '#shared/db/transactions.ts';
import type { LinkedCommunity } from '#shared/domain/communities/ports.ts';
import type { SharingCascadeReads, SharingRemovals } from '#shared/domain/sharing/cascades.ts';

export class DynamoSharingCascadeReads extends DynamoAccountReads implements SharingCascadeReads {
  constructor(client: DynamoDBDocumentClient, table: string) {
    super(client, table);
  }

  linkedCommunities(appid: string, tenantId?: string): Promise<LinkedCommunity[]> {
    return linkedCommunities(this.client, this.table, appid, tenantId);
  }

  async recipients(appid: string): Promise<string[]> {
    return (await sharedLinkItems(this.client, this.table, appid)).map((item) => String(item.tenantId));
  }

  unusedCodes(appid: string): Promise<string[]> {
    return unusedCodeHashes(this.client, this.table, appid);
  }
}

/**
 * The items that remove what the rule decided, for the lifecycle's transactions, in an order that a
 * cascade cut between two chunks can resume: the counters first (their tenants are found through the
 * community links and the recipients' links), then the community links, the recipients' links, the codes.
 */
export function sharingRemovalItems(table: string, appid: string, removals: SharingRemovals, at: string): TransactItem[] {
  return [
    ...removals.communityCounters.map((counter) => refsDeletion(table, counter.tenantId, appid, counter.onlyIfUnlinked)),
    ...unlinkItems(table, appid, removals.communityLinks, at),
    ...removals.recipientLinks.map((tenantId) => sharedLinkDeletion(table, tenantId, appid)),
    ...removals.unusedCodes.map((codeHash) => codeDeletion(table, codeHash)),
  ];
}
