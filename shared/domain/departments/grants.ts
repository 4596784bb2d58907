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
 *
 * Concurrent PUTs of one department never merge: each computes its change from the set it read and
 * writes it only while the department is still at the version it read (the store's condition). A
 * PUT that loses reads the new set and computes its change again, after a short random pause, so the
 * department ends with exactly one of the sets asked for. Retries are bounded (`retry`); a PUT still
 * losing after them answers `503 try_again` with `Retry-After` and has changed nothing.
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

/** How a PUT that lost to a concurrent change tries again. */
export interface GrantRetry {
  /** Writes tried before the PUT answers `try_again`. */
  attempts: number;
  /** The pause before the n-th retry is random, up to `firstPauseMs` · 2^(n-1) and at most `maxPauseMs`. */
  firstPauseMs: number;
  maxPauseMs: number;
  sleep: (ms: number) => Promise<void>;
  /** In [0, 1). */
  random: () => number;
}

export const defaultGrantRetry: GrantRetry = {
  attempts: 10,
  firstPauseMs: 25,
  maxPauseMs: 800,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/** What a PUT answers when its retries ran out: nothing changed; sending it again is safe. */
export const departmentBusy = (departmentId: string): DomainError =>
  new DomainError('try_again', `The accounts of department ${departmentId} kept changing while this change was written; nothing was changed. Send it again.`, {
    headers: { 'Retry-After': '1' },
  });

export class DepartmentAccess {
  private readonly retry: GrantRetry;

  constructor(
    private readonly directory: AccountDirectory,
    private readonly store: DepartmentGrantStore,
    private readonly audit: AuditLog,
    private readonly now: () => Date = () => new Date(),
    retry: Partial<GrantRetry> = {},
  ) {
    this.retry = { ...defaultGrantRetry, ...retry };
  }

  async read(caller: Caller, departmentId: string): Promise<DepartmentGrants> {
    const [stored, held] = await Promise.all([this.store.granted(caller.tenantId, departmentId), this.heldAppids(caller.tenantId)]);
    return { departmentId, appids: stored.appids.filter((appid) => held.has(appid)).sort() };
  }

  async replace(caller: Caller, departmentId: string, appids: readonly string[]): Promise<DepartmentGrants> {
    const wanted = [...new Set(appids)].sort();
    const held = await this.heldAppids(caller.tenantId);
    const unknown = wanted.filter((appid) => !held.has(appid));
    if (unknown.length > 0) {
      throw new DomainError('not_found', 'Some of these accounts are not among your accounts.', { details: { appids: unknown } });
    }
    const wantedSet = new Set(wanted);
    for (let attempt = 1; attempt <= this.retry.attempts; attempt += 1) {
      if (attempt > 1) await this.pause(attempt - 1);
      const stored = await this.store.granted(caller.tenantId, departmentId);
      const at = this.now().toISOString();
      // Another PUT is writing a change too large for one transaction: wait for its end.
      if (stored.changingUntil !== undefined && stored.changingUntil > at) continue;
      const storedSet = new Set(stored.appids);
      const added = wanted.filter((appid) => !storedSet.has(appid));
      const removed = stored.appids.filter((appid) => !wantedSet.has(appid)).sort();
      // Even an unchanged set is confirmed by a write at the version read: the answer is then the set stored at that moment.
      const outcome = await this.store.replace(caller.tenantId, departmentId, { version: stored.version, added, removed, grantedBy: caller.userId, at });
      if (outcome === 'changed') continue;
      if (added.length > 0 || removed.length > 0) {
        // The trail names accounts the tenant still holds; grants left by an unbinding go unmentioned.
        const revoked = removed.filter((appid) => held.has(appid));
        await this.audit.record(caller.tenantId, {
          at,
          actor: caller.userId,
          action: 'department.grants_changed',
          details: { departmentId, granted: added, revoked },
        });
      }
      return { departmentId, appids: wanted };
    }
    throw departmentBusy(departmentId);
  }

  private pause(retry: number): Promise<void> {
    const ceiling = Math.min(this.retry.maxPauseMs, this.retry.firstPauseMs * 2 ** (retry - 1));
    return this.retry.sleep(Math.floor(this.retry.random() * ceiling));
  }

  private async heldAppids(tenantId: string): Promise<Set<string>> {
    const links = await this.directory.linksOf(tenantId);
    const accounts = await this.directory.accounts(links.map((link) => link.appid));
    return new Set(links.filter((link) => isLive(link, accounts.get(link.appid))).map((link) => link.appid));
  }
}
