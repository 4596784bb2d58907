/**
 * The api.weixin.qq.com endpoints the hub calls (WECHAT.md §3.1, §4, §6, §9, §15), as a table from path
 * to handler. A handler gets the query and the JSON body and answers WeChat's JSON, or throws
 * `SimulatedWeChatError`; token checks happen before it runs, from the route's `token` kind.
 */
import { dailyLimits, type AccountRecord, type SimWorld, type TokenOwner } from './world.ts';
import { checkedMenu, menuGetAnswer, selfMenuAnswer } from './menus.ts';
import { wechatAssert } from './wechat-error.ts';
import { webAuthApiRoutes } from './web-auth-api.ts';

export interface ApiRequest {
  query: URLSearchParams;
  body: Record<string, unknown>;
}

interface ApiContext extends ApiRequest {
  world: SimWorld;
  owner: TokenOwner | undefined;
}

type TokenKind = 'none' | 'component' | 'authorizer' | 'either';

interface ApiRoute {
  token: TokenKind;
  handle(ctx: ApiContext): unknown;
}

export interface ApiHooks {
  /** `api_start_push_ticket`: push a fresh ticket to the hub soon, without holding up the answer. */
  startPushTicket(): void;
}

const OK = { errcode: 0, errmsg: 'ok' } as const;
const USER_GET_PAGE = 10_000;
const BATCHGET_MAX = 100;
const CUSTOM_MESSAGE_TYPES = new Set(['text', 'image', 'voice', 'video', 'music', 'news', 'mpnews', 'mpnewsarticle', 'msgmenu', 'wxcard', 'miniprogrampage']);
const OPTION_NAMES = new Set(['location_report', 'voice_recognize', 'customer_service']);

function authorizer(ctx: ApiContext): AccountRecord {
  return (ctx.owner as Extract<TokenOwner, { kind: 'authorizer' }>).account;
}

function ownerKey(ctx: ApiContext): string {
  return ctx.owner?.kind === 'authorizer' ? ctx.owner.account.appid : 'component';
}

/** Follower APIs need permission set 2 (or 100, per the openApi pages) and a verified account (48001). */
function followerApi(ctx: ApiContext, path: string): AccountRecord {
  const account = authorizer(ctx);
  ctx.world.requireFunc(account, 2, 100);
  wechatAssert(account.verified, 48001);
  ctx.world.consumeQuota(account.appid, path);
  return account;
}

function openApi(ctx: ApiContext): AccountRecord {
  const account = authorizer(ctx);
  ctx.world.requireFunc(account, 24);
  return account;
}

/** Menu APIs need permission set 15 (`get_current_selfmenu_info`: 1, 3 or 15) and count against their daily limit. */
function menuApi(ctx: ApiContext, path: string, ...funcIds: number[]): AccountRecord {
  const account = authorizer(ctx);
  ctx.world.requireFunc(account, ...(funcIds.length > 0 ? funcIds : [15]));
  if (path in dailyLimits) ctx.world.consumeQuota(account.appid, path);
  return account;
}

let menuSerial = 208_396_938;

function optionName(value: unknown): string {
  wechatAssert(typeof value === 'string' && OPTION_NAMES.has(value), 47001);
  return value;
}

export function apiRoutes(hooks: ApiHooks): Record<string, ApiRoute> {
  return {
    // ---- web authorization and the JS-SDK ticket (web-auth-api.ts) -----------------------------
    ...webAuthApiRoutes(),

    // ---- component, no token --------------------------------------------------------------------
    '/cgi-bin/component/api_component_token': {
      token: 'none',
      handle: ({ world, body }) =>
        world.componentToken({ appid: body.component_appid, secret: body.component_appsecret, ticket: body.component_verify_ticket }),
    },
    '/cgi-bin/component/api_start_push_ticket': {
      token: 'none',
      handle: ({ world, body }) => {
        world.checkComponent(body.component_appid, body.component_secret);
        hooks.startPushTicket();
        return OK;
      },
    },
    '/cgi-bin/component/clear_quota/v2': {
      token: 'none',
      handle: ({ world, body }) => {
        world.checkComponent(body.component_appid, body.appsecret);
        if (body.appid === undefined) {
          world.clearQuota('component');
        } else {
          const account = typeof body.appid === 'string' ? world.findAccount(body.appid) : undefined;
          wechatAssert(account?.grant !== undefined && !account.grant.revoked && account.appid === body.appid, 61003);
          world.clearQuota(account.appid);
        }
        return OK;
      },
    },

    // ---- component token ------------------------------------------------------------------------
    '/cgi-bin/component/api_create_preauthcode': {
      token: 'component',
      handle: ({ world, body }) => world.createPreAuthCode(body.component_appid),
    },
    '/cgi-bin/component/api_query_auth': {
      token: 'component',
      handle: ({ world, body }) => world.queryAuth(body.component_appid, body.authorization_code),
    },
    '/cgi-bin/component/api_authorizer_token': {
      token: 'component',
      handle: ({ world, body }) =>
        world.authorizerToken({ componentAppid: body.component_appid, appid: body.authorizer_appid, refreshToken: body.authorizer_refresh_token }),
    },
    '/cgi-bin/component/api_get_authorizer_info': {
      token: 'component',
      handle: ({ world, body }) => world.authorizerInfo(body.component_appid, body.authorizer_appid),
    },
    '/cgi-bin/component/api_get_authorizer_list': {
      token: 'component',
      handle: ({ world, body }) => world.authorizerList(body.component_appid, body.offset, body.count),
    },
    '/cgi-bin/component/api_get_authorizer_option': {
      token: 'component',
      handle: ({ world, body }) => {
        world.authorizerInfo(body.component_appid, body.authorizer_appid);
        const account = world.requireAccount(body.authorizer_appid as string);
        const name = optionName(body.option_name);
        return { authorizer_appid: account.appid, option_name: name, option_value: account.options[name] };
      },
    },
    '/cgi-bin/component/api_set_authorizer_option': {
      token: 'component',
      handle: ({ world, body }) => {
        world.authorizerInfo(body.component_appid, body.authorizer_appid);
        const account = world.requireAccount(body.authorizer_appid as string);
        const name = optionName(body.option_name);
        wechatAssert(typeof body.option_value === 'string' && /^[0-2]$/.test(body.option_value), 47001);
        account.options[name] = body.option_value;
        return OK;
      },
    },

    // ---- authorizer token, options (new form) -------------------------------------------------------
    '/cgi-bin/component/get_authorizer_option': {
      token: 'authorizer',
      handle: (ctx) => {
        const name = optionName(ctx.body.option_name);
        return { ...OK, option_name: name, option_value: authorizer(ctx).options[name] };
      },
    },
    '/cgi-bin/component/set_authorizer_option': {
      token: 'authorizer',
      handle: (ctx) => {
        const name = optionName(ctx.body.option_name);
        wechatAssert(typeof ctx.body.option_value === 'string' && /^[0-2]$/.test(ctx.body.option_value), 47001);
        authorizer(ctx).options[name] = ctx.body.option_value;
        return OK;
      },
    },

    // ---- quotas ---------------------------------------------------------------------------------------
    '/cgi-bin/clear_quota': {
      token: 'either',
      handle: (ctx) => {
        const expected = ctx.owner?.kind === 'authorizer' ? ctx.owner.account.appid : ctx.world.credentials.componentAppId;
        wechatAssert(typeof ctx.body.appid === 'string' && ctx.body.appid !== '', 41002);
        wechatAssert(ctx.body.appid === expected, 40013);
        ctx.world.clearQuota(ownerKey(ctx));
        return OK;
      },
    },
    '/cgi-bin/openapi/quota/get': {
      token: 'either',
      handle: (ctx) => ctx.world.quota(ownerKey(ctx), ctx.body.cgi_path),
    },

    // ---- open platform account binding (permission set 24) ---------------------------------------------
    '/cgi-bin/open/create': { token: 'authorizer', handle: (ctx) => ctx.world.openCreate(openApi(ctx), ctx.body) },
    '/cgi-bin/open/bind': { token: 'authorizer', handle: (ctx) => ctx.world.openBind(openApi(ctx), ctx.body) },
    '/cgi-bin/open/unbind': { token: 'authorizer', handle: (ctx) => ctx.world.openUnbind(openApi(ctx), ctx.body) },
    '/cgi-bin/open/get': { token: 'authorizer', handle: (ctx) => ctx.world.openGet(openApi(ctx), ctx.body) },
    '/cgi-bin/open/have': {
      token: 'authorizer',
      handle: (ctx) => {
        const account = authorizer(ctx);
        ctx.world.requireFunc(account, 3, 30);
        return { ...OK, have_open: account.openAppid !== null };
      },
    },

    // ---- followers (permission set 2) ------------------------------------------------------------------
    '/cgi-bin/user/get': {
      token: 'authorizer',
      handle: (ctx) => {
        const account = followerApi(ctx, '/cgi-bin/user/get');
        const next = ctx.query.get('next_openid') ?? '';
        let after: number | undefined;
        if (next !== '') {
          after = account.followers.indexOf(next);
          wechatAssert(after !== undefined, 40003);
        }
        const openids = account.followers.page(after, USER_GET_PAGE);
        const total = account.followers.count;
        // WeChat repeats the last openid as next_openid on every non-empty page; the call after the
        // last page answers count 0, no data and an empty next_openid.
        if (openids.length === 0) return { total, count: 0, next_openid: '' };
        return { total, count: openids.length, data: { openid: openids }, next_openid: openids[openids.length - 1] };
      },
    },
    '/cgi-bin/user/info': {
      token: 'authorizer',
      handle: (ctx) => {
        const account = followerApi(ctx, '/cgi-bin/user/info');
        return ctx.world.followerProfile(account, ctx.query.get('openid'));
      },
    },
    '/cgi-bin/user/info/batchget': {
      token: 'authorizer',
      handle: (ctx) => {
        const account = followerApi(ctx, '/cgi-bin/user/info/batchget');
        const list = ctx.body.user_list;
        wechatAssert(Array.isArray(list), 47001);
        wechatAssert(list.length >= 1 && list.length <= BATCHGET_MAX, 40032);
        const entries = list.map((entry: unknown) => {
          wechatAssert(typeof entry === 'object' && entry !== null, 47001);
          return entry as Record<string, unknown>;
        });
        return { user_info_list: entries.map((entry) => ctx.world.followerProfile(account, entry.openid)) };
      },
    },

    // ---- custom menu (permission set 15, WECHAT.md §15) -------------------------------------------------
    '/cgi-bin/menu/create': {
      token: 'authorizer',
      handle: (ctx) => {
        const account = menuApi(ctx, '/cgi-bin/menu/create');
        account.menu = checkedMenu(ctx.body, (menuSerial += 1));
        return OK;
      },
    },
    '/cgi-bin/menu/get': {
      token: 'authorizer',
      handle: (ctx) => {
        const account = menuApi(ctx, '/cgi-bin/menu/get');
        wechatAssert(account.menu, 46003);
        return menuGetAnswer(account.menu);
      },
    },
    '/cgi-bin/menu/delete': {
      token: 'authorizer',
      handle: (ctx) => {
        delete menuApi(ctx, '/cgi-bin/menu/delete').menu;
        return OK;
      },
    },
    '/cgi-bin/get_current_selfmenu_info': {
      token: 'authorizer',
      handle: (ctx) => selfMenuAnswer(menuApi(ctx, '/cgi-bin/get_current_selfmenu_info', 1, 3, 15).menu),
    },

    // ---- customer-service messages (permission set 1) ---------------------------------------------------
    '/cgi-bin/message/custom/send': {
      token: 'authorizer',
      handle: (ctx) => {
        const account = authorizer(ctx);
        ctx.world.requireFunc(account, 1);
        wechatAssert(account.verified, 48001);
        const { touser, msgtype } = ctx.body;
        wechatAssert(typeof touser === 'string' && touser !== '', 40003);
        wechatAssert(typeof msgtype === 'string' && CUSTOM_MESSAGE_TYPES.has(msgtype), 40008);
        let content: string | undefined;
        if (msgtype === 'text') {
          const text = ctx.body.text as { content?: unknown } | undefined;
          wechatAssert(typeof text?.content === 'string' && text.content !== '', 44004);
          content = text.content;
        }
        // The release-test accounts' senders are WeChat's test users, not followers the simulator knows.
        if (!account.releaseTest) {
          const index = account.followers.indexOf(touser);
          wechatAssert(index !== undefined, 40003);
          wechatAssert(account.followers.isFollower(index), 43004);
        }
        ctx.world.consumeQuota(account.appid, '/cgi-bin/message/custom/send');
        ctx.world.recordCustomMessage({ appid: account.appid, touser, msgtype, ...(content !== undefined ? { content } : {}), at: ctx.world.clock.seconds() });
        return OK;
      },
    },
  };
}

/** Runs one API call: token check by route kind, then the handler. */
export function runApi(world: SimWorld, route: ApiRoute, request: ApiRequest): unknown {
  let owner: TokenOwner | undefined;
  if (route.token !== 'none') {
    const token =
      route.token === 'authorizer' ? request.query.get('access_token') : (request.query.get('component_access_token') ?? request.query.get('access_token'));
    owner = world.resolveToken(token, route.token);
  }
  return route.handle({ ...request, world, owner });
}

export type { ApiRoute };
