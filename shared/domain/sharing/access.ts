/**
 * Who may act on an account's shares: only the tenant that owns it. Another tenant learns nothing
 * (`not_found`, as for every account it does not hold); a recipient is told it may not (`forbidden`):
 * it knows the account already, and "only the owner shares" is the answer it needs.
 */
import type { AccountRecord, TenantLink } from '#shared/domain/accounts/model.ts';
import { accountNotActive, accountNotFound } from '#shared/domain/accounts/errors.ts';
import { isLive } from '#shared/domain/accounts/queries.ts';
import { Forbidden } from '#shared/errors/domain-errors.ts';
import type { AccountReads } from '#shared/domain/accounts/ports.ts';

/** The tenant's live link to the account, whatever its role; `not_found` otherwise. */
export async function heldAccount(
  reads: Pick<AccountReads, 'account' | 'link'>,
  tenantId: string,
  appid: string,
): Promise<{ link: TenantLink; account: AccountRecord }> {
  const [link, account] = await Promise.all([reads.link(tenantId, appid), reads.account(appid)]);
  if (!link || !isLive(link, account)) throw accountNotFound();
  return { link, account };
}

/** The account, when the tenant owns it (and, with `active`, while it is active). */
export async function ownedAccount(
  reads: Pick<AccountReads, 'account' | 'link'>,
  tenantId: string,
  appid: string,
  options: { active?: boolean } = {},
): Promise<AccountRecord> {
  const { link, account } = await heldAccount(reads, tenantId, appid);
  if (link.role !== 'owner') throw new Forbidden('Only the tenant that owns the account may manage its shares.');
  if (options.active && account.status !== 'active') throw accountNotActive(appid, account.status);
  return account;
}
