/**
 * Department grants in the table (keys: `account-keys.ts`):
 *
 * | item | pk | sk | attributes |
 * |---|---|---|---|
 * | grant | `TENANT#<tenantId>` | `DEPT#<departmentId>#<appid>` | `type = DepartmentGrant`, `tenantId`, `departmentId`, `appid`, `grantedAt`, `grantedBy` |
 * | department head | `TENANT#<tenantId>` | `DEPT#<departmentId>` | `type = Department`, `tenantId`, `departmentId`, `version`, `changedAt`, `changedBy`; `writer`, `changingUntil` while a large change is written |
 *
 * One Query reads a department's accounts; one BatchGet tells whether any of a member's departments
 * holds one account; the unbinding and revocation cascades find an account's grants under
 * `DEPT#` by their `appid` (the head has none, so they never touch it). Department ids never contain
 * `#` (`^[A-Za-z0-9_.:@-]{1,128}$`), so the prefix `DEPT#<id>#` of one department is never the prefix
 * of another's, and a head (one `#`) is never a grant (two).
 *
 * Every change of a department's set moves its head to a new `version`, conditioned on the version
 * the change was computed from, so two concurrent PUTs never both land on the same set:
 * - a change that fits one transaction (the changes plus the head) is that one transaction;
 * - a larger one (up to 200 changes: 100 grants replaced by 100 others) first claims the head (new
 *   version, `writer`, `changingUntil` = `at` + the claim's time), then writes revocations, then
 *   grants, in transactions that each check the claim is still its own, and ends by moving the head
 *   to one more version without the claim. Nobody else writes the department meanwhile; a writer
 *   that died leaves a claim that lapses, and the next PUT writes its whole set over what it left.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import { batchGetAll } from '#shared/db/batch.ts';
import { refusedByCondition } from '#shared/db/conditions.ts';
import { queryAll } from '#shared/db/query-all.ts';
import { TRANSACTION_LIMIT, type TransactItem } from '#shared/db/transactions.ts';
import type { GrantLookup } from '#shared/domain/accounts/ports.ts';
import type { DepartmentGrantStore, GrantChange, StoredGrants } from '#shared/domain/departments/ports.ts';

/** How long a claim for a large change holds: far longer than its two to five transactions take. */
export const GRANT_CLAIM_MS = 10_000;

export class DynamoDepartmentGrants implements DepartmentGrantStore, GrantLookup {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly transactionLimit: number = TRANSACTION_LIMIT,
    private readonly claimMs: number = GRANT_CLAIM_MS,
  ) {}

  async granted(tenantId: string, departmentId: string): Promise<StoredGrants> {
    // The head first: a change that lands between the two reads moves the version past the one returned.
    const head = await this.client.send(
      new GetCommand({
        TableName: this.table,
        Key: this.headKey(tenantId, departmentId),
        ConsistentRead: true,
        ProjectionExpression: 'version, changingUntil',
      }),
    );
    const appids = await this.grantedAppids(tenantId, departmentId);
    const changingUntil = head.Item?.changingUntil;
    return { appids, version: Number(head.Item?.version ?? 0), ...(typeof changingUntil === 'string' ? { changingUntil } : {}) };
  }

  async replace(tenantId: string, departmentId: string, change: GrantChange): Promise<'replaced' | 'changed'> {
    const writes = [...this.revocations(tenantId, departmentId, change), ...this.grants(tenantId, departmentId, change)];
    try {
      if (writes.length + 1 <= this.transactionLimit) {
        await this.client.send(new TransactWriteCommand({ TransactItems: [this.moveHead(tenantId, departmentId, change), ...writes] }));
        return 'replaced';
      }
      await this.writeClaimed(tenantId, departmentId, change, writes);
      return 'replaced';
    } catch (error) {
      if (refusedByCondition(error)) return 'changed';
      throw error;
    }
  }

  async grantedToAny(tenantId: string, departmentIds: readonly string[]): Promise<Set<string>> {
    const lists = await Promise.all([...new Set(departmentIds)].map((departmentId) => this.grantedAppids(tenantId, departmentId)));
    return new Set(lists.flat());
  }

  async isGrantedToAny(tenantId: string, departmentIds: readonly string[], appid: string): Promise<boolean> {
    if (departmentIds.length === 0) return false;
    const pk = accountKeys.tenantPk(tenantId);
    const keys = [...new Set(departmentIds)].map((departmentId) => ({ pk, sk: accountKeys.grantSk(departmentId, appid) }));
    const found = await batchGetAll(this.client, this.table, keys, { consistent: true });
    return found.length > 0;
  }

  private async grantedAppids(tenantId: string, departmentId: string): Promise<string[]> {
    const prefix = accountKeys.grantPrefix(departmentId);
    const items = await queryAll(this.client, this.table, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': accountKeys.tenantPk(tenantId), ':prefix': prefix },
      ProjectionExpression: 'sk',
      ConsistentRead: true,
    });
    return items.map((item) => String(item.sk).slice(prefix.length));
  }

  /**
   * Claim, revocations, grants, release. Each transaction touches an item at most once (the two
   * lists are disjoint) and checks the claim first, so none lands once another PUT has taken over.
   */
  private async writeClaimed(tenantId: string, departmentId: string, change: GrantChange, writes: TransactItem[]): Promise<void> {
    const key = this.headKey(tenantId, departmentId);
    const writer = randomUUID();
    const claimed = change.version + 1;
    const until = new Date(Date.parse(change.at) + this.claimMs).toISOString();
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: key,
        ...this.headUpdate(tenantId, departmentId, change, { version: claimed, writer, changingUntil: until }),
      }),
    );
    const stillOurs: TransactItem = {
      ConditionCheck: {
        TableName: this.table,
        Key: key,
        ConditionExpression: 'version = :claimed AND writer = :writer',
        ExpressionAttributeValues: { ':claimed': claimed, ':writer': writer },
      },
    };
    const room = this.transactionLimit - 1;
    for (let start = 0; start < writes.length; start += room) {
      await this.client.send(new TransactWriteCommand({ TransactItems: [stillOurs, ...writes.slice(start, start + room)] }));
    }
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: key,
        UpdateExpression: 'SET version = :released REMOVE writer, changingUntil',
        ConditionExpression: 'version = :claimed AND writer = :writer',
        ExpressionAttributeValues: { ':claimed': claimed, ':writer': writer, ':released': claimed + 1 },
      }),
    );
  }

  /** The head moved from `change.version` to the next one in the change's own transaction. */
  private moveHead(tenantId: string, departmentId: string, change: GrantChange): TransactItem {
    return {
      Update: {
        TableName: this.table,
        Key: this.headKey(tenantId, departmentId),
        ...this.headUpdate(tenantId, departmentId, change, { version: change.version + 1 }),
      },
    };
  }

  /**
   * Sets the head to `to`, only while it is at `change.version` with no live claim (a claim whose
   * `changingUntil` has passed belongs to a writer that died: it is taken over). Version 0 is a
   * department whose head was never written.
   */
  private headUpdate(
    tenantId: string,
    departmentId: string,
    change: GrantChange,
    to: { version: number; writer?: string; changingUntil?: string },
  ): {
    UpdateExpression: string;
    ConditionExpression: string;
    ExpressionAttributeNames: Record<string, string>;
    ExpressionAttributeValues: Record<string, unknown>;
  } {
    const atVersion = change.version === 0 ? 'attribute_not_exists(version)' : 'version = :read';
    const claim = to.writer === undefined ? ' REMOVE writer, changingUntil' : ', writer = :writer, changingUntil = :until';
    return {
      UpdateExpression: `SET #type = :type, tenantId = :tenant, departmentId = :department, version = :next, changedAt = :at, changedBy = :by${claim}`,
      ConditionExpression: `${atVersion} AND (attribute_not_exists(changingUntil) OR changingUntil < :at)`,
      ExpressionAttributeNames: { '#type': 'type' },
      ExpressionAttributeValues: {
        ':type': 'Department',
        ':tenant': tenantId,
        ':department': departmentId,
        ':next': to.version,
        ':at': change.at,
        ':by': change.grantedBy,
        ...(change.version === 0 ? {} : { ':read': change.version }),
        ...(to.writer === undefined ? {} : { ':writer': to.writer, ':until': to.changingUntil }),
      },
    };
  }

  private revocations(tenantId: string, departmentId: string, change: GrantChange): TransactItem[] {
    const pk = accountKeys.tenantPk(tenantId);
    return change.removed.map((appid) => ({ Delete: { TableName: this.table, Key: { pk, sk: accountKeys.grantSk(departmentId, appid) } } }));
  }

  private grants(tenantId: string, departmentId: string, change: GrantChange): TransactItem[] {
    const pk = accountKeys.tenantPk(tenantId);
    return change.added.map((appid) => ({
      Put: {
        TableName: this.table,
        Item: {
          pk,
          sk: accountKeys.grantSk(departmentId, appid),
          type: 'DepartmentGrant',
          tenantId,
          departmentId,
          appid,
          grantedAt: change.at,
          grantedBy: change.grantedBy,
        },
      },
    }));
  }

  private headKey(tenantId: string, departmentId: string): { pk: string; sk: string } {
    return { pk: accountKeys.tenantPk(tenantId), sk: accountKeys.departmentSk(departmentId) };
  }
}
