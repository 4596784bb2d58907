/**
 * `PATCH /v1/accounts/{appid}` (admin): the tenant's default account and whether the account's
 * pushes reach the tenant in plaintext. The default lives on the tenant's settings, so "at most one
 * default per tenant" holds by construction; the plaintext flag lives on the tenant's link, so an
 * owner and a recipient each keep their own.
 *
 * Every write is conditional on the link still existing: an unbind that lands between the read and
 * the write wins, and the PATCH answers `not_found` instead of resurrecting the link.
 */
import type { Caller } from '#shared/auth/caller.ts';
import { DomainError } from '#shared/errors/domain-errors.ts';
import type { AuditLog } from '#shared/domain/audit/audit-log.ts';
import type { AccountView } from '#shared/domain/accounts/model.ts';
import { accountNotFound } from '#shared/domain/accounts/errors.ts';
import type { AccountQueries } from '#shared/domain/accounts/queries.ts';

export interface SettingsChange {
  isDefault?: boolean;
  plaintextAuthorization?: boolean;
}

/** What a settings write does to the tenant's default account. */
export type DefaultChange = { kind: 'set' } | { kind: 'clear' } | { kind: 'keep' };

export type SettingsWriteOutcome = 'written' | 'link_gone' | 'default_moved';

export interface AccountSettingsStore {
  /**
   * Applies the change in one transaction, conditional on the link existing. `clear` removes the
   * default only while it is still `appid` (else `default_moved`, and nothing is written).
   */
  write(tenantId: string, appid: string, change: { plaintextAuthorization?: boolean; defaultChange: DefaultChange }): Promise<SettingsWriteOutcome>;
}

/** Attempts when another request moves the default between our read and our write. */
const MAX_ATTEMPTS = 3;

export class AccountSettings {
  constructor(
    private readonly queries: AccountQueries,
    private readonly store: AccountSettingsStore,
    private readonly audit: AuditLog,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async update(caller: Caller, appid: string, change: SettingsChange): Promise<AccountView> {
    for (let attempt = 1; ; attempt += 1) {
      // Strongly consistent: what is left to write, and a retry after `default_moved`, start from the latest state.
      const before = await this.queries.get(caller, appid, { consistent: true });
      const changes: Record<string, { from: boolean; to: boolean }> = {};
      let defaultChange: DefaultChange = { kind: 'keep' };
      if (change.isDefault !== undefined && change.isDefault !== before.isDefault) {
        defaultChange = change.isDefault ? { kind: 'set' } : { kind: 'clear' };
        changes.isDefault = { from: before.isDefault, to: change.isDefault };
      }
      const plaintextChanged = change.plaintextAuthorization !== undefined && change.plaintextAuthorization !== before.plaintextAuthorization;
      if (plaintextChanged) changes.plaintextAuthorization = { from: before.plaintextAuthorization, to: change.plaintextAuthorization! };
      if (Object.keys(changes).length === 0) return before;

      const outcome = await this.store.write(caller.tenantId, appid, {
        ...(plaintextChanged ? { plaintextAuthorization: change.plaintextAuthorization! } : {}),
        defaultChange,
      });
      if (outcome === 'link_gone') throw accountNotFound();
      // Another request made another account the default meanwhile: read again and redo what is left.
      if (outcome === 'default_moved' && attempt < MAX_ATTEMPTS) continue;
      if (outcome === 'default_moved') throw new DomainError('internal_error', 'The default account kept changing while this request ran. Try again.');
      await this.audit.record(caller.tenantId, {
        at: this.now().toISOString(),
        actor: caller.userId,
        action: 'settings.changed',
        appid,
        details: changes,
      });
      // Strongly consistent: the answer shows what was just written.
      return this.queries.get(caller, appid, { consistent: true });
    }
  }
}
