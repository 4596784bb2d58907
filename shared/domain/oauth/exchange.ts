/**
 * `POST /v1/internal/oauth/exchange` (API.md §3): the page's back end trades the one-time code from
 * the callback for the `OAuthUser`, once. Unknown, used and expired codes all answer
 * `410 oauth_code_invalid` (no oracle). The code is spent by a conditional delete, so of two
 * concurrent exchanges exactly one gets the user.
 */
import { oauthCodeInvalid } from '#shared/domain/oauth/errors.ts';
import type { OAuthCodes, OAuthUser } from '#shared/domain/oauth/ports.ts';

export interface ExchangeDeps {
  codes: OAuthCodes;
  now: () => Date;
}

export async function exchangeOAuthCode(code: string, deps: ExchangeDeps): Promise<OAuthUser> {
  const record = await deps.codes.spend(code);
  if (!record || Date.parse(record.expiresAt) <= deps.now().getTime()) throw oauthCodeInvalid();
  return record.user;
}
