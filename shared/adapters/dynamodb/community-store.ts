/**
 * Communities in the one table (DESIGN.md §2: "a tenant's communities; the communities linked to an
 * account"). Attribute names are the model's (`shared/domain/communities/model.ts`, `ports.ts`); an unlinked
 * field is absent rather than null, so the sparse indexes hold only real links.
 *
 * | item | pk | sk | gsi1pk / gsi1sk | gsi2pk / gsi2sk |
 * |---|---|---|---|---|
 * | community | `TENANT#<tenantId>` | `COMMUNITY#<communityId>` | `ACCOUNT#<appid>#COMMUNITIES` / `<tenantId>#<communityId>` (while linked to the account) | `ACCOUNT#<appid>#PAYMENT_COMMUNITIES` / `<tenantId>#<communityId>` (while linked to the payment interface) |
 * | community links of a tenant to an account | `TENANT#<tenantId>` | `COMMUNITYREFS#<appid>` | — | — |
 *
 * One Query per access pattern: a tenant's communities (`COMMUNITY#` under the tenant), the
 * communities linked to an account or its payment interface (gsi1 / gsi2), one tenant's among them
 * (the same with `begins_with(<tenantId>#)`: neither ids nor tenant ids contain `#`).
 *
 * `COMMUNITYREFS#<appid>` counts how many of the tenant's account and payment links point at the
 * appid (`refs`; a community linked to both counts twice). Every write that links or unlinks moves
 * it in the same transaction, so a release or a revocation can require `refs = 0` in its own
 * transaction: a community linked concurrently makes that transaction fail and the caller decide
 * again, instead of leaving a community linked to an account the tenant no longer holds. The
 * linking transaction in turn checks the tenant's link and the account, so it cannot land after
 * the link is gone.
 */
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import { DynamoAccountReads } from '#shared/adapters/dynamodb/account-store.ts';
import { refusedByCondition } from '#shared/db/conditions.ts';
import { queryAll, type QueryInput } from '#shared/db/query-all.ts';
import { TRANSACTION_LIMIT, type TransactItem } from '#shared/db/transactions.ts';
import type { Community } from '#shared/domain/communities/model.ts';
import type { CommunityRecord, CommunityStore, CommunityWrite, LinkedCommunity } from '#shared/domain/communities/ports.ts';

type Item = Record<string, unknown>;
/** Rounds of "read the links again and unlink" before giving up on a table that keeps changing. */
const UNLINK_ROUNDS = 5;

export const communityKeys = {
  communitySk: (communityId: string) => `COMMUNITY#${communityId}`,
  communityPrefix: 'COMMUNITY#',
  accountCommunities: (appid: string) => `ACCOUNT#${appid}#COMMUNITIES`,
  paymentCommunities: (appid: string) => `ACCOUNT#${appid}#PAYMENT_COMMUNITIES`,
  indexSk: (tenantId: string, communityId: string) => `${tenantId}#${communityId}`,
  refsSk: (appid: string) => `COMMUNITYREFS#${appid}`,
};

export function communityFromItem(item: Item): CommunityRecord {
  return {
    tenantId: String(item.tenantId),
    communityId: String(item.communityId),
    accountAppId: typeof item.accountAppId === 'string' ? item.accountAppId : null,
    paymentAppId: typeof item.paymentAppId === 'string' ? item.paymentAppId : null,
    updatedAt: String(item.updatedAt),
    version: Number(item.version ?? 0),
  };
}

export type { LinkedCommunity };

/** The account reads are `DynamoAccountReads`' (eventually consistent). */
export class DynamoCommunityStore extends DynamoAccountReads implements CommunityStore {
  constructor(
    client: DynamoDBDocumentClient,
    table: string,
    private readonly transactionLimit: number = TRANSACTION_LIMIT,
  ) {
    super(client, table);
  }

  async communities(tenantId: string): Promise<Community[]> {
    const items = await queryAll(this.client, this.table, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': accountKeys.tenantPk(tenantId), ':prefix': communityKeys.communityPrefix },
    });
    return items.map(communityFromItem);
  }

  async community(tenantId: string, communityId: string): Promise<CommunityRecord | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: accountKeys.tenantPk(tenantId), sk: communityKeys.communitySk(communityId) }, ConsistentRead: true }),
    );
    return result.Item ? communityFromItem(result.Item) : undefined;
  }

  async write(change: CommunityWrite): Promise<'written' | 'changed'> {
    const { tenantId, communityId, before } = change;
    const item: Item = {
      pk: accountKeys.tenantPk(tenantId),
      sk: communityKeys.communitySk(communityId),
      type: 'Community',
      tenantId,
      communityId,
      updatedAt: change.at,
      version: (before?.version ?? 0) + 1,
    };
    if (change.accountAppId) {
      Object.assign(item, {
        accountAppId: change.accountAppId,
        gsi1pk: communityKeys.accountCommunities(change.accountAppId),
        gsi1sk: communityKeys.indexSk(tenantId, communityId),
      });
    }
    if (change.paymentAppId) {
      Object.assign(item, {
        paymentAppId: change.paymentAppId,
        gsi2pk: communityKeys.paymentCommunities(change.paymentAppId),
        gsi2sk: communityKeys.indexSk(tenantId, communityId),
      });
    }
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.table,
          Item: item,
          ...(before
            ? { ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':version': before.version } }
            : { ConditionExpression: 'attribute_not_exists(pk)' }),
        },
      },
    ];

    const deltas = new Map<string, number>();
    const move = (appid: string | null | undefined, by: number) => {
      if (appid) deltas.set(appid, (deltas.get(appid) ?? 0) + by);
    };
    move(before?.accountAppId, -1);
    move(before?.paymentAppId, -1);
    move(change.accountAppId, +1);
    move(change.paymentAppId, +1);
    for (const [appid, delta] of deltas) if (delta !== 0) items.push(this.moveRefs(tenantId, appid, delta));

    for (const requirement of change.requirements) {
      const owner = requirement.role === 'owner';
      items.push({
        ConditionCheck: {
          TableName: this.table,
          Key: { pk: accountKeys.tenantPk(tenantId), sk: accountKeys.linkSk(requirement.appid) },
          ConditionExpression: `#role = :role${requirement.payment && !owner ? ' AND includePayment = :yes' : ''}`,
          ExpressionAttributeNames: { '#role': 'role' },
          ExpressionAttributeValues: { ':role': requirement.role, ...(requirement.payment && !owner ? { ':yes': true } : {}) },
        },
      });
      items.push({
        ConditionCheck: {
          TableName: this.table,
          Key: { pk: accountKeys.accountPk(requirement.appid), sk: accountKeys.accountSk },
          ConditionExpression: `#status = :active${owner ? ' AND ownerTenantId = :tenant' : ''}`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':active': 'active', ...(owner ? { ':tenant': tenantId } : {}) },
        },
      });
    }
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
      return 'written';
    } catch (error) {
      if (refusedByCondition(error)) return 'changed';
      throw error;
    }
  }

  unlinkAll(appid: string, tenantId?: string): Promise<number> {
    return unlinkAllCommunities(this.client, this.table, appid, tenantId, this.transactionLimit);
  }

  /** The communities linked to the account or its payment interface, every tenant's or one tenant's. */
  linkedCommunities(appid: string, tenantId?: string): Promise<LinkedCommunity[]> {
    return linkedCommunities(this.client, this.table, appid, tenantId);
  }

  private moveRefs(tenantId: string, appid: string, delta: number): TransactItem {
    return moveRefs(this.table, tenantId, appid, delta);
  }
}

// ---- the community items' translations, for the stores of the items that hang on the same links --------
// (the sharing store's revocation and the unbinding cascade use these, never a community store of their own)

/** The communities linked to the account or its payment interface, every tenant's or one tenant's. */
export async function linkedCommunities(client: DynamoDBDocumentClient, table: string, appid: string, tenantId?: string): Promise<LinkedCommunity[]> {
  const indexed = (index: string, pkName: string, skName: string, pk: string): Promise<Item[]> =>
    queryAll(client, table, {
      IndexName: index,
      KeyConditionExpression: tenantId ? `${pkName} = :pk AND begins_with(${skName}, :tenant)` : `${pkName} = :pk`,
      ExpressionAttributeValues: { ':pk': pk, ...(tenantId ? { ':tenant': `${tenantId}#` } : {}) },
    } satisfies QueryInput);
  const [accountLinks, paymentLinks] = await Promise.all([
    indexed('gsi1', 'gsi1pk', 'gsi1sk', communityKeys.accountCommunities(appid)),
    indexed('gsi2', 'gsi2pk', 'gsi2sk', communityKeys.paymentCommunities(appid)),
  ]);
  const byKey = new Map<string, LinkedCommunity>();
  const entry = (item: Item) => {
    const key = `${String(item.tenantId)}#${String(item.communityId)}`;
    let found = byKey.get(key);
    if (!found) {
      found = { tenantId: String(item.tenantId), communityId: String(item.communityId), account: false, payment: false };
      byKey.set(key, found);
    }
    return found;
  };
  for (const item of accountLinks) if (item.accountAppId === appid) entry(item).account = true;
  for (const item of paymentLinks) if (item.paymentAppId === appid) entry(item).payment = true;
  return [...byKey.values()];
}

/** Unlinks every community (only `tenantId`'s when given) from the account and its payment interface; how many changed. */
export async function unlinkAllCommunities(
  client: DynamoDBDocumentClient,
  table: string,
  appid: string,
  tenantId: string | undefined,
  transactionLimit: number = TRANSACTION_LIMIT,
): Promise<number> {
  let unlinked = 0;
  for (let round = 1; round <= UNLINK_ROUNDS; round++) {
    const linked = await linkedCommunities(client, table, appid, tenantId);
    if (linked.length === 0) return unlinked;
    const { written, complete } = await unlink(client, table, appid, linked, transactionLimit);
    unlinked += written;
    if (complete) return unlinked;
  }
  throw new Error(`the communities of ${appid} kept changing while they were being unlinked`);
}

/**
 * The updates that take every community's links to `appid` away, for a cascade that also removes the
 * tenants' `COMMUNITYREFS#<appid>` items (so no counter moves here).
 */
export function unlinkItems(table: string, appid: string, linked: readonly LinkedCommunity[], at: string): TransactItem[] {
  return linked.map((community) => unlinkUpdate(table, appid, community, at));
}

/** The tenant's counter item, for a cascade to delete (optionally only while nothing links). */
export function refsDeletion(table: string, tenantId: string, appid: string, onlyIfUnlinked: boolean): TransactItem {
  return {
    Delete: {
      TableName: table,
      Key: { pk: accountKeys.tenantPk(tenantId), sk: communityKeys.refsSk(appid) },
      ...(onlyIfUnlinked ? { ConditionExpression: 'attribute_not_exists(pk) OR refs <= :zero', ExpressionAttributeValues: { ':zero': 0 } } : {}),
    },
  };
}

/** Unlinks in transactions of at most the limit, each moving the counters of what it unlinked. */
async function unlink(
  client: DynamoDBDocumentClient,
  table: string,
  appid: string,
  linked: readonly LinkedCommunity[],
  transactionLimit: number,
): Promise<{ written: number; complete: boolean }> {
  const at = new Date().toISOString();
  const sorted = [...linked].sort((a, b) => a.tenantId.localeCompare(b.tenantId));
  let written = 0;
  let complete = true;
  let chunk: LinkedCommunity[] = [];
  const tenantsOf = (communities: LinkedCommunity[]) => new Set(communities.map((c) => c.tenantId)).size;
  const flush = async () => {
    if (chunk.length === 0) return;
    const refs = new Map<string, number>();
    for (const community of chunk) refs.set(community.tenantId, (refs.get(community.tenantId) ?? 0) - Number(community.account) - Number(community.payment));
    const items = [...unlinkItems(table, appid, chunk, at), ...[...refs].map(([tenantId, delta]) => moveRefs(table, tenantId, appid, delta))];
    try {
      await client.send(new TransactWriteCommand({ TransactItems: items }));
      written += chunk.length;
    } catch (error) {
      if (!refusedByCondition(error)) throw error;
      complete = false;
    }
    chunk = [];
  };
  for (const community of sorted) {
    // The chunk with this community: its updates plus one counter update per tenant.
    if (chunk.length + 1 + tenantsOf([...chunk, community]) > transactionLimit) await flush();
    chunk.push(community);
  }
  await flush();
  return { written, complete };
}

function unlinkUpdate(table: string, appid: string, community: LinkedCommunity, at: string): TransactItem {
  const removes: string[] = [];
  const conditions: string[] = [];
  if (community.account) {
    removes.push('accountAppId', 'gsi1pk', 'gsi1sk');
    conditions.push('accountAppId = :appid');
  }
  if (community.payment) {
    removes.push('paymentAppId', 'gsi2pk', 'gsi2sk');
    conditions.push('paymentAppId = :appid');
  }
  return {
    Update: {
      TableName: table,
      Key: { pk: accountKeys.tenantPk(community.tenantId), sk: communityKeys.communitySk(community.communityId) },
      UpdateExpression: `SET updatedAt = :at ADD version :one REMOVE ${removes.join(', ')}`,
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeValues: { ':appid': appid, ':at': at, ':one': 1 },
    },
  };
}

function moveRefs(table: string, tenantId: string, appid: string, delta: number): TransactItem {
  return {
    Update: {
      TableName: table,
      Key: { pk: accountKeys.tenantPk(tenantId), sk: communityKeys.refsSk(appid) },
      UpdateExpression: 'ADD refs :delta SET #type = :type, tenantId = :tenant, appid = :appid',
      ExpressionAttributeNames: { '#type': 'type' },
      ExpressionAttributeValues: { ':delta': delta, ':type': 'CommunityRefs', ':tenant': tenantId, ':appid': appid },
    },
  };
}
