/**
 * The URLs of web authorization: WeChat's component authorization page (WECHAT.md §11.2), the hub's
 * callback WeChat returns to, and the page the visitor finally lands on (API.md §2).
 */
import type { OAuthScope } from '#shared/domain/oauth/ports.ts';

export const OAUTH_CALLBACK_PATH = '/v1/oauth/callback';

export const oauthCallbackUrl = (publicBaseUrl: string): string => `${publicBaseUrl.replace(/\/+$/, '')}${OAUTH_CALLBACK_PATH}`;

export interface WeChatAuthorizeUrlInput {
  /** `WECHAT_OPEN_BASE`, e.g. `https://open.weixin.qq.com`. */
  openBase: string;
  appid: string;
  redirectUri: string;
  scope: OAuthScope;
  /** `[A-Za-z0-9_-]`, so it needs no encoding (WECHAT.md §11.2). */
  state: string;
  componentAppId: string;
}

/**
 * Exactly WECHAT.md §11.2: WeChat matches the link by pattern, so the parameters keep this order and
 * case, `redirect_uri` is URL-encoded, and `#wechat_redirect` ends it.
 */
export function wechatAuthorizeUrl(input: WeChatAuthorizeUrlInput): string {
  const query = new URLSearchParams([
    ['appid', input.appid],
    ['redirect_uri', input.redirectUri],
    ['response_type', 'code'],
    ['scope', input.scope],
    ['state', input.state],
    ['component_appid', input.componentAppId],
  ]);
  return `${input.openBase.replace(/\/+$/, '')}/connect/oauth2/authorize?${query.toString()}#wechat_redirect`;
}

/** The page's `redirect_uri` with `params` added to its query (before any fragment). */
export function pageUrl(redirectUri: string, params: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) {
    url.searchParams.delete(name);
    if (value !== undefined) url.searchParams.set(name, value);
  }
  return url.href;
}
