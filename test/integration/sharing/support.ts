/**
 * The sharing use cases wired to a private table of the embedded engine, with a clock the tests move.
 */
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoAccountLifecycle } from '#shared/adapters/dynamodb/account-lifecycle.ts';
import { DynamoAuditLog } from '#shared/adapters/dynamodb/audit-log.ts';
import { DynamoCommunityStore } from '#shared/adapters/dynamodb/community-store.ts';
import { DynamoRedemptionAttempts } from '#shared/adapters/dynamodb/redemption-attempts.ts';
import { DynamoShareCodeStore } from '#shared/adapters/dynamodb/share-codes.ts';
import { DynamoShareStore } from '#shared/adapters/dynamodb/shared-links.ts';
import { sharingCascadesOn } from '#shared/wiring/sharing.ts';
import type { UnbindDeps } from '#shared/domain/accounts/unbind.ts';
import type { CommunityDeps } from '#shared/domain/communities/communities.ts';
import type { RedeemShareCodeDeps } from '#shared/domain/sharing/redeem-share-code.ts';
import type { CreateShareCodesDeps } from '#shared/domain/sharing/share-codes.ts';
import type { SharesDeps } from '#shared/domain/sharing/shares.ts';
import { DomainError } from '#shared/errors/domain-errors.ts';
import { freshTable, type TestTable } from '#test/integration/support/table.ts';

export interface SharingWorld {
  table: TestTable;
  clock: { now: Date };
  create: CreateShareCodesDeps;
  redeem: RedeemShareCodeDeps;
  shares: SharesDeps;
  communities: CommunityDeps;
  unbind: UnbindDeps;
  /** Every item of the table. */
  scan(): Promise<Record<string, unknown>[]>;
  /** Items under a gsi partition. */
  indexed(index: 'gsi1' | 'gsi2', pk: string): Promise<Record<string, unknown>[]>;
}

export async function sharingWorld(label: string): Promise<SharingWorld> {
  const table = await freshTable(label);
  const { client, name } = table;
  const clock = { now: new Date('2026-03-01T09:00:00.000Z') };
  const now = () => new Date(clock.now);
  const audit = new DynamoAuditLog(client, name);
  const cascades = sharingCascadesOn(client, name);
  return {
    table,
    clock,
    create: { store: new DynamoShareCodeStore(client, name), audit, now },
    redeem: { store: new DynamoShareCodeStore(client, name), attempts: new DynamoRedemptionAttempts(client, name), audit, now, requiredFuncIds: [1, 2, 3] },
    shares: { store: new DynamoShareStore(client, name), audit, now },
    communities: { store: new DynamoCommunityStore(client, name), audit, now },
    unbind: {
      store: new DynamoAccountLifecycle(client, name, {
        unbindCascades: [cascades.unbind],
        releaseCascades: [cascades.release],
      }),
      wechat: { stillAuthorized: async () => false },
      audit,
      now,
    },
    async scan() {
      const items: Record<string, unknown>[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await client.send(new ScanCommand({ TableName: name, ExclusiveStartKey: startKey, ConsistentRead: true }));
        items.push(...(page.Items ?? []));
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return items;
    },
    async indexed(index, pk) {
      const result = await client.send(
        new QueryCommand({ TableName: name, IndexName: index, KeyConditionExpression: `${index}pk = :pk`, ExpressionAttributeValues: { ':pk': pk } }),
      );
      return result.Items ?? [];
    },
  };
}

/** The error code a promise rejects with, or `resolved`. */
export async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return error instanceof DomainError ? error.code : `unexpected: ${String(error)}`;
  }
}
