/**
 * The daily reconciliation of the hub's active accounts with WeChat's authorizer list (WECHAT.md
 * §4.8): after lost pushes or an outage, the list is what WeChat believes.
 *
 * 1. The hub's active accounts are read first, from the due index (every active account's TOKEN
 *    item is in it, with its refresh token) — before the list, so a re-authorization that lands
 *    while the run goes is never overwritten with an older refresh token.
 * 2. `api_get_authorizer_list` is paged through (500 a page).
 * 3. An active account WeChat lists with another refresh token gets WeChat's, only while the
 *    stored one is still the one read (conditional write).
 * 4. An active account WeChat does not list is revoked only once WeChat confirms it for that account
 *    (`api_get_authorizer_info` answers 61003): the list is paged by offset while authorizations
 *    come and go, so an account can slip between two pages, and an account bound after the list
 *    was read is not on it yet.
 * Accounts the hub holds in any other status are left alone: only active accounts are on the index.
 */
import { WeChatApiError } from '#shared/wechat/api-errors.ts';
import type { AuthorizerListResult, TokenSource } from '#shared/wechat/api-types.ts';
import { systemClock, type Clock } from '#shared/domain/tokens/clock.ts';
import type { ActiveAccountIndex, DueToken, ReconciliationWeChat } from '#shared/domain/tokens/ports.ts';

export interface ReconciliationDependencies {
  index: ActiveAccountIndex;
  wechat: ReconciliationWeChat;
  /** The lifecycle's revocation (status, tokens dropped, audit). */
  markRevoked(appid: string, at: string): Promise<void>;
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
  for (let offset = 0; ; ) {
    const page = await deps.wechat.authorizerList(offset, pageSize);
    for (const entry of page.list) listed.set(entry.authorizerAppId, entry.refreshToken);
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
  return summary;
}

/** `ReconciliationWeChat` on the typed client's two calls. */
export function reconciliationWeChat(
  client: {
    getAuthorizerList(component: TokenSource, request: { componentAppId: string; offset: number; count: number }): Promise<AuthorizerListResult>;
    getAuthorizerInfo(component: TokenSource, request: { componentAppId: string; authorizerAppId: string }): Promise<unknown>;
  },
  component: TokenSource,
  componentAppId: () => Promise<string>,
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
  };
}
