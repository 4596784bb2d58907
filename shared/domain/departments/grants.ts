/**
 * Department grants (API.md §3 `PUT|GET /v1/departments/{departmentId}/accounts`, admin): which of
 * the tenant's accounts the members of one department may read. Department ids are the console's
 * own (the JWT's departments claim) and are matched exactly: the hub knows no hierarchy, so a parent
 * department's grant is not a child's.
 *
 * A PUT names the whole set. Every appid must be an account the tenant holds (owned or shared), else
 * the PUT is `not_found` and changes nothing; the details list the appids the tenant does not hold,
 * which are the caller's own input and say nothing about whether another tenant holds them.
 * Unbinding, release and revocation delete the grants of the account with its link; reads still
 * return only grants of accounts the tenant holds, so a grant left by a concurrent change never shows.
 */
import type { Caller } from '#shared/auth/caller.ts';
import type { AuditLog } from '#shared/domain/audit/audit-log.ts';
import type { AccountDirectory } from '#shared/domain/accounts/ports.ts';
import { isLive } from '#shared/domain/accounts/queries.ts';
import type { DepartmentGrantStore } from '#shared/domain/departments/ports.ts';
import { DomainError } from '#shared/errors/domain-errors.ts';

export const MAX_GRANTS_PER_DEPARTMENT = 100;
export const departmentIdPattern = /^[A-Za-z0-9_.:@-]{1,128}$/;

export interface DepartmentGrants {
  departmentId: string;
  appids: string[];
}

export class DepartmentAccess {
  constructor(
    private readonly directory: AccountDirectory,
    private readonly store: DepartmentGrantStore,
    private readonly audit: AuditLog,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async read(caller: Caller, departmentId: string): Promise<DepartmentGrants> {
    const [stored, held] = await Promise.all([this.store.granted(caller.tenantId, departmentId), this.heldAppids(caller.tenantId)]);
    return { departmentId, appids: stored.filter((appid) => held.has(appid)).sort() };
  }

  async replace(caller: Caller, departmentId: string, appids: readonly string[]): Promise<DepartmentGrants> {
    const wanted = [...new Set(appids)].sort();
    const held = await this.heldAppids(caller.tenantId);
    const unknown = wanted.filter((appid) => !held.has(appid));
    if (unknown.length > 0) {
      throw new DomainError('not_found', 'Some of these accounts are not among your accounts.', { details: { appids: unknown } });
    }
    const stored = await this.store.granted(caller.tenantId, departmentId);
    const storedSet = new Set(stored);
    const wantedSet = new Set(wanted);
    const added = wanted.filter((appid) => !storedSet.has(appid));
    const removed = stored.filter((appid) => !wantedSet.has(appid)).sort();
    if (added.length === 0 && removed.length === 0) return { departmentId, appids: wanted };

    const at = this.now().toISOString();
    await this.store.replace(caller.tenantId, departmentId, { added, removed, grantedBy: caller.userId, at });
    // The trail names accounts the tenant still holds; grants left by an unbinding go unmentioned.
    const revoked = removed.filter((appid) => held.has(appid));
    await this.audit.record(caller.tenantId, {
      at,
      actor: caller.userId,
      action: 'department.grants_changed',
      details: { departmentId, granted: added, revoked },
    });
    return { departmentId, appids: wanted };
  }

  private async heldAppids(tenantId: string): Promise<Set<string>> {
    const links = await this.directory.linksOf(tenantId);
    const accounts = await this.directory.accounts(links.map((link) => link.appid));
    return new Set(links.filter((link) => isLive(link, accounts.get(link.appid))).map((link) => link.appid));
  }
}
