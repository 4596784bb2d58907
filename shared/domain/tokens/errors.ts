/**
 * The tokens area's own domain errors (the account's `account_not_active` is the accounts area's:
 * `shared/domain/accounts/errors.ts`).
 */
import { DomainError } from '#shared/errors/domain-errors.ts';

/** How long a caller waits before asking again while an account's refresh token is being recovered. */
export const RECOVERY_RETRY_AFTER_SECONDS = 10;

/**
 * WeChat refused the account's refresh token (61023) and the hub is recovering it in the background
 * from WeChat's authorizer list (`token-recovery.ts`): `503 try_again` with `Retry-After`. The
 * account is still active; only if WeChat no longer lists it does it become `reauthorization_required`.
 */
export class TokenRecoveryPending extends DomainError {
  constructor(appid: string, retryAfterSeconds = RECOVERY_RETRY_AFTER_SECONDS) {
    super('try_again', `WeChat refused the refresh token of ${appid}; the hub is recovering it. Try again shortly.`, {
      details: { appid, retryAfterSeconds },
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
  }
}
