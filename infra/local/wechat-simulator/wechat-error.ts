/**
 * WeChat's error answers: HTTP 200 with `{errcode, errmsg}`, the errmsg ending in `rid: <hex>` (the
 * request id WeChat support asks for). The simulator throws `SimulatedWeChatError` from deep inside a
 * handler and the server turns it into that answer in one place.
 */
import { randomBytes } from 'node:crypto';

/** errmsg texts as WeChat writes them (WECHAT.md §4, §6, §7), without the rid. */
const errmsgs: Record<number, string> = {
  [-1]: 'system error',
  40001: 'invalid credential, access_token is invalid or not latest',
  40003: 'invalid openid',
  40007: 'invalid media_id',
  40008: 'invalid message type',
  40013: 'invalid appid',
  40029: 'invalid code',
  40097: 'invalid args',
  40163: 'code been used',
  40014: 'invalid access_token',
  40016: 'invalid button size',
  40017: 'invalid button type',
  40018: 'invalid button name size',
  40019: 'invalid button key size',
  40020: 'invalid button url size',
  40022: 'invalid sub button level',
  40023: 'invalid sub button size',
  40024: 'invalid sub button type',
  40025: 'invalid sub button name size',
  40026: 'invalid sub button key size',
  40027: 'invalid sub button url size',
  40032: 'invalid openid list size',
  40066: 'invalid url',
  40125: 'invalid appsecret',
  40165: 'invalid weapp pagepath',
  41001: 'access_token missing',
  41002: 'appid missing',
  41004: 'appsecret missing',
  41007: 'sub_menu data missing',
  41008: 'missing code',
  42001: 'access_token expired',
  42003: 'code expired',
  43004: 'require subscribe',
  44002: 'empty post data',
  44004: 'empty content',
  45009: 'reach max api daily quota limit',
  46003: 'menu no exist',
  47001: 'data format error',
  48001: 'api unauthorized',
  48006: 'forbid to clear quota because of reaching the limit',
  65316: 'invalid url domain, the domain count of the menu url is over the limit',
  65317: 'invalid url',
  61003: 'component is not authorized by this account',
  61005: 'component ticket is expired',
  61006: 'component ticket is invalid',
  61007: 'api is unauthorized to component',
  61009: 'code is invalid',
  61010: 'code is expired',
  61011: 'invalid component',
  61023: 'refresh_token is invalid',
  76021: 'cgi_path not found, please check',
  89000: 'account has bound open',
  89001: 'not same contractor',
  89002: 'open not exists',
  89003: 'open is not created by api, operation not allowed',
  89004: 'open account bind reach the limit',
  89036: 'open account is not created by api or not verified',
};

export function defaultErrmsg(errcode: number): string {
  return errmsgs[errcode] ?? 'system error';
}

/** Shaped like WeChat's: three dash-separated groups of 8 hex digits. */
export function newRid(): string {
  const hex = randomBytes(12).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 16)}-${hex.slice(16, 24)}`;
}

export function errorBody(errcode: number, errmsg: string = defaultErrmsg(errcode)): { errcode: number; errmsg: string } {
  return { errcode, errmsg: `${errmsg} rid: ${newRid()}` };
}

export class SimulatedWeChatError extends Error {
  override readonly name = 'SimulatedWeChatError';
  readonly errcode: number;

  constructor(errcode: number, errmsg: string = defaultErrmsg(errcode)) {
    super(errmsg);
    this.errcode = errcode;
  }
}

/** Throws the WeChat error `errcode` unless `condition` holds. */
export function wechatAssert(condition: unknown, errcode: number, errmsg?: string): asserts condition {
  if (!condition) throw new SimulatedWeChatError(errcode, errmsg);
}
