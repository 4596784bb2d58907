/**
 * The one way the hub calls WeChat (DESIGN.md §4): a timeout on every call, bounded retries with
 * backoff for WeChat's `-1` and for network trouble, typed errors carrying `errcode` and `rid`, and
 * one retry with a fresh token when WeChat rejects the token it was given (WECHAT.md §7).
 *
 * Tokens travel in the query string (`component_access_token=` for component endpoints,
 * `access_token=` for the account's own endpoints), so a URL is never logged and never put in an
 * error; an `errmsg` that happens to echo the token or a secret of the body has it masked.
 */
import { config } from '#shared/config/config.ts';
import { logger } from '#shared/observability/powertools.ts';
import { isTokenError, isTransient, WeChatApiError, WeChatNetworkError } from '#shared/wechat/api-errors.ts';
import type {
  ApiQuota,
  AuthorizationInfo,
  AuthorizerInfo,
  AuthorizerInfoResult,
  AuthorizerListResult,
  AuthorizerOptionName,
  AuthorizerOptionResult,
  AuthorizerTokenRequest,
  AuthorizerTokenResult,
  ComponentOAuthTokenRequest,
  ComponentOAuthTokenResult,
  ComponentTokenRequest,
  ComponentTokenResult,
  CustomMessage,
  FollowerPage,
  FuncInfo,
  JsapiTicketResult,
  Lang,
  MenuJson,
  PreAuthCodeResult,
  QueryAuthResult,
  SnsUserInfo,
  StartPushTicketRequest,
  StartPushTicketResult,
  TokenSource,
  UserInfo,
} from '#shared/wechat/api-types.ts';

export type { TokenSource } from '#shared/wechat/api-types.ts';

export interface WeChatApiClientOptions {
  /** WeChat's API origin, `https://api.weixin.qq.com` (or the simulator's). */
  apiBase: string;
  fetch?: typeof fetch;
  /** Per attempt, including reading the body. */
  timeoutMs?: number;
  /** Extra attempts after a transient failure (`-1`, network). */
  retries?: number;
  /** First backoff delay; doubles with every attempt, with jitter. */
  backoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** In [0, 1); jitter source. */
  random?: () => number;
}

type TokenParam = 'component_access_token' | 'access_token';

interface Call {
  /** WeChat's name for the API, used in errors and logs (never the URL). */
  api: string;
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  token?: { source: TokenSource; param: TokenParam };
  /** Secrets of the query (a visitor's code or web token): masked wherever WeChat echoes them. */
  secrets?: readonly string[];
  /**
   * False for calls WeChat must not see twice (a customer-service message sent twice reaches the
   * user twice): they are not retried after a failure that may have reached WeChat.
   */
  idempotent?: boolean;
  /** Told when an attempt failed in a way that may have reached WeChat and the call is retried. */
  onUncertainAttempt?: () => void;
}

type Json = Record<string, unknown>;

const CONNECTION_NEVER_OPENED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const MAX_ERRMSG_LENGTH = 500;

/** Body fields whose values are secrets: WeChat sometimes echoes request values in `errmsg`. */
const SECRET_BODY_FIELDS: ReadonlySet<string> = new Set([
  'component_appsecret',
  'appsecret',
  'component_verify_ticket',
  'authorization_code',
  'authorizer_refresh_token',
  'component_secret',
]);

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class WeChatApiClient {
  private readonly apiBase: string;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(options: WeChatApiClientOptions) {
    this.apiBase = options.apiBase.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.retries = Math.max(0, options.retries ?? 3);
    this.backoffMs = options.backoffMs ?? 200;
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
  }

  // ---- component APIs (WECHAT.md §3.1, §4) ---------------------------------------------------------

  /** `api_component_token`: mints a component_access_token from a still-valid ticket. */
  async componentToken(request: ComponentTokenRequest): Promise<ComponentTokenResult> {
    const api = 'api_component_token';
    const raw = await this.call({
      api,
      method: 'POST',
      path: '/cgi-bin/component/api_component_token',
      body: {
        component_appid: request.componentAppId,
        component_appsecret: request.componentSecret,
        component_verify_ticket: request.componentVerifyTicket,
      },
    });
    return { componentAccessToken: requiredString(api, raw, 'component_access_token'), expiresIn: expiresIn(raw) };
  }

  /** `api_start_push_ticket`: asks WeChat to resume pushing `component_verify_ticket`. */
  async startPushTicket(request: StartPushTicketRequest): Promise<StartPushTicketResult> {
    const raw = await this.call({
      api: 'api_start_push_ticket',
      method: 'POST',
      path: '/cgi-bin/component/api_start_push_ticket',
      body: { component_appid: request.componentAppId, component_secret: request.componentSecret },
    });
    return { message: typeof raw.errmsg === 'string' ? raw.errmsg : 'ok' };
  }

  /** `api_create_preauthcode`: a single-use pre_auth_code for one authorization link. */
  async createPreAuthCode(component: TokenSource, request: { componentAppId: string }): Promise<PreAuthCodeResult> {
    const api = 'api_create_preauthcode';
    const raw = await this.call({
      api,
      method: 'POST',
      path: '/cgi-bin/component/api_create_preauthcode',
      token: { source: component, param: 'component_access_token' },
      body: { component_appid: request.componentAppId },
    });
    return { preAuthCode: requiredString(api, raw, 'pre_auth_code'), expiresIn: numberOr(raw.expires_in, 600) };
  }

  /** `api_query_auth`: exchanges an authorization code for the account's appid, tokens and permission sets. */
  async queryAuth(component: TokenSource, request: { componentAppId: string; authorizationCode: string }): Promise<QueryAuthResult> {
    const api = 'api_query_auth';
    const raw = await this.call({
      api,
      method: 'POST',
      path: '/cgi-bin/component/api_query_auth',
      token: { source: component, param: 'component_access_token' },
      body: { component_appid: request.componentAppId, authorization_code: request.authorizationCode },
    });
    return { authorizationInfo: authorizationInfo(api, raw.authorization_info) };
  }

  /** `api_authorizer_token`: a fresh authorizer_access_token (and possibly a new refresh token). */
  async authorizerToken(component: TokenSource, request: AuthorizerTokenRequest): Promise<AuthorizerTokenResult> {
    const api = 'api_authorizer_token';
    // Every token WeChat issues retires the previous one: a retried attempt WeChat may still carry out is worth knowing about.
    let uncertain = false;
    const raw = await this.call({
      api,
      method: 'POST',
      path: '/cgi-bin/component/api_authorizer_token',
      token: { source: component, param: 'component_access_token' },
      onUncertainAttempt: () => {
        uncertain = true;
      },
      body: {
        component_appid: request.componentAppId,
        authorizer_appid: request.authorizerAppId,
        authorizer_refresh_token: request.authorizerRefreshToken,
      },
    });
    const result: AuthorizerTokenResult = {
      authorizerAccessToken: requiredString(api, raw, 'authorizer_access_token'),
      expiresIn: expiresIn(raw),
    };
    if (typeof raw.authorizer_refresh_token === 'string' && raw.authorizer_refresh_token !== '') {
      result.authorizerRefreshToken = raw.authorizer_refresh_token;
    }
    if (uncertain) result.mayBeSuperseded = true;
    return result;
  }

  /** `api_get_authorizer_info`: the account's details and its granted permission sets. */
  async getAuthorizerInfo(component: TokenSource, request: { componentAppId: string; authorizerAppId: string }): Promise<AuthorizerInfoResult> {
    const api = 'api_get_authorizer_info';
    const raw = await this.call({
      api,
      method: 'POST',
      path: '/cgi-bin/component/api_get_authorizer_info',
      token: { source: component, param: 'component_access_token' },
      body: { component_appid: request.componentAppId, authorizer_appid: request.authorizerAppId },
    });
    return {
      authorizerInfo: authorizerInfo(api, raw.authorizer_info),
      authorizationInfo: authorizationInfo(api, raw.authorization_info, request.authorizerAppId),
    };
  }

  /** `api_get_authorizer_list`: every account authorizing the component, `count` ≤ 500 a page. */
  async getAuthorizerList(component: TokenSource, request: { componentAppId: string; offset: number; count: number }): Promise<AuthorizerListResult> {
    const raw = await this.call({
      api: 'api_get_authorizer_list',
      method: 'POST',
      path: '/cgi-bin/component/api_get_authorizer_list',
      token: { source: component, param: 'component_access_token' },
      body: { component_appid: request.componentAppId, offset: request.offset, count: request.count },
    });
    const list = Array.isArray(raw.list) ? (raw.list as Json[]) : [];
    return {
      totalCount: numberOr(raw.total_count, list.length),
      list: list.map((entry) => ({
        authorizerAppId: String(entry.authorizer_appid ?? ''),
        ...(typeof entry.refresh_token === 'string' && entry.refresh_token !== '' ? { refreshToken: entry.refresh_token } : {}),
        authTime: numberOr(entry.auth_time, 0),
      })),
    };
  }

  /** `api_get_authorizer_option` (component token form). */
  async getAuthorizerOption(
    component: TokenSource,
    request: { componentAppId: string; authorizerAppId: string; optionName: AuthorizerOptionName },
  ): Promise<AuthorizerOptionResult> {
    const raw = await this.call({
      api: 'api_get_authorizer_option',
      method: 'POST',
      path: '/cgi-bin/component/api_get_authorizer_option',
      token: { source: component, param: 'component_access_token' },
      body: {
        component_appid: request.componentAppId,
        authorizer_appid: request.authorizerAppId,
        option_name: request.optionName,
      },
    });
    return {
      authorizerAppId: String(raw.authorizer_appid ?? request.authorizerAppId),
      optionName: String(raw.option_name ?? request.optionName),
      optionValue: String(raw.option_value ?? ''),
    };
  }

  /** `api_set_authorizer_option` (component token form). */
  async setAuthorizerOption(
    component: TokenSource,
    request: { componentAppId: string; authorizerAppId: string; optionName: AuthorizerOptionName; optionValue: string },
  ): Promise<void> {
    await this.call({
      api: 'api_set_authorizer_option',
      method: 'POST',
      path: '/cgi-bin/component/api_set_authorizer_option',
      token: { source: component, param: 'component_access_token' },
      body: {
        component_appid: request.componentAppId,
        authorizer_appid: request.authorizerAppId,
        option_name: request.optionName,
        option_value: request.optionValue,
      },
    });
  }

  /** `component/clear_quota/v2`: resets a quota without any token (when the quota blocks minting one). */
  async componentClearQuotaV2(request: { componentAppId: string; componentSecret: string; appId?: string }): Promise<void> {
    await this.call({
      api: 'component/clear_quota/v2',
      method: 'POST',
      path: '/cgi-bin/component/clear_quota/v2',
      body: {
        component_appid: request.componentAppId,
        appsecret: request.componentSecret,
        ...(request.appId ? { appid: request.appId } : {}),
      },
    });
  }

  // ---- APIs that take `access_token=` (an authorizer's token, or the component's for its own quota) --

  /**
   * `clear_quota`: resets `appId`'s daily quotas (10 resets a month). `token` is the account's
   * authorizer token, or the component token with the component's own appid.
   */
  async clearQuota(token: TokenSource, request: { appId: string }): Promise<void> {
    await this.call({
      api: 'clear_quota',
      method: 'POST',
      path: '/cgi-bin/clear_quota',
      token: { source: token, param: 'access_token' },
      body: { appid: request.appId },
    });
  }

  /** `openapi/quota/get`: the daily limit and usage of one API path, e.g. `/cgi-bin/user/get`. */
  async getApiQuota(token: TokenSource, request: { cgiPath: string }): Promise<ApiQuota> {
    const api = 'openapi/quota/get';
    const raw = await this.call({
      api,
      method: 'POST',
      path: '/cgi-bin/openapi/quota/get',
      token: { source: token, param: 'access_token' },
      body: { cgi_path: request.cgiPath },
    });
    const quota = isObject(raw.quota) ? raw.quota : badBody(api, 'quota');
    return { dailyLimit: numberOr(quota.daily_limit, 0), used: numberOr(quota.used, 0), remain: numberOr(quota.remain, 0) };
  }

  /** `open/create`: creates an open platform account and binds the account to it. */
  async openCreate(authorizer: TokenSource, request: { appId?: string } = {}): Promise<{ openAppId: string }> {
    const api = 'open/create';
    const raw = await this.call({
      api,
      method: 'POST',
      path: '/cgi-bin/open/create',
      token: { source: authorizer, param: 'access_token' },
      body: request.appId ? { appid: request.appId } : {},
      // A second create after a lost answer fails with 89000 instead of returning the open appid.
      idempotent: false,
    });
    return { openAppId: requiredString(api, raw, 'open_appid') };
  }

  /** `open/bind`: binds the account to an existing open platform account. */
  async openBind(authorizer: TokenSource, request: { appId?: string; openAppId: string }): Promise<void> {
    await this.call({
      api: 'open/bind',
      method: 'POST',
      path: '/cgi-bin/open/bind',
      token: { source: authorizer, param: 'access_token' },
      body: { ...(request.appId ? { appid: request.appId } : {}), open_appid: request.openAppId },
    });
  }

  /** `open/unbind`: only for open platform accounts created through the API (else 89003). */
  async openUnbind(authorizer: TokenSource, request: { appId?: string; openAppId: string }): Promise<void> {
    await this.call({
      api: 'open/unbind',
      method: 'POST',
      path: '/cgi-bin/open/unbind',
      token: { source: authorizer, param: 'access_token' },
      body: { ...(request.appId ? { appid: request.appId } : {}), open_appid: request.openAppId },
    });
  }

  /** `open/get`: the open platform account the account is bound to; 89002 when none. */
  async openGet(authorizer: TokenSource, request: { appId?: string } = {}): Promise<{ openAppId: string }> {
    const api = 'open/get';
    const raw = await this.call({
      api,
      method: 'POST',
      path: '/cgi-bin/open/get',
      token: { source: authorizer, param: 'access_token' },
      body: request.appId ? { appid: request.appId } : {},
    });
    return { openAppId: requiredString(api, raw, 'open_appid') };
  }

  /** `open/have`: whether the account is bound to an open platform account. */
  async openHave(authorizer: TokenSource): Promise<{ haveOpen: boolean }> {
    const raw = await this.call({
      api: 'open/have',
      method: 'GET',
      path: '/cgi-bin/open/have',
      token: { source: authorizer, param: 'access_token' },
    });
    return { haveOpen: raw.have_open === true };
  }

  // ---- followers (WECHAT.md §6) and customer-service messages (§9) ----------------------------------

  /** `user/get`: one page of up to 10 000 follower openids, from `nextOpenId` (omit to start). */
  async getFollowers(authorizer: TokenSource, request: { nextOpenId?: string } = {}): Promise<FollowerPage> {
    const raw = await this.call({
      api: 'user/get',
      method: 'GET',
      path: '/cgi-bin/user/get',
      token: { source: authorizer, param: 'access_token' },
      query: { next_openid: request.nextOpenId || undefined },
    });
    const data = isObject(raw.data) ? raw.data : {};
    const openIds = Array.isArray(data.openid) ? data.openid.filter((id): id is string => typeof id === 'string') : [];
    return {
      total: numberOr(raw.total, 0),
      count: numberOr(raw.count, openIds.length),
      openIds,
      nextOpenId: typeof raw.next_openid === 'string' ? raw.next_openid : '',
    };
  }

  /** `user/info`: one follower. */
  async getUserInfo(authorizer: TokenSource, request: { openId: string; lang?: Lang }): Promise<UserInfo> {
    const raw = await this.call({
      api: 'user/info',
      method: 'GET',
      path: '/cgi-bin/user/info',
      token: { source: authorizer, param: 'access_token' },
      query: { openid: request.openId, lang: request.lang ?? 'zh_CN' },
    });
    return userInfo(raw, request.openId);
  }

  /** `user/info/batchget`: up to 100 followers at once. */
  async batchGetUserInfo(authorizer: TokenSource, request: { openIds: string[]; lang?: Lang }): Promise<UserInfo[]> {
    if (request.openIds.length > 100) throw new RangeError('user/info/batchget takes at most 100 openids');
    const api = 'user/info/batchget';
    const raw = await this.call({
      api,
      method: 'POST',
      path: '/cgi-bin/user/info/batchget',
      token: { source: authorizer, param: 'access_token' },
      body: { user_list: request.openIds.map((openid) => ({ openid, lang: request.lang ?? 'zh_CN' })) },
    });
    if (!Array.isArray(raw.user_info_list)) badBody(api, 'user_info_list');
    return (raw.user_info_list as unknown[]).filter(isObject).map((entry) => userInfo(entry));
  }

  /** `message/custom/send`: a customer-service text message (used by the full-network release test). */
  async sendCustomMessage(authorizer: TokenSource, message: CustomMessage): Promise<void> {
    await this.call({
      api: 'message/custom/send',
      method: 'POST',
      path: '/cgi-bin/message/custom/send',
      token: { source: authorizer, param: 'access_token' },
      body: { touser: message.toUser, msgtype: 'text', text: { content: message.text } },
      idempotent: false,
    });
  }

  // ---- custom menu (WECHAT.md §15; permission set 15) ----------------------------------------------

  /** `menu/create`: replaces the account's default menu. The body goes as JSON.stringify writes it: non-ASCII literally, never `\uXXXX` (40033). */
  async menuCreate(authorizer: TokenSource, menu: MenuJson): Promise<void> {
    await this.call({
      api: 'menu/create',
      method: 'POST',
      path: '/cgi-bin/menu/create',
      token: { source: authorizer, param: 'access_token' },
      body: menu,
    });
  }

  /** `menu/get`: the default menu set through the API (conditional menus are left out); 46003 when there is none. */
  async menuGet(authorizer: TokenSource): Promise<MenuJson> {
    const api = 'menu/get';
    const raw = await this.call({ api, method: 'GET', path: '/cgi-bin/menu/get', token: { source: authorizer, param: 'access_token' } });
    const menu = isObject(raw.menu) ? raw.menu : badBody(api, 'menu');
    if (!Array.isArray(menu.button)) badBody(api, 'menu.button');
    return { button: (menu.button as unknown[]).filter(isObject).map((button) => menuButton(button)) };
  }

  /** `menu/delete`: deletes the default menu and every conditional menu. */
  async menuDelete(authorizer: TokenSource): Promise<void> {
    await this.call({ api: 'menu/delete', method: 'GET', path: '/cgi-bin/menu/delete', token: { source: authorizer, param: 'access_token' } });
  }

  // ---- web authorization and JS-SDK (WECHAT.md §11, §12) ------------------------------------------

  /**
   * `sns/oauth2/component/access_token`: a visitor's code for their openid (and web token), with the
   * component token. The code is single use: a lost answer is not retried blindly (40163 then).
   */
  async componentOAuthAccessToken(component: TokenSource, request: ComponentOAuthTokenRequest): Promise<ComponentOAuthTokenResult> {
    const api = 'sns/oauth2/component/access_token';
    const raw = await this.call({
      api,
      method: 'GET',
      path: '/sns/oauth2/component/access_token',
      query: { appid: request.appId, code: request.code, grant_type: 'authorization_code', component_appid: request.componentAppId },
      token: { source: component, param: 'component_access_token' },
      secrets: [request.code],
      idempotent: false,
    });
    const result: ComponentOAuthTokenResult = {
      accessToken: requiredString(api, raw, 'access_token'),
      expiresIn: expiresIn(raw),
      openId: requiredString(api, raw, 'openid'),
      scopes: String(raw.scope ?? '')
        .split(',')
        .map((scope) => scope.trim())
        .filter(Boolean),
      isSnapshotUser: numberOr(raw.is_snapshotuser, 0) === 1,
    };
    if (typeof raw.refresh_token === 'string' && raw.refresh_token !== '') result.refreshToken = raw.refresh_token;
    if (typeof raw.unionid === 'string' && raw.unionid !== '') result.unionId = raw.unionid;
    return result;
  }

  /** `sns/userinfo`: the visitor's profile, with their web token (scope `snsapi_userinfo`). */
  async snsUserInfo(request: { webAccessToken: string; openId: string; lang?: Lang }): Promise<SnsUserInfo> {
    const api = 'sns/userinfo';
    const raw = await this.call({
      api,
      method: 'GET',
      path: '/sns/userinfo',
      query: { access_token: request.webAccessToken, openid: request.openId, lang: request.lang ?? 'zh_CN' },
      secrets: [request.webAccessToken],
    });
    const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
    const info: SnsUserInfo = { openId: requiredString(api, raw, 'openid') };
    const fields = {
      nickname: text(raw.nickname),
      province: text(raw.province),
      city: text(raw.city),
      country: text(raw.country),
      headImgUrl: text(raw.headimgurl),
    };
    for (const [name, value] of Object.entries(fields)) if (value !== undefined) (info as unknown as Record<string, unknown>)[name] = value;
    if (raw.sex !== undefined) info.sex = numberOr(raw.sex, 0);
    if (typeof raw.unionid === 'string' && raw.unionid !== '') info.unionId = raw.unionid;
    return info;
  }

  /** `ticket/getticket?type=jsapi`: the account's jsapi_ticket, with its authorizer token. */
  async getJsapiTicket(authorizer: TokenSource): Promise<JsapiTicketResult> {
    const api = 'ticket/getticket';
    const raw = await this.call({
      api,
      method: 'GET',
      path: '/cgi-bin/ticket/getticket',
      token: { source: authorizer, param: 'access_token' },
      query: { type: 'jsapi' },
    });
    return { ticket: requiredString(api, raw, 'ticket'), expiresIn: expiresIn(raw) };
  }

  // ---- the call itself ----------------------------------------------------------------------------

  private async call(call: Call): Promise<Json> {
    if (!call.token) return this.withRetries(call, undefined);
    const { source } = call.token;
    const used = await source.current();
    try {
      return await this.withRetries(call, used);
    } catch (error) {
      if (!isTokenError(error)) throw error;
      // Expire only what we used: another caller may have refreshed already (WxJava #1300).
      await source.expire(used);
      const fresh = await source.current();
      if (fresh === used) throw error;
      logger.info('WeChat rejected the access token; retrying once with a fresh one', { api: call.api, errcode: error.errcode, rid: error.rid });
      // Once only: a second rejection means something else is wrong (e.g. the wrong kind of token).
      return await this.withRetries(call, fresh);
    }
  }

  private async withRetries(call: Call, token: string | undefined): Promise<Json> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(call, token);
      } catch (error) {
        if (attempt >= this.retries || !this.worthRetrying(call, error)) throw error;
        if (error instanceof WeChatNetworkError && error.mayHaveReachedWeChat) call.onUncertainAttempt?.();
        const delay = this.backoff(attempt);
        logger.warn('WeChat call failed; retrying', {
          api: call.api,
          attempt: attempt + 1,
          delayMs: delay,
          ...(error instanceof WeChatApiError ? { errcode: error.errcode, rid: error.rid } : {}),
          ...(error instanceof WeChatNetworkError ? { failure: error.failure, status: error.status } : {}),
        });
        await this.sleep(delay);
      }
    }
  }

  private worthRetrying(call: Call, error: unknown): boolean {
    if (!isTransient(error)) return false;
    if (call.idempotent === false && error instanceof WeChatNetworkError && error.mayHaveReachedWeChat) return false;
    return true;
  }

  /** Exponential from `backoffMs`, with jitter in [½, 1] of the step so that callers spread out. */
  private backoff(attempt: number): number {
    const step = this.backoffMs * 2 ** attempt;
    return Math.round(step / 2 + (this.random() * step) / 2);
  }

  private async once(call: Call, token: string | undefined): Promise<Json> {
    const url = new URL(this.apiBase + call.path);
    for (const [name, value] of Object.entries(call.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, value);
    }
    if (token !== undefined && call.token) url.searchParams.set(call.token.param, token);

    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    let status: number;
    let text: string;
    try {
      const response = await this.fetchImpl(url, {
        method: call.method,
        ...(call.body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(call.body) }),
        signal: controller.signal,
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      throw networkError(call.api, error, controller.signal.aborted, this.timeoutMs);
    } finally {
      clearTimeout(timer);
    }

    if (status < 200 || status > 299) {
      throw new WeChatNetworkError(call.api, 'http_status', `HTTP ${status}`, { status });
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new WeChatNetworkError(call.api, 'bad_body', 'the answer is not JSON', { status });
    }
    if (!isObject(body)) throw new WeChatNetworkError(call.api, 'bad_body', 'the answer is not a JSON object', { status });

    const errcode = typeof body.errcode === 'number' ? body.errcode : Number(body.errcode ?? 0);
    if (errcode !== 0 && !Number.isNaN(errcode)) {
      const errmsg = typeof body.errmsg === 'string' ? body.errmsg : '';
      throw new WeChatApiError(call.api, errcode, mask(errmsg, [token, ...(call.secrets ?? []), ...secretsOf(call.body)]).slice(0, MAX_ERRMSG_LENGTH));
    }
    return body;
  }
}

let processClient: WeChatApiClient | undefined;

/** The process-wide client for `WECHAT_API_BASE` (WeChat, or the simulator locally). */
export function wechatApiClient(): WeChatApiClient {
  processClient ??= new WeChatApiClient({ apiBase: config().wechatApiBase });
  return processClient;
}

function networkError(api: string, error: unknown, timedOut: boolean, timeoutMs: number): WeChatNetworkError {
  if (timedOut) return new WeChatNetworkError(api, 'timeout', `no answer within ${timeoutMs} ms`);
  // Only the error's code goes into the message: fetch's errors can quote the request.
  const code = errorCode(error);
  if (code && CONNECTION_NEVER_OPENED.has(code)) return new WeChatNetworkError(api, 'connection', code);
  return new WeChatNetworkError(api, 'interrupted', code ?? 'the connection failed');
}

function errorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; isObject(current) && depth < 4; current = current.cause, depth++) {
    if (typeof current.code === 'string') return current.code;
  }
  return undefined;
}

/** The string values of the secret fields of a request body, wherever they are nested. */
function secretsOf(body: unknown): string[] {
  if (Array.isArray(body)) return body.flatMap(secretsOf);
  if (!isObject(body)) return [];
  return Object.entries(body).flatMap(([name, value]) => (SECRET_BODY_FIELDS.has(name) && typeof value === 'string' ? [value] : secretsOf(value)));
}

/**
 * Replaces every occurrence of each secret, longest first (so that a secret holding another is
 * masked whole). Values under 8 characters are left alone: WeChat's secrets are far longer, and
 * masking a short value would mangle the rest of the message.
 */
function mask(text: string, secrets: readonly (string | undefined)[]): string {
  const maskable = secrets.filter((secret): secret is string => secret !== undefined && secret.length >= 8).sort((a, b) => b.length - a.length);
  return maskable.reduce((masked, secret) => masked.split(secret).join('***'), text);
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function badBody(api: string, field: string): never {
  throw new WeChatNetworkError(api, 'bad_body', `the answer has no ${field}`);
}

function requiredString(api: string, raw: Json, field: string): string {
  const value = raw[field];
  if (typeof value !== 'string' || value === '') badBody(api, field);
  return value;
}

function numberOr(value: unknown, fallback: number): number {
  const parsed = typeof value === 'number' ? value : typeof value === 'string' && value !== '' ? Number(value) : NaN;
  return Number.isFinite(parsed) ? parsed : fallback;
}

function expiresIn(raw: Json): number {
  return numberOr(raw.expires_in, 7200);
}

function funcInfo(raw: unknown): FuncInfo[] {
  if (!Array.isArray(raw)) return [];
  return raw.filter(isObject).flatMap((entry) => {
    const category = isObject(entry.funcscope_category) ? entry.funcscope_category : {};
    const id = numberOr(category.id, NaN);
    if (!Number.isFinite(id)) return [];
    const item: FuncInfo = { id };
    if (isObject(entry.confirm_info)) {
      item.confirmInfo = {
        needConfirm: numberOr(entry.confirm_info.need_confirm, 0),
        alreadyConfirm: numberOr(entry.confirm_info.already_confirm, 0),
        canConfirm: numberOr(entry.confirm_info.can_confirm, 0),
      };
    }
    return [item];
  });
}

function authorizationInfo(api: string, raw: unknown, fallbackAppId?: string): AuthorizationInfo {
  if (!isObject(raw)) badBody(api, 'authorization_info');
  // Very old answers said `appid` instead of `authorizer_appid` (WECHAT.md §4.7).
  const appId = raw.authorizer_appid ?? raw.appid ?? fallbackAppId;
  if (typeof appId !== 'string' || appId === '') badBody(api, 'authorization_info.authorizer_appid');
  const info: AuthorizationInfo = { authorizerAppId: appId, funcInfo: funcInfo(raw.func_info) };
  if (typeof raw.authorizer_access_token === 'string' && raw.authorizer_access_token !== '') {
    info.authorizerAccessToken = raw.authorizer_access_token;
    info.expiresIn = expiresIn(raw);
  }
  if (typeof raw.authorizer_refresh_token === 'string' && raw.authorizer_refresh_token !== '') {
    info.authorizerRefreshToken = raw.authorizer_refresh_token;
  }
  return info;
}

function authorizerInfo(api: string, raw: unknown): AuthorizerInfo {
  if (!isObject(raw)) badBody(api, 'authorizer_info');
  const optionalString = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const serviceType = isObject(raw.service_type_info) ? raw.service_type_info : {};
  const verifyType = isObject(raw.verify_type_info) ? raw.verify_type_info : {};
  const business = isObject(raw.business_info) ? raw.business_info : {};
  const info: AuthorizerInfo = {
    nickName: String(raw.nick_name ?? ''),
    serviceTypeId: numberOr(serviceType.id, 0),
    verifyTypeId: numberOr(verifyType.id, -1),
    userName: String(raw.user_name ?? ''),
    businessInfo: Object.fromEntries(Object.entries(business).map(([name, value]) => [name, numberOr(value, 0)])),
  };
  const headImg = optionalString(raw.head_img);
  if (headImg) info.headImg = headImg;
  const principalName = optionalString(raw.principal_name);
  if (principalName) info.principalName = principalName;
  const alias = optionalString(raw.alias);
  if (alias) info.alias = alias;
  const qrcodeUrl = optionalString(raw.qrcode_url);
  if (qrcodeUrl) info.qrcodeUrl = qrcodeUrl;
  if (raw.account_status !== undefined) info.accountStatus = numberOr(raw.account_status, 1);
  return info;
}

const MENU_BUTTON_FIELDS = ['type', 'name', 'key', 'url', 'appid', 'pagepath', 'media_id', 'article_id'] as const;

/** A button of `menu/get`'s answer: the known string fields, and its sub-buttons (nested no deeper than WeChat allows). */
function menuButton(raw: Json, depth = 0): MenuJson['button'][number] {
  const button: Record<string, unknown> = { name: typeof raw.name === 'string' ? raw.name : '' };
  for (const field of MENU_BUTTON_FIELDS) if (typeof raw[field] === 'string') button[field] = raw[field];
  if (depth === 0 && Array.isArray(raw.sub_button)) button.sub_button = raw.sub_button.filter(isObject).map((sub) => menuButton(sub, 1));
  return button as unknown as MenuJson['button'][number];
}

function userInfo(raw: Json, fallbackOpenId = ''): UserInfo {
  const info: UserInfo = {
    subscribed: numberOr(raw.subscribe, 0) !== 0,
    openId: typeof raw.openid === 'string' ? raw.openid : fallbackOpenId,
    tagIds: Array.isArray(raw.tagid_list) ? raw.tagid_list.map((id) => numberOr(id, NaN)).filter(Number.isFinite) : [],
  };
  if (typeof raw.unionid === 'string' && raw.unionid !== '') info.unionId = raw.unionid;
  if (typeof raw.language === 'string' && raw.language !== '') info.language = raw.language;
  if (raw.subscribe_time !== undefined) info.subscribeTime = numberOr(raw.subscribe_time, 0);
  if (typeof raw.remark === 'string' && raw.remark !== '') info.remark = raw.remark;
  if (raw.groupid !== undefined) info.groupId = numberOr(raw.groupid, 0);
  if (typeof raw.subscribe_scene === 'string' && raw.subscribe_scene !== '') info.subscribeScene = raw.subscribe_scene;
  if (raw.qr_scene !== undefined) info.qrScene = numberOr(raw.qr_scene, 0);
  if (typeof raw.qr_scene_str === 'string' && raw.qr_scene_str !== '') info.qrSceneStr = raw.qr_scene_str;
  return info;
}
