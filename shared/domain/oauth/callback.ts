/**
 * `GET /v1/oauth/callback` (API.md §2): WeChat returns the visitor here with `code`, our `state` and
 * the `appid` (no `code` when the visitor refused, WECHAT.md §11.3).
 *
 * - The state is spent first, exactly once: a replayed callback, an unknown or expired state yields
 *   nothing — no WeChat call, nothing stored — and the browser lands on `lost`.
 * - No `code`: the page gets `error=access_denied` with its state.
 * - The code is exchanged with the component token (`sns/oauth2/component/access_token`, §11.5);
 *   for `snsapi_userinfo` the profile comes from `sns/userinfo` (§11.7) with the visitor's web
 *   token, which is used for that call only: never stored, returned or logged.
 * - The result is kept under a one-time code (256 random bits, stored as SHA-256, 5 minutes) and the
 *   page gets `code` and its state. `WeChat User Authorized` is announced through `OAuthEvents`
 *   (the wiring puts it in the bus's outbox), with an eventId derived from the spent state.
 * - WeChat refusing the code (40029 invalid, 40163 used, 42003 expired) → `error=invalid_code`; any
 *   other WeChat error → `error=wechat_error`; anything else → `error=server_error`. Nothing is stored.
 */
import { randomBytes } from 'node:crypto';
import { detailTypes, lifecycleEventId } from '#shared/domain/events/model.ts';
import type { OAuthCodes, OAuthEvents, OAuthScope, OAuthStates, OAuthUser, OAuthWeChat, VisitorGrant } from '#shared/domain/oauth/ports.ts';
import { pageUrl } from '#shared/domain/oauth/wechat-urls.ts';
import { WeChatApiError, WeChatNetworkError } from '#shared/wechat/api-errors.ts';

export const OAUTH_CODE_TTL_MS = 5 * 60_000;

/** WeChat's answers for a visitor's code that will never work (WECHAT.md §11.4). */
const CODE_REFUSED = new Set([40029, 40163, 42003]);

export interface CallbackRequest {
  state: string;
  code?: string;
  appid?: string;
}

export type CallbackOutcome =
  /** Back to the product's page, with `code` or `error`, and the page's state. */
  | { kind: 'page'; location: string }
  /** No page is known (the state is unknown, used or expired). */
  | { kind: 'lost' };

export interface CompleteWebAuthorizationDeps {
  states: OAuthStates;
  codes: OAuthCodes;
  wechat: OAuthWeChat;
  events: OAuthEvents;
  now: () => Date;
  log: { warn(message: string, fields?: Record<string, unknown>): void; error(message: string, fields?: Record<string, unknown>): void };
  /** 256 random bits, base64url (tests fix it). */
  randomCode?: () => string;
}

export const randomOAuthCode = (): string => randomBytes(32).toString('base64url');

/** The page's error for a failure after the state was spent. */
function errorOf(error: unknown): string {
  if (error instanceof WeChatApiError) return CODE_REFUSED.has(error.errcode) ? 'invalid_code' : 'wechat_error';
  if (error instanceof WeChatNetworkError) return 'wechat_error';
  return 'server_error';
}

const grantedUserinfo = (grant: VisitorGrant): boolean => grant.scopes.includes('snsapi_userinfo');

export async function completeWebAuthorization(request: CallbackRequest, deps: CompleteWebAuthorizationDeps): Promise<CallbackOutcome> {
  const record = await deps.states.spend(request.state);
  const now = deps.now();
  if (!record || Date.parse(record.expiresAt) <= now.getTime()) {
    deps.log.warn('Web authorization callback with an unknown, used or expired state', { expired: record !== undefined });
    return { kind: 'lost' };
  }
  const back = (params: Record<string, string>): CallbackOutcome => ({
    kind: 'page',
    location: pageUrl(record.redirectUri, { ...params, state: record.pageState }),
  });
  if (request.appid !== undefined && request.appid !== record.appid) {
    deps.log.warn('Web authorization callback for another account than its state', { appid: record.appid });
    return back({ error: 'invalid_request' });
  }
  if (request.code === undefined) return back({ error: 'access_denied' });

  try {
    const grant = await deps.wechat.exchangeCode(record.appid, request.code);
    const scope: OAuthScope = record.scope === 'snsapi_userinfo' && grantedUserinfo(grant) ? 'snsapi_userinfo' : 'snsapi_base';
    const profile = scope === 'snsapi_userinfo' ? await deps.wechat.userInfo(grant.webAccessToken, grant.openid) : undefined;
    const unionid = grant.unionid ?? profile?.unionid;
    const user: OAuthUser = {
      appid: record.appid,
      tenantId: record.tenantId,
      openid: grant.openid,
      ...(unionid ? { unionid } : {}),
      scope,
      ...(profile ? { user: withoutUnionid(profile) } : {}),
    };
    const code = (deps.randomCode ?? randomOAuthCode)();
    await deps.codes.save(code, { user, createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + OAUTH_CODE_TTL_MS).toISOString() });
    await announce(user, request.state, now, deps);
    return back({ code });
  } catch (error) {
    const code = errorOf(error);
    // WeChat's errcode and rid help support; the visitor's code and tokens never reach the log.
    const fields =
      error instanceof WeChatApiError
        ? { errcode: error.errcode, rid: error.rid, api: error.api }
        : { failure: error instanceof Error ? error.name : 'unknown' };
    if (code === 'server_error') deps.log.error('Web authorization failed', fields);
    else deps.log.warn('WeChat refused the web authorization', { ...fields, appid: record.appid });
    return back({ error: code });
  }
}

function withoutUnionid(profile: NonNullable<Awaited<ReturnType<OAuthWeChat['userInfo']>>>): OAuthUser['user'] {
  const { unionid: _unionid, ...user } = profile;
  return user;
}

/**
 * `WeChat User Authorized`: a failure to announce does not undo the visitor's authorization. The
 * eventId names the authorization by its state (hashed with the account and tenant, so neither the
 * state nor anything of the visitor can be read back from it): the same for every delivery of it.
 */
async function announce(user: OAuthUser, state: string, at: Date, deps: CompleteWebAuthorizationDeps): Promise<void> {
  const { user: _profile, ...identity } = user;
  try {
    const eventId = lifecycleEventId(detailTypes.userAuthorized, [user.appid, user.tenantId, state]);
    await deps.events.userAuthorized({ ...identity, eventId, at: at.toISOString() });
  } catch (error) {
    deps.log.error('Announcing WeChat User Authorized failed', { appid: user.appid, failure: error instanceof Error ? error.name : 'unknown' });
  }
}
