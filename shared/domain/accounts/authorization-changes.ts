/**
 * What the hub does when WeChat pushes an authorization change of an account (DESIGN.md §3,
 * WECHAT.md §3.2). The pushes are already deduplicated and pushes older than the account's current
 * authorization already left out (`shared/domain/authorization/`: `unauthorized` at receipt, the
 * grant pushes in the `authorization-push` worker), but each reaction is safe to run twice anyway.
 *
 * - `authorized` / `updateauthorized` for an account the hub holds (active, or waiting for a
 *   re-authorization): a re-authorization without a browser. The hub re-reads the account
 *   (`api_get_authorizer_info`: profile, granted permission sets, the current refresh token) and
 *   stores it, which also brings an account that needed re-authorization back to `active`. The
 *   pushed code is left for the redirect callback, which WeChat sends the browser to right after the
 *   push: spending it here would make that callback fail (61009). Only when WeChat gives no refresh
 *   token is the code exchanged here (`api_query_auth`; 61009/61010 mean the callback spent it first).
 * - the same pushes for an account the hub does not hold, or holds revoked or unbound: nothing —
 *   binding is the callback's, with its policy, quota and owner checks.
 * - the same pushes for an account its owner is unbinding (`unbinding`): acknowledged, nothing
 *   changes — such an account only moves on to `unbound` (`unbind.ts`); the callback that follows
 *   the consent finishes the unbinding and binds the account afresh. An `unauthorized` push finds
 *   nothing to revoke either.
 * - `unauthorized`: the account is `revoked`: its tokens are dropped and it leaves the refresh
 *   schedule; its data (followers, links) stays until the owner unbinds.
 */
import { profileFromAuthorizerInfo, type AccountProfile } from '#shared/domain/accounts/profile.ts';
import type { AuthorizerTokens } from '#shared/domain/accounts/model.ts';
import type { AccountReads, StatusMarkStore } from '#shared/domain/accounts/ports.ts';
import type { AuditLog } from '#shared/domain/audit/audit-log.ts';
import type { AuthorizationReactions } from '#shared/domain/authorization/ports.ts';
import { accountEvent, detailTypes } from '#shared/domain/events/model.ts';
import type { EventOutbox } from '#shared/domain/events/ports.ts';
import { permissionSetNames, publishAfter } from '#shared/domain/events/publish.ts';
import type { AccountStatusChanges } from '#shared/domain/tokens/ports.ts';
import type { WeChatApiClient } from '#shared/wechat/api-client.ts';
import { WeChatApiError } from '#shared/wechat/api-errors.ts';
import type { TokenSource } from '#shared/wechat/api-types.ts';

/** The account as WeChat describes it after the re-authorization. */
export type ReauthorizedProfile = AccountProfile;

export interface Reauthorization {
  profile: ReauthorizedProfile;
  /** The refresh token WeChat now holds for the account (a re-authorization replaces it). */
  refreshToken?: string;
  /** Fresh tokens, when the pushed code was exchanged. */
  tokens?: AuthorizerTokens;
  at: string;
}

export interface AuthorizationChangeStore extends Pick<AccountReads, 'account'>, Pick<StatusMarkStore, 'markRevoked'> {
  /**
   * Stores the re-read profile, permissions and tokens and makes the account `active` — only if it
   * is still in `expectedStatus` (a concurrent revocation or unbinding wins). False when it was not.
   */
  applyReauthorization(appid: string, expectedStatus: 'active' | 'reauthorization_required', change: Reauthorization): Promise<boolean>;
}

export interface AuthorizationChangeWeChat {
  /** `api_get_authorizer_info`, reduced to the profile and the current refresh token. */
  getAuthorizerInfo(appid: string): Promise<{ profile: ReauthorizedProfile; refreshToken?: string }>;
  /** `api_query_auth`. */
  queryAuth(code: string): Promise<{ appid: string; funcIds: number[]; tokens?: AuthorizerTokens }>;
}

export interface ChangeLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

export interface AuthorizationChangeDeps {
  store: AuthorizationChangeStore;
  wechat: AuthorizationChangeWeChat;
  audit: Pick<AuditLog, 'record'>;
  now: () => Date;
  log: ChangeLog;
  /**
   * Queues the full follower sync every re-authorization gets (one running job per account, so the
   * push and the redirect callback of the same consent queue one job between them).
   */
  fanSync?: { queueFullSync(appid: string, at: string): Promise<string> };
  /** The event bus's outbox (API.md §6): `Account Reauthorized`, `Account Revoked`. */
  events?: EventOutbox;
}

/** The actor of audit events WeChat caused. */
export const WECHAT_ACTOR = 'wechat';

const isErrcode = (error: unknown, ...codes: number[]): error is WeChatApiError => error instanceof WeChatApiError && codes.includes(error.errcode);

export async function reactToAuthorized(
  push: { authorizerAppid: string; infoType: 'authorized' | 'updateauthorized'; authorizationCode?: string },
  deps: AuthorizationChangeDeps,
): Promise<'reauthorized' | 'ignored' | 'revoked'> {
  const appid = push.authorizerAppid;
  const account = await deps.store.account(appid);
  if (account?.status === 'unbinding') {
    // Nothing brings an account its owner is unbinding back: the push is acknowledged (refusing it would
    // only make WeChat retry into the same state); the redirect callback finishes the unbinding and binds afresh.
    deps.log.info('Authorization push for an account being unbound; acknowledged, nothing changes', { appid, infoType: push.infoType });
    return 'ignored';
  }
  if (!account || (account.status !== 'active' && account.status !== 'reauthorization_required')) {
    deps.log.info('Authorization push for an account the hub does not hold active; the redirect callback binds it', {
      appid,
      infoType: push.infoType,
      status: account?.status ?? 'unknown',
    });
    return 'ignored';
  }

  let change: Reauthorization;
  try {
    change = await reread(appid, push.authorizationCode, deps);
  } catch (error) {
    if (isErrcode(error, 61003)) {
      // Revoked again right after the push: the later `unauthorized` push finds nothing left to do.
      await revoke(appid, deps);
      return 'revoked';
    }
    if (isErrcode(error, 61009, 61010)) {
      deps.log.info('The pushed authorization code was already spent by the redirect callback', { appid, errcode: error.errcode });
      return 'ignored';
    }
    throw error;
  }

  if (!(await deps.store.applyReauthorization(appid, account.status, change))) {
    deps.log.info('The account changed while the push was handled; leaving it as it is', { appid });
    return 'ignored';
  }
  await deps.audit.record(account.ownerTenantId, {
    at: change.at,
    actor: WECHAT_ACTOR,
    action: 'account.reauthorized',
    appid,
    details: { infoType: push.infoType, previousStatus: account.status, funcIds: change.profile.funcIds },
  });
  const permissions = change.profile.funcIds.map((id) => ({ id, name: permissionSetNames[id] ?? String(id) }));
  await publishAfter(
    deps.events,
    accountEvent(detailTypes.reauthorized, { appid, tenantId: account.ownerTenantId, at: change.at, actor: WECHAT_ACTOR, permissions }),
    { error: deps.log.warn },
  );
  if (deps.fanSync) {
    try {
      await deps.fanSync.queueFullSync(appid, change.at);
    } catch (error) {
      // The re-authorization stands without it: an admin can start a sync from the console.
      deps.log.warn('Could not queue the follower sync after a re-authorization', { appid, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return 'reauthorized';
}

async function reread(appid: string, code: string | undefined, deps: AuthorizationChangeDeps): Promise<Reauthorization> {
  const info = await deps.wechat.getAuthorizerInfo(appid);
  const at = deps.now().toISOString();
  if (info.refreshToken) return { profile: info.profile, refreshToken: info.refreshToken, at };
  if (code === undefined) throw new Error('WeChat gave no refresh token and the push kept no authorization code to exchange');
  const exchanged = await deps.wechat.queryAuth(code);
  return { profile: { ...info.profile, funcIds: exchanged.funcIds }, ...(exchanged.tokens ? { tokens: exchanged.tokens } : {}), at };
}

export async function reactToUnauthorized(push: { authorizerAppid: string }, deps: AuthorizationChangeDeps): Promise<'revoked' | 'ignored'> {
  return (await revoke(push.authorizerAppid, deps)) ? 'revoked' : 'ignored';
}

async function revoke(appid: string, deps: AuthorizationChangeDeps): Promise<boolean> {
  const at = deps.now().toISOString();
  const before = await deps.store.markRevoked(appid, at);
  if (!before) {
    deps.log.info('Revocation of an account the hub does not hold active; nothing to change', { appid });
    return false;
  }
  await deps.audit.record(before.ownerTenantId, {
    at,
    actor: WECHAT_ACTOR,
    action: 'account.revoked',
    appid,
    details: { previousStatus: before.status },
  });
  await publishAfter(deps.events, accountEvent(detailTypes.revoked, { appid, tenantId: before.ownerTenantId, at, actor: WECHAT_ACTOR }), {
    error: deps.log.warn,
  });
  return true;
}

/** The reactions the authorization pushes run once they are stored (`shared/domain/authorization/`). */
export function authorizationChanges(deps: AuthorizationChangeDeps): AuthorizationReactions {
  return {
    holds: async (appid) => {
      const account = await deps.store.account(appid);
      return account?.status === 'active' || account?.status === 'reauthorization_required';
    },
    authorized: async (push) => {
      await reactToAuthorized(push, deps);
    },
    unauthorized: async (push) => {
      await reactToUnauthorized(push, deps);
    },
  };
}

/**
 * The status changes the authorizer token service makes (61003 → revoked, 61023 for good →
 * re-authorization required), each written to the owner's audit trail when it changed something.
 */
export function auditedStatusChanges(store: StatusMarkStore, audit: Pick<AuditLog, 'record'>): AccountStatusChanges {
  return {
    async markRevoked(appid, at) {
      const before = await store.markRevoked(appid, at);
      if (before) {
        await audit.record(before.ownerTenantId, {
          at,
          actor: WECHAT_ACTOR,
          action: 'account.revoked',
          appid,
          details: { previousStatus: before.status, errcode: 61003 },
        });
      }
    },
    async markReauthorizationRequired(appid, at) {
      const before = await store.markReauthorizationRequired(appid, at);
      if (before) {
        await audit.record(before.ownerTenantId, {
          at,
          actor: WECHAT_ACTOR,
          action: 'account.reauthorization_required',
          appid,
          details: { previousStatus: before.status, errcode: 61023 },
        });
      }
    },
  };
}

/** `AuthorizationChangeWeChat` on the typed client, with the component token and appid supplied. */
export function authorizationChangeWeChat(
  client: Pick<WeChatApiClient, 'getAuthorizerInfo' | 'queryAuth'>,
  component: TokenSource,
  componentAppId: () => Promise<string>,
  now: () => Date = () => new Date(),
): AuthorizationChangeWeChat {
  return {
    async getAuthorizerInfo(appid) {
      const result = await client.getAuthorizerInfo(component, { componentAppId: await componentAppId(), authorizerAppId: appid });
      const profile = profileFromAuthorizerInfo(appid, result);
      const authorizationInfo = result.authorizationInfo;
      return { profile, ...(authorizationInfo.authorizerRefreshToken ? { refreshToken: authorizationInfo.authorizerRefreshToken } : {}) };
    },
    async queryAuth(code) {
      const requestedAt = now().getTime();
      const { authorizationInfo: info } = await client.queryAuth(component, { componentAppId: await componentAppId(), authorizationCode: code });
      const tokens =
        info.authorizerAccessToken && info.authorizerRefreshToken
          ? {
              accessToken: info.authorizerAccessToken,
              expiresAt: new Date(requestedAt + (info.expiresIn ?? 7200) * 1000).toISOString(),
              refreshToken: info.authorizerRefreshToken,
            }
          : undefined;
      return { appid: info.authorizerAppId, funcIds: info.funcInfo.map((f) => f.id), ...(tokens ? { tokens } : {}) };
    },
  };
}
