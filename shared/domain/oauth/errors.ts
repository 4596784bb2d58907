/**
 * The web authorization area's domain errors (API.md §1): an OAuth `redirect_uri` that no tenant
 * holding the account allowed, and a one-time code that does not work (one answer for unknown, used
 * and expired: no oracle).
 */
import { DomainError } from '#shared/errors/domain-errors.ts';

/** `400 redirect_not_allowed`. The redirect itself is never echoed (it may be an attacker's URL). */
export const redirectNotAllowed = (reason: string): DomainError =>
  new DomainError(
    'redirect_not_allowed',
    `The redirect_uri is not allowed: ${reason}. An admin of the tenant holding the account allows origins with PUT /v1/oauth/origins.`,
  );

/** `410 oauth_code_invalid`. */
export const oauthCodeInvalid = (): DomainError =>
  new DomainError('oauth_code_invalid', 'The code is unknown, was already used or has expired. Send the visitor through the authorization again.');
