/**
 * Department grants in the table (keys: `account-keys.ts`): `pk = TENANT#<tenantId>`,
 * `sk = DEPT#<departmentId>#<appid>`, attributes `type = DepartmentGrant`, `tenantId`,
 * `departmentId`, `appid`, `grantedAt`, `grantedBy`. One Query reads a department's accounts; one
 * BatchGet tells whether any of a member's departments holds one account.
 *
 * Department ids never contain `#` (`^[A-Za-z0-9_.:@-]{1,128}$`), so the prefix `DEPT#<id>#` of
 * one department is never the prefix of another's.
 */
import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import { batchGetAll } from '#shared/db/batch.ts';
import { queryAll } from '#shared/db/query-all.ts';
import { TRANSACTION_LIMIT, type TransactItem } from '#shared/db/transactions.ts';
import type { GrantLookup } from '#shared/domain/accounts/ports.ts';
import type { DepartmentGrantStore } from '#shared/domain/departments/ports.ts';

export class DynamoDepartmentGrants implements DepartmentGrantStore, GrantLookup {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly transactionLimit: number = TRANSACTION_LIMIT,
  ) {}

  async granted(tenantId: string, departmentId: string): Promise<string[]> {
    const prefix = accountKeys.grantPrefix(departmentId);
    const items = await queryAll(this.client, this.table, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': accountKeys.tenantPk(tenantId), ':prefix': prefix },
      ProjectionExpression: 'sk',
      ConsistentRead: true,
    });
    return items.map((item) => String(item.sk).slice(prefix.length));
  }

  async replace(
    tenantId: string,
    departmentId: string,
    change: { added: readonly string[]; removed: readonly string[]; grantedBy: string; at: string },
  ): Promise<void> {
    const pk = accountKeys.tenantPk(tenantId);
    const revocations: TransactItem[] = change.removed.map((appid) => ({
      Delete: { TableName: this.table, Key: { pk, sk: accountKeys.grantSk(departmentId, appid) } },
    }));
    const grants: TransactItem[] = change.added.map((appid) => ({
      Put: {
        TableName: this.table,
        Item: { pk, sk: accountKeys.grantSk(departmentId, appid), type: 'DepartmentGrant', tenantId, departmentId, appid, grantedAt: change.at, grantedBy: change.grantedBy },
      },
    }));
    // Revocations go first, in their own transactions, so that no moment shows more access than
    // either the old or the new set. Each transaction touches an item at most once (the two lists
    // are disjoint), and each is idempotent, so repeating the whole PUT completes a partial one.
    for (const batch of [...chunks(revocations, this.transactionLimit), ...chunks(grants, this.transactionLimit)]) {
      await this.client.send(new TransactWriteCommand({ TransactItems: batch }));
    }
  }

  async grantedToAny(tenantId: string, departmentIds: readonly string[]): Promise<Set<string>> {
    const lists = await Promise.all([...new Set(departmentIds)].map((departmentId) => this.granted(tenantId, departmentId)));
    return new Set(lists.flat());
  }

  async isGrantedToAny(tenantId: string, departmentIds: readonly string[], appid: string): Promise<boolean> {
    if (departmentIds.length === 0) return false;
    const pk = accountKeys.tenantPk(tenantId);
    const keys = [...new Set(departmentIds)].map((departmentId) => ({ pk, sk: accountKeys.grantSk(departmentId, appid) }));
    const found = await batchGetAll(this.client, this.table, keys, { consistent: true });
    return found.length > 0;
  }
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}
