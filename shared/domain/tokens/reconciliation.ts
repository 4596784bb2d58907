/**
 * The daily reconciliation of the hub's accounts with WeChat's authorizer list (WECHAT.md §4.8):
 * after lost pushes, an outage or a refused refresh token, the list is what WeChat believes. It
 * covers every account the hub holds that is not unbound.
 *
 * 1. The hub's active accounts are read first, from the due index (every active account's TOKEN
 *    item is in it, with its refresh token) — before the list, so a re-authorization that lands
 *    while the run goes is never overwritten with an older refresh token.
 * 2. `api_get_authorizer_list` is paged through (500 a page); the listed accounts that are not
 *    active are looked up (BatchGetItem of their ACCOUNT items, page by page: no Scan).
 * 3. An active account WeChat lists with another refresh token gets WeChat's, only while the
 *    stored one is still the one read (conditional write).
 * 4. An account in `reauthorization_required` that WeChat lists with a refresh token is still
 *    authorized (e.g. a transient 61023 stranded it): the listed refresh token is tried
 *    (`api_authorizer_token`) and, when WeChat accepts it, the account goes back to `active` with
 *    the new token, on the refresh schedule, audited (`account.reactivated`, actor `wechat`). A
 *    listed token WeChat refuses leaves it as it is; 61003 revokes it.
 * 5. A `revoked` account WeChat lists stays revoked. The revocation came from WeChat (an
 *    `unauthorized` push or 61003), after which the old refresh token is invalid (WECHAT.md §3.2);
 *    a listed authorization is then a new one — the admin authorized again, possibly through another
 *    tenant's link — and a new authorization is bound only by the redirect callback, with the binding
 *    policy, the quota and the owner checks. Such accounts are counted (`revokedButListed`).
 * 6. An active account WeChat does not list is revoked only once WeChat confirms it for that account
 *    (`api_get_authorizer_info` answers 61003): the list is paged by offset while authorizations
 *    come and go, so an account can slip between two pages, and an account bound after the list
 *    was read is not on it yet.
 */
import { WeChatApiError } from '#shared/wechat/api-errors.ts';
import type { AuthorizerListResult, AuthorizerTokenRequest, AuthorizerTokenResult, TokenSource } from '#shared/wechat/api-types.ts';
import type { AccountRecord, AccountStatus, AuthorizerTokens } from '#shared/domain/accounts/model.ts';
import type { AuditLog } from '#shared/domain/audit/audit-log.ts';
import { systemClock, type Clock } from '#shared/domain/tokens/clock.ts';
import type { ActiveAccountIndex, DueToken, HeldAccounts, ReconciliationWeChat } from '#shared/domain/tokens/ports.ts';

export interface ReconciliationDependencies {
  index: ActiveAccountIndex;
  wechat: ReconciliationWeChat;
  held: HeldAccounts;
  /** The lifecycle's revocation (status, tokens dropped, audit). */
  markRevoked(appid: string, at: string): Promise<void>;
  audit: Pick<AuditLog, 'record'>;
  clock?: Clock;
  /** WeChat calls in flight when confirming missing accounts. */
  concurrency?: number;
  pageSize?: number;
}

export interface ReconciliationSummary {
  /** Accounts the hub holds as active. */
  active: number;
  /** Authorizers WeChat lists. */
  listed: number;
  refreshTokensRepaired: number;
  /** The stored refresh token changed between the read and the repair: left as it was. */
  repairsSkipped: number;
  /** Active accounts WeChat does not list… */
  missing: number;
  /** …of which WeChat confirmed the revocation… */
  revoked: number;
  /** …or still holds the authorization (they had slipped through the list's pages, or are new). */
  confirmedAuthorized: number;
  /** Confirmations that failed (WeChat errors); the account is left as it is. */
  confirmationFailures: number;
  /** Accounts in `reauthorization_required` WeChat lists with a refresh token… */
  waitingListed: number;
  /** …back to `active` with a token minted from it… */
  reactivated: number;
  /** …or left as they were: WeChat refused the listed token, or the account changed meanwhile (a failure counts here too). */
  reactivationsSkipped: number;
  /** Revoked accounts WeChat lists: left revoked (a new authorization binds through the redirect callback). */
  revokedButListed: number;
}

export async function reconcileAuthorizers(deps: ReconciliationDependencies): Promise<ReconciliationSummary> {
  const clock = deps.clock ?? systemClock;
  const pageSize = Math.min(500, Math.max(1, deps.pageSize ?? 500));
  const at = () => new Date(clock.now()).toISOString();

  const active = new Map<string, DueToken>();
  for (const shard of deps.index.shards) {
    let cursor: unknown;
    do {
      const page = await deps.index.allTokens(shard, cursor);
      for (const token of page.tokens) active.set(token.appid, token);
      cursor = page.cursor;
    } while (cursor !== undefined);
  }

  const listed = new Map<string, string | undefined>();
  /** Listed accounts the hub holds waiting for a re-authorization, with the listed refresh token. */
  const waiting = new Map<string, string>();
  let revokedButListed = 0;
  for (let offset = 0; ;) {
    const page = await deps.wechat.authorizerList(offset, pageSize);
    for (const entry of page.list) listed.set(entry.authorizerAppId, entry.refreshToken);
    const others = page.list.filter((entry) => !active.has(entry.authorizerAppId));
    const statuses = await deps.held.statusesOf(others.map((entry) => entry.authorizerAppId));
    for (const entry of others) {
      const status = statuses.get(entry.authorizerAppId);
      if (status === 'reauthorization_required' && entry.refreshToken) waiting.set(entry.authorizerAppId, entry.refreshToken);
      else if (status === 'revoked') revokedButListed += 1;
    }
    offset += page.list.length;
    if (page.list.length === 0 || offset >= page.totalCount) break;
  }

  const summary: ReconciliationSummary = {
    active: active.size,
    listed: listed.size,
    refreshTokensRepaired: 0,
    repairsSkipped: 0,
    missing: 0,
    revoked: 0,
    confirmedAuthorized: 0,
    confirmationFailures: 0,
    waitingListed: waiting.size,
    reactivated: 0,
    reactivationsSkipped: 0,
    revokedButListed,
  };

  const missing: string[] = [];
  for (const [appid, token] of active) {
    if (!listed.has(appid)) {
      missing.push(appid);
      continue;
    }
    const wechatRefreshToken = listed.get(appid);
    // WeChat omits the refresh token of an authorization whose code was never exchanged.
    if (!wechatRefreshToken || !token.refreshToken || wechatRefreshToken === token.refreshToken) continue;
    if (await deps.index.repairRefreshToken(appid, token.refreshToken, wechatRefreshToken, at())) summary.refreshTokensRepaired += 1;
    else summary.repairsSkipped += 1;
  }

  summary.missing = missing.length;
  const queue = [...missing];
  const confirm = async () => {
    for (let appid = queue.shift(); appid !== undefined; appid = queue.shift()) {
      try {
        if (await deps.wechat.stillAuthorized(appid)) summary.confirmedAuthorized += 1;
        else {
          await deps.markRevoked(appid, at());
          summary.revoked += 1;
        }
      } catch {
        summary.confirmationFailures += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, deps.concurrency ?? 8) }, confirm));

  for (const [appid, refreshToken] of waiting) {
    try {
      if (await reactivate(appid, refreshToken, deps, at)) summary.reactivated += 1;
      else summary.reactivationsSkipped += 1;
    } catch {
      summary.reactivationsSkipped += 1;
    }
  }
  return summary;
}

/** An account waiting for a re-authorization that WeChat still lists: back to active once its listed refresh token works. */
async function reactivate(appid: string, refreshToken: string, deps: ReconciliationDependencies, at: () => string): Promise<boolean> {
  const minted = await deps.wechat.mint(appid, refreshToken);
  if (minted === 'refused') return false;
  if (minted === 'revoked') {
    await deps.markRevoked(appid, at());
    return false;
  }
  const when = at();
  const before = await deps.held.markRestored(appid, minted, when);
  if (!before) return false;
  await deps.audit.record(before.ownerTenantId, {
    at: when,
    actor: 'wechat',
    action: 'account.reactivated',
    appid,
    details: { previousStatus: before.status, source: 'api_get_authorizer_list' },
  });
  return true;
}

/** `ReconciliationWeChat` on the typed client's three calls. */
export function reconciliationWeChat(
  client: {
    getAuthorizerList(component: TokenSource, request: { componentAppId: string; offset: number; count: number }): Promise<AuthorizerListResult>;
    getAuthorizerInfo(component: TokenSource, request: { componentAppId: string; authorizerAppId: string }): Promise<unknown>;
    authorizerToken(component: TokenSource, request: AuthorizerTokenRequest): Promise<AuthorizerTokenResult>;
  },
  component: TokenSource,
  componentAppId: () => Promise<string>,
  clock: Clock = systemClock,
): ReconciliationWeChat {
  return {
    authorizerList: async (offset, count) => client.getAuthorizerList(component, { componentAppId: await componentAppId(), offset, count }),
    async stillAuthorized(appid) {
      try {
        await client.getAuthorizerInfo(component, { componentAppId: await componentAppId(), authorizerAppId: appid });
        return true;
      } catch (error) {
        if (error instanceof WeChatApiError && error.errcode === 61003) return false;
        throw error;
      }
    },
    async mint(appid, refreshToken) {
      const requestedAt = clock.now();
      try {
        const minted = await client.authorizerToken(component, {
          componentAppId: await componentAppId(),
          authorizerAppId: appid,
          authorizerRefreshToken: refreshToken,
        });
        return {
          accessToken: minted.authorizerAccessToken,
          expiresAt: new Date(requestedAt + minted.expiresIn * 1000).toISOString(),
          refreshToken: minted.authorizerRefreshToken ?? refreshToken,
        };
      } catch (error) {
        if (error instanceof WeChatApiError && error.errcode === 61023) return 'refused';
        if (error instanceof WeChatApiError && error.errcode === 61003) return 'revoked';
        throw error;
      }
    },
  };
}
