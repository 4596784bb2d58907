/**
 * Token vending for the product's other services (API.md "Internal route"): they must not refresh
 * WeChat tokens themselves — WeChat invalidates the previous token on every refresh, so two
 * refreshers break each other — so they ask the hub for the current one.
 *
 * - An active account: its current access token and expiry, refreshed first (under the lease, so
 *   any number of concurrent requests cause one refresh) when it is expired. Never the refresh token.
 * - WeChat refused the account's refresh token (61023): `503 try_again` with `Retry-After` while the
 *   hub recovers it in the background (`token-recovery.ts`); the account stays active.
 * - An account the hub holds in another status: `422 account_not_active`; one it does not hold: 404.
 * - Every answer about a held account is audited in its owner's trail, with the calling service's
 *   name only: its full ARN names the platform's AWS account, which is none of the tenant's business.
 */
import type { AuditLog } from '#shared/domain/audit/audit-log.ts';
import { systemClock, type Clock } from '#shared/domain/tokens/clock.ts';
import type { VendedToken } from '#shared/domain/tokens/authorizer-token.ts';
import { DomainError, NotFound } from '#shared/errors/domain-errors.ts';

export interface VendingDependencies {
  tokens: { currentWithExpiry(appid: string): Promise<VendedToken> };
  /** The owner of a held account (read only when the token is refused). */
  ownerOf(appid: string): Promise<string | undefined>;
  audit: Pick<AuditLog, 'record'>;
  clock?: Clock;
}

/** Who asked: a short name for the trail, and the full caller identity (the SigV4 caller's ARN in AWS, for the logs only). */
export interface CallingService {
  name: string;
  arn: string;
}

export interface VendedAccessToken {
  appid: string;
  accessToken: string;
  expiresAt: string;
}

export async function vendAccessToken(appid: string, service: CallingService, deps: VendingDependencies): Promise<VendedAccessToken> {
  const clock = deps.clock ?? systemClock;
  const audit = (tenantId: string, action: string, details: Record<string, unknown>) =>
    deps.audit.record(tenantId, {
      at: new Date(clock.now()).toISOString(),
      actor: `service:${service.name}`,
      action,
      appid,
      details,
    });

  let vended: VendedToken;
  try {
    vended = await deps.tokens.currentWithExpiry(appid);
  } catch (error) {
    if (!(error instanceof DomainError) || error.code !== 'account_not_active') throw error;
    const status = error.details?.status;
    if (status === 'unknown') throw new NotFound(`The hub holds no account ${appid}.`);
    const owner = await deps.ownerOf(appid);
    if (owner) await audit(owner, 'access_token.refused', { status });
    throw error;
  }
  if (vended.ownerTenantId) await audit(vended.ownerTenantId, 'access_token.vended', { expiresAt: vended.expiresAt });
  return { appid, accessToken: vended.accessToken, expiresAt: vended.expiresAt };
}

/**
 * The calling service from its IAM identity: `…:user/service/<name>` (the local service tokens) or
 * `…:user/<name>` → the user name; `…:assumed-role/<role>/<session>` → the role; any other ARN → the
 * last part of its resource (never the account id it holds); anything else as is.
 */
export function callingService(arn: string): CallingService {
  const assumed = /:assumed-role\/([^/]+)\//.exec(arn);
  if (assumed) return { name: assumed[1]!, arn };
  const user = /:user\/(?:.*\/)?([^/]+)$/.exec(arn);
  if (user) return { name: user[1]!, arn };
  const resource = /^arn:[^:]*:[^:]*:[^:]*:[^:]*:(.+)$/.exec(arn);
  if (resource) return { name: resource[1]!.split(/[/:]/).filter(Boolean).pop() ?? 'unknown', arn };
  return { name: arn, arn };
}
