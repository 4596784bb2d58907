/**
 * Web authorization on behalf of an authorized account (WECHAT.md §11) and the JS-SDK ticket (§12),
 * as the simulated WeChat plays them: the visitor's authorization page at
 * `/connect/oauth2/authorize` (the origin is `WECHAT_OPEN_BASE` locally), the `sns/*` APIs and
 * `cgi-bin/ticket/getticket`.
 *
 * - The page checks the link as WeChat does: the first six parameters in §11.2's order, our
 *   component, an account that authorized it with permission set 4 (网页服务) and is a verified
 *   service account. `snsapi_base` is silent; `snsapi_userinfo` shows a consent page (允许/拒绝) for a
 *   simulated visitor. Agreeing redirects with `code&state&appid`, refusing with `state` only.
 * - A visitor's code is single use for 5 minutes: unknown 40029, used 40163, expired 42003. The
 *   exchange needs the component token; `unionid` only for `snsapi_userinfo` on an account bound to an
 *   open platform account. The web token serves `sns/userinfo` (48001 for `snsapi_base`).
 * - `getticket` takes the authorizer token and issues a new 7200 s ticket per call (the counter of
 *   calls is the simulator's `calls()`).
 *
 * A visitor is a name (`visitor-1`, …); their openid is derived from the account and the name, their
 * unionid from the open platform account and the name, so the same person has one unionid across
 * the accounts of an open platform account. The whole state is part of the saved world.
 */
import { createHash, randomBytes } from 'node:crypto';
import { SimulatedWeChatError, wechatAssert } from './wechat-error.ts';

/** What of the simulated world web authorization reads (`SimWorld` and its `WebAuthAccount` fit it). */
export interface WebAuthAccount {
  appid: string;
  nickname: string;
  serviceType: 'service' | 'subscription';
  verified: boolean;
  openAppid: string | null;
  grant?: { funcIds: number[]; revoked: boolean };
}

export interface WebAuthWorld {
  readonly clock: { now(): number };
  readonly credentials: { componentAppId: string };
  readonly tokenLifetimeSeconds: number;
  findAccount(appidOrUserName: string): WebAuthAccount | undefined;
  requireAccount(appid: string): WebAuthAccount;
}

export const WEB_AUTH_PAGE_PATH = '/connect/oauth2/authorize';
export const DEFAULT_VISITOR = 'visitor-1';
export const SIM_VISITORS = ['visitor-1', 'visitor-2', 'visitor-3'] as const;
const CODE_MS = 5 * 60_000;
const LINK_ORDER = ['appid', 'redirect_uri', 'response_type', 'scope', 'state', 'component_appid'];
const VISITOR = /^[A-Za-z0-9_-]{1,32}$/;
const MAX_REMEMBERED = 10_000;

export type WebScope = 'snsapi_base' | 'snsapi_userinfo';

interface VisitorCode {
  appid: string;
  visitor: string;
  scope: WebScope;
  expiresAt: number;
  used: boolean;
}

interface WebToken {
  appid: string;
  visitor: string;
  scope: WebScope;
  expiresAt: number;
}

export interface WebAuthSnapshot {
  codes: [string, VisitorCode][];
  webTokens: [string, WebToken][];
  jsapiTickets: [string, { ticket: string; expiresAt: number }][];
}

const digest = (text: string, length: number): string => createHash('sha256').update(text).digest('base64url').slice(0, length);

export function visitorOpenid(appid: string, visitor: string): string {
  return `o${digest(`sim-visitor:${appid}:${visitor}`, 27)}`;
}

export function visitorUnionid(openAppid: string, visitor: string): string {
  return `u${digest(`sim-union:${openAppid}:${visitor}`, 27)}`;
}

export const visitorNickname = (visitor: string): string => `模拟访客 ${visitor}`;

function trim<T extends { expiresAt: number }>(map: Map<string, T>, now: number): void {
  if (map.size < MAX_REMEMBERED) return;
  for (const [key, value] of map) if (value.expiresAt <= now) map.delete(key);
}

export class SimWebAuth {
  readonly #codes = new Map<string, VisitorCode>();
  readonly #webTokens = new Map<string, WebToken>();
  readonly #jsapiTickets = new Map<string, { ticket: string; expiresAt: number }>();

  constructor(private readonly world: WebAuthWorld) {}

  snapshot(): WebAuthSnapshot {
    return {
      codes: [...this.#codes].map(([code, entry]) => [code, { ...entry }]),
      webTokens: [...this.#webTokens].map(([token, entry]) => [token, { ...entry }]),
      jsapiTickets: [...this.#jsapiTickets].map(([appid, entry]) => [appid, { ...entry }]),
    };
  }

  restore(snapshot: WebAuthSnapshot | undefined): void {
    for (const [code, entry] of snapshot?.codes ?? []) this.#codes.set(code, { ...entry });
    for (const [token, entry] of snapshot?.webTokens ?? []) this.#webTokens.set(token, { ...entry });
    for (const [appid, entry] of snapshot?.jsapiTickets ?? []) this.#jsapiTickets.set(appid, { ...entry });
  }

  /** Why WeChat would show "该链接无法访问" for this link, or the link's values. */
  checkLink(query: URLSearchParams): { problem: string } | { account: WebAuthAccount; redirectUri: string; scope: WebScope; state: string } {
    const order = [...query.keys()].slice(0, LINK_ORDER.length);
    if (order.join(',') !== LINK_ORDER.join(',')) return { problem: `该链接无法访问 (parameters must start ${LINK_ORDER.join(', ')}, in that order)` };
    if (query.get('component_appid') !== this.world.credentials.componentAppId) return { problem: '该链接无法访问 (invalid component_appid)' };
    if (query.get('response_type') !== 'code') return { problem: '该链接无法访问 (response_type must be code)' };
    const scope = query.get('scope');
    if (scope !== 'snsapi_base' && scope !== 'snsapi_userinfo') return { problem: 'scope 参数错误或没有 scope 权限' };
    const redirectUri = query.get('redirect_uri') ?? '';
    if (!/^https?:\/\//.test(redirectUri)) return { problem: 'redirect_uri 参数错误' };
    const appid = query.get('appid') ?? '';
    const account = this.world.findAccount(appid);
    if (!account || account.appid !== appid || !account.grant || account.grant.revoked)
      return { problem: '该公众号未授权给此第三方平台 (the account has not authorized the component)' };
    if (!account.grant.funcIds.includes(4)) return { problem: '该第三方平台没有网页服务权限 (permission set 4 was not granted)' };
    if (account.serviceType !== 'service' || !account.verified) return { problem: '该链接无法访问 (only verified service accounts have web authorization)' };
    return { account, redirectUri, scope, state: query.get('state') ?? '' };
  }

  /** The visitor's choice on the page: the URL WeChat sends the browser to. */
  decide(link: { account: WebAuthAccount; redirectUri: string; scope: WebScope; state: string }, visitor: string, allow: boolean): string {
    if (!VISITOR.test(visitor)) throw new SimulatedWeChatError(40003, 'invalid visitor');
    const url = new URL(link.redirectUri);
    if (allow) {
      const now = this.world.clock.now();
      trim(this.#codes, now);
      const code = `0${randomBytes(16).toString('hex')}`;
      this.#codes.set(code, { appid: link.account.appid, visitor, scope: link.scope, expiresAt: now + CODE_MS, used: false });
      url.searchParams.append('code', code);
      url.searchParams.append('state', link.state);
      url.searchParams.append('appid', link.account.appid);
    } else {
      url.searchParams.append('state', link.state);
    }
    return url.href;
  }

  exchange(query: URLSearchParams): unknown {
    wechatAssert(query.get('component_appid') === this.world.credentials.componentAppId, 61011);
    wechatAssert(query.get('grant_type') === 'authorization_code', 40097);
    const code = query.get('code');
    wechatAssert(code !== null && code !== '', 41008, 'missing code');
    const entry = this.#codes.get(code);
    wechatAssert(entry !== undefined, 40029, 'invalid code');
    wechatAssert(!entry.used, 40163, 'code been used');
    wechatAssert(this.world.clock.now() < entry.expiresAt, 42003, 'code expired');
    wechatAssert(query.get('appid') === entry.appid, 40013);
    entry.used = true;
    const account = this.world.requireAccount(entry.appid);
    wechatAssert(account.grant !== undefined && !account.grant.revoked, 61003);
    const token = `web_${randomBytes(48).toString('base64url')}`;
    const lifetime = this.world.tokenLifetimeSeconds;
    trim(this.#webTokens, this.world.clock.now());
    this.#webTokens.set(token, { appid: entry.appid, visitor: entry.visitor, scope: entry.scope, expiresAt: this.world.clock.now() + lifetime * 1000 });
    const unionid = entry.scope === 'snsapi_userinfo' && account.openAppid ? { unionid: visitorUnionid(account.openAppid, entry.visitor) } : {};
    return {
      access_token: token,
      expires_in: lifetime,
      refresh_token: `webrefresh_${randomBytes(32).toString('base64url')}`,
      openid: visitorOpenid(entry.appid, entry.visitor),
      scope: entry.scope,
      ...unionid,
    };
  }

  userInfo(query: URLSearchParams): unknown {
    const token = query.get('access_token');
    wechatAssert(token !== null && token !== '', 41001);
    const entry = this.#webTokens.get(token);
    wechatAssert(entry !== undefined, 40001);
    wechatAssert(this.world.clock.now() < entry.expiresAt, 42001);
    wechatAssert(entry.scope === 'snsapi_userinfo', 48001);
    const openid = visitorOpenid(entry.appid, entry.visitor);
    wechatAssert(query.get('openid') === openid, 40003);
    const account = this.world.requireAccount(entry.appid);
    return {
      openid,
      nickname: visitorNickname(entry.visitor),
      sex: 0,
      province: '',
      city: '',
      country: '',
      headimgurl: `https://thirdwx.qlogo.cn/mmopen/sim-${digest(openid, 12)}/132`,
      privilege: [],
      ...(account.openAppid ? { unionid: visitorUnionid(account.openAppid, entry.visitor) } : {}),
    };
  }

  jsapiTicket(account: WebAuthAccount, type: string | null): unknown {
    wechatAssert(type === 'jsapi', 40097);
    const ticket = `sim_jsapi_${randomBytes(40).toString('base64url')}`;
    this.#jsapiTickets.set(account.appid, { ticket, expiresAt: this.world.clock.now() + this.world.tokenLifetimeSeconds * 1000 });
    return { errcode: 0, errmsg: 'ok', ticket, expires_in: this.world.tokenLifetimeSeconds };
  }
}
