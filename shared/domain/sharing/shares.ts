/**
 * The owner's view and control of an account's shares (API.md §3):
 * - `GET …/shares`: the recipients, when they redeemed, whether they may use the payment interface,
 *   and how many of their communities link to the account or its payment interface;
 * - `DELETE …/shares`: revokes every share — the unused codes first, so no redemption can slip in
 *   behind the revocation, then each recipient's link with its communities' account and payment
 *   links and its department grants;
 * - `DELETE …/shares/{tenantId}`: the same for one recipient. Revoking a tenant that holds no share
 *   answers `204` as well: the state asked for holds.
 * Recipients are told (`share.revoked` in their own audit trail) as well as the owner.
 */
import type { AuditLog } from '#shared/domain/audit/audit-log.ts';
import { detailTypes, shareEvent } from '#shared/domain/events/model.ts';
import type { EventOutbox } from '#shared/domain/events/ports.ts';
import { publishAfter } from '#shared/domain/events/publish.ts';
import { ownedAccount } from '#shared/domain/sharing/access.ts';
import type { Share, ShareStore } from '#shared/domain/sharing/ports.ts';

export interface SharesDeps {
  store: ShareStore;
  audit: Pick<AuditLog, 'record'>;
  now: () => Date;
  /** The event bus's outbox (API.md §6): `Share Revoked`. */
  events?: EventOutbox;
}

interface OwnerRequest {
  tenantId: string;
  userId: string;
  appid: string;
}

export async function listShares(request: Omit<OwnerRequest, 'userId'>, deps: Pick<SharesDeps, 'store'>): Promise<Share[]> {
  await ownedAccount(deps.store, request.tenantId, request.appid);
  const shares = await deps.store.shares(request.appid);
  return shares.sort((a, b) => a.linkedAt.localeCompare(b.linkedAt) || a.tenantId.localeCompare(b.tenantId));
}

export async function revokeShares(request: OwnerRequest, deps: SharesDeps): Promise<{ recipients: number; codes: number }> {
  const { tenantId, appid } = request;
  await ownedAccount(deps.store, tenantId, appid);
  const codes = await deps.store.deleteUnusedCodes(appid);
  let recipients = 0;
  for (const recipient of await deps.store.recipients(appid)) {
    if (await revokeOne(request, recipient, deps)) recipients += 1;
  }
  await deps.audit.record(tenantId, {
    at: deps.now().toISOString(),
    actor: request.userId,
    action: 'share.revoked',
    appid,
    details: { recipients, unusedCodesDeleted: codes },
  });
  return { recipients, codes };
}

export async function revokeShare(request: OwnerRequest & { recipientTenantId: string }, deps: SharesDeps): Promise<'revoked' | 'not_shared'> {
  const { tenantId, appid, recipientTenantId } = request;
  await ownedAccount(deps.store, tenantId, appid);
  if (recipientTenantId === tenantId) return 'not_shared';
  const revoked = await revokeOne(request, recipientTenantId, deps);
  if (revoked) {
    await deps.audit.record(tenantId, {
      at: deps.now().toISOString(),
      actor: request.userId,
      action: 'share.revoked',
      appid,
      details: { tenantId: recipientTenantId },
    });
  }
  return revoked ? 'revoked' : 'not_shared';
}

async function revokeOne(request: OwnerRequest, recipientTenantId: string, deps: SharesDeps): Promise<boolean> {
  // Read before the revocation: the event says whether the share included the payment interface.
  const share = deps.events ? (await deps.store.shares(request.appid)).find((candidate) => candidate.tenantId === recipientTenantId) : undefined;
  const { result, communitiesUnlinked } = await deps.store.revokeRecipient(request.appid, recipientTenantId);
  if (result === 'not_shared') return false;
  const at = deps.now().toISOString();
  await publishAfter(
    deps.events,
    shareEvent(detailTypes.shareRevoked, {
      appid: request.appid,
      ownerTenantId: request.tenantId,
      tenantId: recipientTenantId,
      includePayment: share?.includePayment === true,
      at,
    }),
  );
  await deps.audit.record(recipientTenantId, {
    at: deps.now().toISOString(),
    actor: `tenant:${request.tenantId}`,
    action: 'share.revoked',
    appid: request.appid,
    details: { communitiesUnlinked },
  });
  return true;
}
