/**
 * Web authorization and the JS-SDK wired to the table, WeChat (`WECHAT_API_BASE`, the web
 * authorization page at `WECHAT_OPEN_BASE`) and the configuration (`PUBLIC_BASE_URL`,
 * `OAUTH_LOOPBACK_ORIGINS`). The visitor's code is exchanged with the component token; the
 * `jsapi_ticket` is fetched with the account's authorizer token (compare-and-expire in the client).
 *
 * `WeChat User Authorized` (API.md §6) goes to `oauthEvents()`: the bus's outbox (`wiring/events.ts`),
 * the same way as the account lifecycle events; its detail carries no profile, code or token.
 */
import { DynamoJsapiTickets } from '#shared/adapters/dynamodb/jsapi-tickets.ts';
import { DynamoLease } from '#shared/adapters/dynamodb/lease.ts';
import { DynamoOAuthAccounts } from '#shared/adapters/dynamodb/oauth-accounts.ts';
import { DynamoOAuthCodes, DynamoOAuthStates } from '#shared/adapters/dynamodb/oauth-grants.ts';
import { DynamoOAuthOrigins } from '#shared/adapters/dynamodb/oauth-origins.ts';
import { config } from '#shared/config/config.ts';
import { db, tableName } from '#shared/db/client.ts';
import type { AllowedOriginsDeps } from '#shared/domain/oauth/allowed-origins.ts';
import type { StartWebAuthorizationDeps } from '#shared/domain/oauth/authorize.ts';
import type { CompleteWebAuthorizationDeps } from '#shared/domain/oauth/callback.ts';
import type { ExchangeDeps } from '#shared/domain/oauth/exchange.ts';
import type { JsSdkDeps } from '#shared/domain/oauth/jssdk.ts';
import { userAuthorizedEvent } from '#shared/domain/events/model.ts';
import type { EventOutbox } from '#shared/domain/events/ports.ts';
import type { OAuthEvents, OAuthWeChat } from '#shared/domain/oauth/ports.ts';
import { wechatApiClient, type WeChatApiClient } from '#shared/wechat/api-client.ts';
import type { TokenSource } from '#shared/wechat/api-types.ts';
import { auditLog, componentAppId, log, now } from '#shared/wiring/common.ts';
import { eventOutbox } from '#shared/wiring/events.ts';
import { authorizerTokens, componentTokenService } from '#shared/wiring/tokens.ts';

const policy = () => ({ allowLoopback: config().oauthLoopbackOrigins });

/** The WeChat calls of web authorization, over the typed client. */
export function oauthWeChat(client: WeChatApiClient, component: TokenSource, appId: () => Promise<string>): OAuthWeChat {
  return {
    componentAppId: appId,
    exchangeCode: async (appid, code) => {
      const grant = await client.componentOAuthAccessToken(component, { appId: appid, code, componentAppId: await appId() });
      return {
        openid: grant.openId,
        ...(grant.unionId ? { unionid: grant.unionId } : {}),
        scopes: grant.scopes,
        webAccessToken: grant.accessToken,
        snapshotUser: grant.isSnapshotUser,
      };
    },
    userInfo: async (webAccessToken, openid) => {
      const info = await client.snsUserInfo({ webAccessToken, openId: openid });
      const { openId: _openId, unionId, ...profile } = info;
      return { ...profile, ...(unionId ? { unionid: unionId } : {}) };
    },
  };
}

/** `WeChat User Authorized` into the bus's outbox (a test hands in the outbox of its own table). */
export function oauthEvents(outbox: EventOutbox = eventOutbox()): OAuthEvents {
  return { userAuthorized: (event) => outbox.publish(userAuthorizedEvent(event)) };
}

/** `GET/PUT /v1/oauth/origins`. */
export function allowedOriginsDeps(): AllowedOriginsDeps {
  return { origins: new DynamoOAuthOrigins(db(), tableName()), policy: policy(), audit: auditLog(), now };
}

/** `GET /v1/oauth/{appid}/authorize`. */
export function startWebAuthorizationDeps(): StartWebAuthorizationDeps {
  return {
    accounts: new DynamoOAuthAccounts(db(), tableName()),
    origins: new DynamoOAuthOrigins(db(), tableName()),
    states: new DynamoOAuthStates(db(), tableName()),
    componentAppId,
    policy: policy(),
    publicBaseUrl: config().publicBaseUrl,
    openBase: config().wechatOpenBase,
    now,
  };
}

/** `GET /v1/oauth/callback`. */
export function completeWebAuthorizationDeps(): CompleteWebAuthorizationDeps {
  return {
    states: new DynamoOAuthStates(db(), tableName()),
    codes: new DynamoOAuthCodes(db(), tableName()),
    wechat: oauthWeChat(wechatApiClient(), componentTokenService(), componentAppId),
    events: oauthEvents(),
    now,
    log,
  };
}

/** `POST /v1/internal/oauth/exchange`. */
export function exchangeDeps(): ExchangeDeps {
  return { codes: new DynamoOAuthCodes(db(), tableName()), now };
}

/** `POST /v1/internal/accounts/{appid}/jssdk-config`. */
export function jsSdkDeps(): JsSdkDeps {
  const client = wechatApiClient();
  return {
    accounts: new DynamoOAuthAccounts(db(), tableName()),
    tickets: new DynamoJsapiTickets(db(), tableName()),
    lease: new DynamoLease(db(), tableName()),
    api: { getJsapiTicket: (appid) => client.getJsapiTicket(authorizerTokens(appid)) },
  };
}
