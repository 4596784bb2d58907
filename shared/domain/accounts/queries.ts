/**
 * The console's reads of accounts (API.md §3 `GET /v1/accounts`, `GET /v1/accounts/{appid}`) and who
 * may see what:
 * - an admin sees every account its tenant owns or was shared;
 * - a member sees only the accounts granted to one of its own departments, by exact department id
 *   (a parent department's grant is not a child's: the hub knows no hierarchy);
 * - an account the tenant has no link to — never bound, bound by another tenant, or unbound by its
 *   owner (the owner's link is gone) — is `not_found`, whoever asks, so another tenant's accounts
 *   cannot be probed;
 * - an account of the caller's own tenant that none of a member's departments was granted is
 *   `forbidden`: the member learns nothing it could not learn from its admin, and the answer says
 *   what is wrong (the role/department rule of API.md §1) rather than pretending the account is gone.
 *
 * `missingPermissions` is judged against the effective binding policy of the tenant that looks: for
 * an owner its own (the policy its bindings are admitted under); for a recipient of a share its own
 * too, never the owner's — what the account lacks for the recipient's own requirements, and no other
 * tenant's settings leak through the answer. So owner and recipient may see different lists.
 */
import type { Caller } from '#shared/auth/caller.ts';
import { Forbidden } from '#shared/errors/domain-errors.ts';
import { accountNotFound } from '#shared/domain/accounts/errors.ts';
import { toAccountView, type AccountRecord, type AccountView, type TenantLink } from '#shared/domain/accounts/model.ts';
import { requiredFuncIdsOf, type AccountDirectory, type GrantLookup, type ReadOptions, type RequiredFuncIds } from '#shared/domain/accounts/ports.ts';

/**
 * A link counts while the tenant still holds the account: an owner's link to an account it unbound
 * (or another organisation took over) is never shown. A recipient's link is deleted by the owner's
 * unbinding in the same cascade, so while it exists it counts.
 */
export function isLive(link: TenantLink, account: AccountRecord | undefined): account is AccountRecord {
  if (!account) return false;
  if (link.role === 'owner') return account.status !== 'unbound' && account.ownerTenantId === link.tenantId;
  return true;
}

export class AccountQueries {
  constructor(
    private readonly directory: AccountDirectory,
    private readonly grants: GrantLookup,
    private readonly requiredFuncIds: RequiredFuncIds,
  ) {}

  /** The accounts the caller may see, owned first, then shared, each group by appid. */
  async list(caller: Caller): Promise<AccountView[]> {
    const [links, settings, granted, required] = await Promise.all([
      this.directory.linksOf(caller.tenantId),
      this.directory.tenantSettings(caller.tenantId),
      caller.isAdmin ? Promise.resolve(undefined) : this.grants.grantedToAny(caller.tenantId, caller.departments),
      requiredFuncIdsOf(this.requiredFuncIds, caller.tenantId),
    ]);
    const visible = granted ? links.filter((link) => granted.has(link.appid)) : links;
    const accounts = await this.directory.accounts(visible.map((link) => link.appid));
    return visible
      .filter((link) => isLive(link, accounts.get(link.appid)))
      .sort((a, b) => (a.role === b.role ? a.appid.localeCompare(b.appid) : a.role === 'owner' ? -1 : 1))
      .map((link) => toAccountView(accounts.get(link.appid)!, link, settings, required));
  }

  /** One account of the caller's tenant; `not_found` or `forbidden` per the rules above. */
  async get(caller: Caller, appid: string, read: ReadOptions = {}): Promise<AccountView> {
    const { account, link } = await this.visibleLink(caller.tenantId, appid, read);
    if (!caller.isAdmin && !(await this.grants.isGrantedToAny(caller.tenantId, caller.departments, appid))) {
      throw new Forbidden('None of your departments was granted this account.');
    }
    const [settings, required] = await Promise.all([
      this.directory.tenantSettings(caller.tenantId, read),
      requiredFuncIdsOf(this.requiredFuncIds, caller.tenantId),
    ]);
    return toAccountView(account, link, settings, required);
  }

  /** The tenant's live link to `appid` and the account, or `not_found`. */
  async visibleLink(tenantId: string, appid: string, read: ReadOptions = {}): Promise<{ link: TenantLink; account: AccountRecord }> {
    const [link, account] = await Promise.all([this.directory.link(tenantId, appid, read), this.directory.account(appid, read)]);
    if (!link || !isLive(link, account)) throw accountNotFound();
    return { link, account };
  }
}
