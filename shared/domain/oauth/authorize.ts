/**
 * `GET /v1/oauth/{appid}/authorize` (API.md §2, "Web authorization"): a product page sends a WeChat
 * visitor here; the hub picks the tenant, remembers where to return under a fresh `state` and sends
 * the browser to WeChat's component authorization page (WECHAT.md §11.2).
 *
 * - 404 when the hub has no such account or no tenant holds it (an unbound account has no holder);
 *   422 `account_not_active` when it is revoked or awaits re-authorization.
 * - The tenant is the one holding the account (owner first, then recipients by tenant id) whose
 *   allowed origins contain the `redirect_uri`'s origin (`origins.ts`); none → 400 `redirect_not_allowed`.
 *   So the hub never redirects anywhere a tenant of the account did not allow.
 * - The scope is the page's, else `snsapi_userinfo` when that tenant's `plaintextAuthorization` is on
 *   (明文授权), else `snsapi_base`.
 * - The state is 192 random bits, single use, kept 10 minutes under its SHA-256, and bound to the
 *   appid, the tenant, the normalized `redirect_uri`, the page's state and the scope.
 */
import { randomBytes } from 'node:crypto';
import { accountNotActive } from '#shared/domain/accounts/errors.ts';
import { redirectNotAllowed } from '#shared/domain/oauth/errors.ts';
import { checkRedirect, type OriginPolicy } from '#shared/domain/oauth/origins.ts';
import type { AccountHolder, OAuthAccountLookup, OAuthOriginStore, OAuthScope, OAuthStates } from '#shared/domain/oauth/ports.ts';
import { oauthCallbackUrl, wechatAuthorizeUrl } from '#shared/domain/oauth/wechat-urls.ts';
import { NotFound } from '#shared/errors/domain-errors.ts';

export const OAUTH_STATE_TTL_MS = 10 * 60_000;

export interface AuthorizeRequest {
  appid: string;
  redirectUri: string;
  /** The page's own state (≤ 128 characters), echoed back to it. */
  state?: string;
  scope?: OAuthScope;
}

export interface StartWebAuthorizationDeps {
  accounts: OAuthAccountLookup;
  origins: OAuthOriginStore;
  states: OAuthStates;
  componentAppId: () => Promise<string>;
  policy: OriginPolicy;
  publicBaseUrl: string;
  openBase: string;
  now: () => Date;
  /** 192 random bits, base64url (tests fix it). */
  randomState?: () => string;
}

export const randomOAuthState = (): string => randomBytes(24).toString('base64url');

/** The scope the tenant's 明文授权 flag picks when the page names none. */
export const defaultScope = (holder: Pick<AccountHolder, 'plaintextAuthorization'>): OAuthScope =>
  holder.plaintextAuthorization ? 'snsapi_userinfo' : 'snsapi_base';

/** Owner first, then recipients in tenant-id order: the choice never depends on the index's order. */
const byPrecedence = (a: AccountHolder, b: AccountHolder): number => (a.role === b.role ? a.tenantId.localeCompare(b.tenantId) : a.role === 'owner' ? -1 : 1);

/** The URL of WeChat's authorization page for this visitor. */
export async function startWebAuthorization(request: AuthorizeRequest, deps: StartWebAuthorizationDeps): Promise<{ wechatUrl: string }> {
  const [status, holders] = await Promise.all([deps.accounts.status(request.appid), deps.accounts.holders(request.appid)]);
  if (status === undefined || status === 'unbound' || holders.length === 0) throw new NotFound('No such account.');
  if (status !== 'active') throw accountNotActive(request.appid, status);

  const redirect = checkRedirect(request.redirectUri, deps.policy);
  if ('problem' in redirect) throw redirectNotAllowed(redirect.problem);
  const allowed = await deps.origins.ofTenants(holders.map((holder) => holder.tenantId));
  const holder = [...holders].sort(byPrecedence).find((candidate) => allowed.get(candidate.tenantId)?.includes(redirect.origin));
  if (!holder) throw redirectNotAllowed(`its origin ${redirect.origin} is not among the allowed origins of a tenant holding the account`);

  const scope = request.scope ?? defaultScope(holder);
  const state = (deps.randomState ?? randomOAuthState)();
  const now = deps.now();
  await deps.states.save(state, {
    appid: request.appid,
    tenantId: holder.tenantId,
    redirectUri: redirect.href,
    ...(request.state !== undefined ? { pageState: request.state } : {}),
    scope,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + OAUTH_STATE_TTL_MS).toISOString(),
  });
  const wechatUrl = wechatAuthorizeUrl({
    openBase: deps.openBase,
    appid: request.appid,
    redirectUri: oauthCallbackUrl(deps.publicBaseUrl),
    scope,
    state,
    componentAppId: await deps.componentAppId(),
  });
  return { wechatUrl };
}
