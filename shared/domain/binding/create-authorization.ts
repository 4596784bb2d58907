/**
 * POST /v1/authorizations: an authorization link for one admin (DESIGN.md §3 "Binding").
 *
 * Each link gets its own pre-auth code (WeChat accepts one only once) and its own random 128-bit
 * `state`, stored for 30 minutes under its SHA-256 with the tenant and the user: the callback
 * learns from it whom the authorization is for, and spends it once. The links handed out are the
 * hub's own page (`authorization-page.ts`), which rebuilds WeChat's URL from what is stored here: the
 * component appid and the pre-auth code, sealed with the state.
 *
 * The admin's binding options (API.md §3: `openPlatform`, `plaintextAuthorization`) are stored with
 * the state exactly as the request said them — an option left out stays absent — and the callback
 * applies them (`complete-authorization.ts`): a new binding takes the defaults (`'create'`, `true`),
 * a re-authorization keeps what the account has.
 */
import { randomBytes } from 'node:crypto';
import { Forbidden, NotFound } from '#shared/errors/domain-errors.ts';
import { sealPreAuthCode } from '#shared/domain/binding/authorization-page.ts';
import { authorizePageUrl } from '#shared/domain/binding/authorization-urls.ts';
import type { AccountStore, AuthorizationStates, BindingChoices, BindingWeChat } from '#shared/domain/binding/ports.ts';
import { fromWeChat } from '#shared/domain/binding/wechat-binding.ts';

export const STATE_LIFETIME_MS = 30 * 60_000;

export interface AuthorizationLink {
  authorizeUrl: string;
  mobileAuthorizeUrl: string;
  /** ISO: the earlier of the state's and the pre-auth code's expiry. */
  expiresAt: string;
}

export interface CreateAuthorizationDeps {
  wechat: Pick<BindingWeChat, 'componentAppId' | 'createPreAuthCode'>;
  states: Pick<AuthorizationStates, 'save'>;
  accounts: Pick<AccountStore, 'account' | 'link'>;
  publicBaseUrl: string;
  now: () => Date;
  /** 128 random bits, base64url. */
  newState?: () => string;
}

export const randomState = (): string => randomBytes(16).toString('base64url');

export async function createAuthorizationLink(
  request: { tenantId: string; userId: string; appid?: string; choices?: BindingChoices },
  deps: CreateAuthorizationDeps,
): Promise<AuthorizationLink> {
  if (request.appid) {
    // Only the owner re-authorizes; an account of another tenant is "not found" (API.md §1: never
    // reveal which), while a recipient, which sees the account, hears why it may not (as on every
    // owner-only route).
    const account = await deps.accounts.account(request.appid);
    if (account && account.status !== 'unbound' && account.ownerTenantId !== request.tenantId) {
      const link = await deps.accounts.link(request.tenantId, request.appid);
      if (link?.role === 'shared') throw new Forbidden('Only the tenant that owns the account can re-authorize it; it is shared with your organisation.');
    }
    if (!account || account.ownerTenantId !== request.tenantId || account.status === 'unbound') {
      throw new NotFound('No account with this appid is bound by your organisation.');
    }
  }

  const [componentAppId, preAuth] = await Promise.all([
    deps.wechat.componentAppId(),
    // WeChat's refusals become `wechat_error` (502); `wechat_not_ready` (no ticket yet) passes through.
    deps.wechat.createPreAuthCode().catch((error: unknown) => Promise.reject(fromWeChat(error))),
  ]);
  const now = deps.now();
  const state = (deps.newState ?? randomState)();
  const stateExpiresAt = new Date(now.getTime() + STATE_LIFETIME_MS);
  const codeExpiresAt = new Date(now.getTime() + preAuth.expiresIn * 1000);
  await deps.states.save(state, {
    tenantId: request.tenantId,
    userId: request.userId,
    ...(request.appid ? { appid: request.appid } : {}),
    ...(saidChoices(request.choices) ?? {}),
    createdAt: now.toISOString(),
    expiresAt: stateExpiresAt.toISOString(),
    page: { componentAppId, sealedPreAuthCode: sealPreAuthCode(state, preAuth.preAuthCode), preAuthCodeExpiresAt: codeExpiresAt.toISOString() },
  });

  return {
    authorizeUrl: authorizePageUrl(deps.publicBaseUrl, state, 'pc'),
    mobileAuthorizeUrl: authorizePageUrl(deps.publicBaseUrl, state, 'mobile'),
    expiresAt: new Date(Math.min(stateExpiresAt.getTime(), codeExpiresAt.getTime())).toISOString(),
  };
}

/** The options the request said, or nothing when it said none. */
function saidChoices(choices: BindingChoices | undefined): { choices: BindingChoices } | undefined {
  if (!choices) return undefined;
  const said: BindingChoices = {
    ...(choices.openPlatform !== undefined ? { openPlatform: choices.openPlatform } : {}),
    ...(choices.plaintextAuthorization !== undefined ? { plaintextAuthorization: choices.plaintextAuthorization } : {}),
  };
  return Object.keys(said).length > 0 ? { choices: said } : undefined;
}
