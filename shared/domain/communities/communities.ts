/**
 * The communities use cases (DESIGN.md "Property management", API.md §3):
 * - `GET /v1/communities`: the tenant's communities;
 * - `PUT /v1/communities/{communityId}`: creates the community on first use and links it to an
 *   account the tenant owns or was shared (active), and to an account's payment interface (owned, or
 *   shared with `includePayment`); `null` unlinks, an absent field leaves the link as it is;
 * - `DELETE /v1/accounts/{appid}/communities`: the owner unlinks every tenant's communities from the
 *   account and its payment interface, a recipient only its own.
 * A link that stays as it was is not checked again: a community keeps pointing at an account that
 * was revoked meanwhile until someone unlinks it, which is exactly what release and unbinding need.
 */
import type { AuditLog } from '#shared/domain/audit/audit-log.ts';
import { accountNotActive } from '#shared/domain/accounts/errors.ts';
import { heldAccount } from '#shared/domain/sharing/access.ts';
import { toCommunityView, type Community } from '#shared/domain/communities/model.ts';
import type { CommunityStore, LinkRequirement } from '#shared/domain/communities/ports.ts';
import { DomainError, Forbidden } from '#shared/errors/domain-errors.ts';

export interface CommunityDeps {
  store: CommunityStore;
  audit: Pick<AuditLog, 'record'>;
  now: () => Date;
}

export async function listCommunities(tenantId: string, deps: Pick<CommunityDeps, 'store'>): Promise<Community[]> {
  const communities = await deps.store.communities(tenantId);
  return communities.map(toCommunityView).sort((a, b) => a.communityId.localeCompare(b.communityId));
}

export interface PutCommunityInput {
  tenantId: string;
  userId: string;
  communityId: string;
  /** `undefined`: leave as it is; `null`: unlink. */
  accountAppId?: string | null;
  paymentAppId?: string | null;
}

export async function putCommunity(input: PutCommunityInput, deps: CommunityDeps): Promise<Community> {
  const { tenantId, communityId } = input;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const before = await deps.store.community(tenantId, communityId);
    const accountAppId = input.accountAppId === undefined ? (before?.accountAppId ?? null) : input.accountAppId;
    const paymentAppId = input.paymentAppId === undefined ? (before?.paymentAppId ?? null) : input.paymentAppId;

    const requirements = new Map<string, LinkRequirement>();
    if (accountAppId !== null && accountAppId !== (before?.accountAppId ?? null)) {
      requirements.set(accountAppId, await requirementOf(tenantId, accountAppId, false, deps));
    }
    if (paymentAppId !== null && paymentAppId !== (before?.paymentAppId ?? null)) {
      const payment = await requirementOf(tenantId, paymentAppId, true, deps);
      requirements.set(paymentAppId, payment);
    }

    const at = deps.now().toISOString();
    const change = { tenantId, communityId, accountAppId, paymentAppId, at, requirements: [...requirements.values()], ...(before ? { before } : {}) };
    if ((await deps.store.write(change)) === 'changed') continue;
    await deps.audit.record(tenantId, { at, actor: input.userId, action: 'community.updated', details: { communityId, accountAppId, paymentAppId } });
    return { communityId, accountAppId, paymentAppId, updatedAt: at };
  }
  throw new DomainError('internal_error', 'The community kept changing while it was being updated. Try again.');
}

async function requirementOf(tenantId: string, appid: string, payment: boolean, deps: CommunityDeps): Promise<LinkRequirement> {
  const { link, account } = await heldAccount(deps.store, tenantId, appid);
  if (account.status !== 'active') throw accountNotActive(appid, account.status);
  if (payment && link.role === 'shared' && link.includePayment !== true) {
    throw new Forbidden(`The share of ${appid} does not include its payment interface.`);
  }
  return { appid, role: link.role, payment };
}

export interface UnlinkCommunitiesInput {
  tenantId: string;
  userId: string;
  appid: string;
}

export async function unlinkCommunities(input: UnlinkCommunitiesInput, deps: CommunityDeps): Promise<{ unlinked: number }> {
  const { tenantId, appid } = input;
  const { link } = await heldAccount(deps.store, tenantId, appid);
  const unlinked = await deps.store.unlinkAll(appid, link.role === 'owner' ? undefined : tenantId);
  await deps.audit.record(tenantId, {
    at: deps.now().toISOString(),
    actor: input.userId,
    action: 'communities.unlinked',
    appid,
    details: { unlinked, scope: link.role === 'owner' ? 'every tenant' : 'own' },
  });
  return { unlinked };
}
