/**
 * What an owner's unbinding and a recipient's release take with them from the sharing area, and when a
 * release is refused (DESIGN.md §3 "Unbinding", API.md §3 `DELETE /v1/accounts/{appid}`). The account
 * lifecycle removes the account's own items (link, tokens, quota slot) and the accounts area decides
 * the department grants (`shared/domain/accounts/unbind.ts` `grantsUnbindingTakes`); these are the
 * rest, decided here and written by the lifecycle's transactions (`shared/wiring/sharing.ts` hands
 * them over, `shared/adapters/dynamodb/sharing-cascade.ts` translates them into items). An unbinding
 * reads them again after each pass until what is left fits its final transaction: each read is
 * made from what is still there, so a pass cut short is resumed by the next one.
 *
 * - Unbinding: every community's account and payment links to the account, every involved tenant's
 *   community counter (the owner's, the recipients', any tenant with a linked community), the
 *   recipients' links (the share ends with the binding) and the unused codes.
 * - Release: refused with `409 communities_still_linked` while any of the recipient's communities
 *   links to the account or its payment interface; otherwise the recipient's counter goes, on
 *   condition that nothing links, so a community linked meanwhile cancels the release.
 */
import type { AccountReads } from '#shared/domain/accounts/ports.ts';
import type { LinkedCommunity } from '#shared/domain/communities/ports.ts';
import { DomainError } from '#shared/errors/domain-errors.ts';

/** What the rule reads. */
export interface SharingCascadeReads extends Pick<AccountReads, 'account'> {
  linkedCommunities(appid: string, tenantId?: string): Promise<LinkedCommunity[]>;
  /** The tenants the account is shared with. */
  recipients(appid: string): Promise<string[]>;
  /** The hashes of the account's unused share codes. */
  unusedCodes(appid: string): Promise<string[]>;
}

/** The sharing items an unbinding or a release removes. */
export interface SharingRemovals {
  /** Communities whose links to the account (and its payment interface) go. */
  communityLinks: LinkedCommunity[];
  /** Tenants whose community counter of the account goes; `onlyIfUnlinked`: only while nothing links. */
  communityCounters: { tenantId: string; onlyIfUnlinked: boolean }[];
  /** Recipients whose shared link goes (their department grants go with it, the accounts area's part). */
  recipientLinks: string[];
  /** Hashes of unused share codes that go. */
  unusedCodes: string[];
}

export async function whatUnbindingTakes(appid: string, reads: SharingCascadeReads): Promise<SharingRemovals> {
  const [linked, recipients, codes] = await Promise.all([reads.linkedCommunities(appid), reads.recipients(appid), reads.unusedCodes(appid)]);
  const tenants = new Set([...linked.map((community) => community.tenantId), ...recipients]);
  const account = await reads.account(appid);
  if (account) tenants.add(account.ownerTenantId);
  return {
    communityLinks: linked,
    communityCounters: [...tenants].map((tenantId) => ({ tenantId, onlyIfUnlinked: false })),
    recipientLinks: recipients,
    unusedCodes: codes,
  };
}

export async function whatReleaseTakes(tenantId: string, appid: string, reads: Pick<SharingCascadeReads, 'linkedCommunities'>): Promise<SharingRemovals> {
  const linked = await reads.linkedCommunities(appid, tenantId);
  if (linked.length > 0) throw communitiesStillLinked(appid, linked.length);
  return { communityLinks: [], communityCounters: [{ tenantId, onlyIfUnlinked: true }], recipientLinks: [], unusedCodes: [] };
}

export function communitiesStillLinked(appid: string, count: number): DomainError {
  return new DomainError(
    'communities_still_linked',
    `${count} of your communities still link to ${appid} or its payment interface. Unlink them (DELETE /v1/accounts/${appid}/communities), then release the account.`,
    { details: { appid, communities: count } },
  );
}
