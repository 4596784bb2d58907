/**
 * The URLs of an authorization link: the hub's own page that starts it, WeChat's consent pages
 * (WECHAT.md §4.3) and the console after the callback (API.md §2). Every value goes through
 * URLSearchParams: an unencoded `redirect_uri` loses all but its first query parameter on WeChat's side.
 */

export const CALLBACK_PATH = '/v1/wechat/authorized';

/**
 * The hub's page that forwards the browser to WeChat's consent page. WeChat accepts the consent page
 * only when it is opened from a page on the registered 授权发起页域名 (it checks the Referer), and
 * the console may live elsewhere: so the link handed to the console is this page, on the hub's domain.
 */
export const AUTHORIZE_PAGE_PATH = '/v1/wechat/authorize';

/** `pc`: the QR-code page (componentloginpage); `mobile`: the page opened inside WeChat (bindcomponent). */
export type AuthorizeDevice = 'pc' | 'mobile';

/** `PUBLIC_BASE_URL/v1/wechat/authorize?state=…[&device=mobile]`: the authorizeUrl and mobileAuthorizeUrl of POST /v1/authorizations. */
export function authorizePageUrl(publicBaseUrl: string, state: string, device: AuthorizeDevice): string {
  const url = new URL(`${publicBaseUrl.replace(/\/+$/, '')}${AUTHORIZE_PAGE_PATH}`);
  url.searchParams.set('state', state);
  if (device === 'mobile') url.searchParams.set('device', 'mobile');
  return url.toString();
}

/** Where WeChat sends the browser back: the hub's callback, carrying our `state`. */
export function callbackRedirectUri(publicBaseUrl: string, state: string): string {
  const url = new URL(`${publicBaseUrl.replace(/\/+$/, '')}${CALLBACK_PATH}`);
  url.searchParams.set('state', state);
  return url.toString();
}

export interface AuthorizationUrlInput {
  /** `WECHAT_MP_BASE`, e.g. `https://mp.weixin.qq.com`. */
  mpBase: string;
  componentAppId: string;
  preAuthCode: string;
  redirectUri: string;
  /** Re-authorize this account only. WeChat treats `biz_appid` and `auth_type` as mutually exclusive. */
  bizAppid?: string;
}

/** Official Accounts only. */
const AUTH_TYPE_OFFICIAL_ACCOUNT = '1';

function linkParams(input: AuthorizationUrlInput): [string, string][] {
  return [
    ['component_appid', input.componentAppId],
    ['pre_auth_code', input.preAuthCode],
    ['redirect_uri', input.redirectUri],
    input.bizAppid ? ['biz_appid', input.bizAppid] : ['auth_type', AUTH_TYPE_OFFICIAL_ACCOUNT],
  ];
}

/** The PC page: the admin scans a QR code with WeChat. */
export function pcAuthorizeUrl(input: AuthorizationUrlInput): string {
  const query = new URLSearchParams(linkParams(input));
  return `${input.mpBase.replace(/\/+$/, '')}/cgi-bin/componentloginpage?${query.toString()}`;
}

/** The link opened inside the WeChat client on a phone. */
export function mobileAuthorizeUrl(input: AuthorizationUrlInput): string {
  const query = new URLSearchParams([['action', 'bindcomponent'], ['no_scan', '1'], ...linkParams(input)]);
  return `${input.mpBase.replace(/\/+$/, '')}/safe/bindcomponent?${query.toString()}#wechat_redirect`;
}

export type CallbackOutcome = { bind: 'ok'; appid: string } | { bind: 'error'; code: string; appid?: string; message?: string };

/** Longer messages stay out of the URL: the console explains the code itself. */
export const MAX_REDIRECT_MESSAGE_LENGTH = 200;

/** `CONSOLE_URL?bind=ok&appid=wx…` or `CONSOLE_URL?bind=error&code=…[&appid=…][&message=…]`. */
export function consoleRedirectUrl(consoleUrl: string, outcome: CallbackOutcome): string {
  const url = new URL(consoleUrl);
  url.searchParams.set('bind', outcome.bind);
  if (outcome.bind === 'ok') {
    url.searchParams.set('appid', outcome.appid);
    return url.toString();
  }
  url.searchParams.set('code', outcome.code);
  if (outcome.appid) url.searchParams.set('appid', outcome.appid);
  if (outcome.message && outcome.message.length <= MAX_REDIRECT_MESSAGE_LENGTH) url.searchParams.set('message', outcome.message);
  return url.toString();
}
