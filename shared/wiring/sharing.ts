/**
 * The sharing area wired to the table: share codes, redemption with its failure budget, the owner's
 * shares, and what an unbinding or a release takes with it from the sharing area (the rule of
 * `shared/domain/sharing/cascades.ts`, turned into the lifecycle's transaction items).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ReleaseCascade, UnbindCascade } from '#shared/adapters/dynamodb/account-lifecycle.ts';
import { DynamoRedemptionAttempts } from '#shared/adapters/dynamodb/redemption-attempts.ts';
import { DynamoShareCodeStore } from '#shared/adapters/dynamodb/share-codes.ts';
import { DynamoShareStore } from '#shared/adapters/dynamodb/shared-links.ts';
import { DynamoSharingCascadeReads, sharingRemovalItems } from '#shared/adapters/dynamodb/sharing-cascade.ts';
import { db, tableName } from '#shared/db/client.ts';
import { whatReleaseTakes, whatUnbindingTakes } from '#shared/domain/sharing/cascades.ts';
import type { RedeemShareCodeDeps } from '#shared/domain/sharing/redeem-share-code.ts';
import type { CreateShareCodesDeps } from '#shared/domain/sharing/share-codes.ts';
import type { SharesDeps } from '#shared/domain/sharing/shares.ts';
import { auditLog, now } from '#shared/wiring/common.ts';
import { eventOutbox } from '#shared/wiring/events.ts';
import { tenantRequiredFuncIds } from '#shared/wiring/tenants.ts';

export function createShareCodesDeps(): CreateShareCodesDeps {
  return { store: new DynamoShareCodeStore(db(), tableName()), audit: auditLog(), now };
}

export function redeemShareCodeDeps(): RedeemShareCodeDeps {
  return {
    store: new DynamoShareCodeStore(db(), tableName()),
    attempts: new DynamoRedemptionAttempts(db(), tableName()),
    audit: auditLog(),
    now,
    // The recipient's effective policy (`redeem-share-code.ts`).
    requiredFuncIds: tenantRequiredFuncIds(),
    events: eventOutbox(),
  };
}

export function sharesDeps(): SharesDeps {
  return { store: new DynamoShareStore(db(), tableName()), audit: auditLog(), now, events: eventOutbox() };
}

/** The sharing area's part of an unbinding and of a release, as the account lifecycle's cascade hooks. */
export function sharingCascadesOn(client: DynamoDBDocumentClient, table: string, clock: () => Date = now): { unbind: UnbindCascade; release: ReleaseCascade } {
  const reads = new DynamoSharingCascadeReads(client, table);
  return {
    unbind: { itemsToRemove: async (appid) => sharingRemovalItems(table, appid, await whatUnbindingTakes(appid, reads), clock().toISOString()) },
    release: {
      itemsToRemove: async (tenantId, appid) => sharingRemovalItems(table, appid, await whatReleaseTakes(tenantId, appid, reads), clock().toISOString()),
    },
  };
}
