/**
 * The account area's domain errors (API.md §1), declared once: every use case that needs an active
 * account, or answers for an account the tenant does not hold, throws these.
 */
import type { AccountStatus } from '#shared/domain/accounts/model.ts';
import { DomainError, NotFound } from '#shared/errors/domain-errors.ts';

const statusInWords: Record<AccountStatus | 'unknown', string> = {
  active: 'is active',
  revoked: 'is revoked (it no longer authorizes the platform in WeChat)',
  reauthorization_required: 'needs re-authorization by an admin (WeChat refuses its refresh token)',
  unbinding: 'is being unbound',
  unbound: 'is unbound',
  unknown: 'is not bound to the hub',
};

/** `422 account_not_active`: the account is revoked / needs re-authorization and the action needs an active one. */
export function accountNotActive(appid: string, status: AccountStatus | 'unknown'): DomainError {
  return new DomainError('account_not_active', `The account ${appid} ${statusInWords[status]}; this needs an active account.`, { details: { appid, status } });
}

/** The same answer for "never here", "another tenant's" and "unbound": nothing is revealed. */
export const accountNotFound = (): NotFound => new NotFound('No such account among your accounts.');
