/**
 * SAMPLE of the product's side of web authorization (代公众号网页授权) and the JS-SDK: an H5 page and
 * its back end, as a product that uses the hub would write them. The local gateway serves it at
 * `/demo/h5` (local only: not a Lambda, not in the CDK stack). It is the code to copy; what a product
 * must do differently in production is said where it matters (`PRODUCTION:`).
 *
 * The flow, for a page `P` of account `APPID`:
 * 1. `GET  /demo/h5?appid=APPID`          the page; "Sign in with WeChat" links to step 2.
 * 2. `GET  /demo/h5/login?appid&scope`     the back end remembers a random state in a cookie and sends
 *    the browser to the hub's `GET /v1/oauth/{appid}/authorize?redirect_uri=P/return&state&scope`;
 *    the hub sends it to WeChat, WeChat (locally the simulator) asks the visitor, and the hub's
 *    callback sends it back to step 3 with `code` (or `error`) and the state.
 * 3. `GET  /demo/h5/return?appid&code|error&state`  the back end checks the state against its cookie,
 *    trades the one-time code at `POST /v1/internal/oauth/exchange` (once, within 5 minutes) for the
 *    `OAuthUser`, keeps it in its own session and sends the browser back to the page.
 * 4. The page shows who the visitor is and a `wx.config` for its own URL, which the back end got from
 *    `POST /v1/internal/accounts/{appid}/jssdk-config` (the ticket stays in the hub).
 *
 * Neither the page nor its back end ever sees a WeChat token: the hub holds them all.
 *
 * The origin the visitor returns to (here the gateway's own, e.g. `http://127.0.0.1:3000`) must be
 * one of the tenant's allowed origins (`PUT /v1/oauth/origins`), or the hub answers
 * `400 redirect_not_allowed`; the page's "local setup" box does that for the local stack
 * (`local-setup.ts`, not part of the sample).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { GatewayResponse } from '#infra/local/http-api-event.ts';
import { allowDemoOrigin } from '#infra/local/demo/local-setup.ts';

export const DEMO_PATH = '/demo/h5';

/** A request for the demo, as the local gateway hands it over. */
export interface DemoRequest {
  method: string;
  /** Path and query, as the browser sent them. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Sent on this machine straight to the gateway (the local setup box is refused otherwise). */
  fromThisMachine: boolean;
}

export interface DemoOptions {
  /** Where the back end reaches the hub's internal routes (locally the gateway). */
  hubBaseUrl: () => string;
  /**
   * The credential of the back end for the internal routes. Locally a service token
   * (`npm run token -- --service demo-h5`). PRODUCTION: the internal routes take AWS IAM (SigV4):
   * sign each request with the role of the product's service (e.g. `@aws-sdk/signature-v4`), no token.
   */
  serviceToken: () => Promise<string>;
  /** Local setup only: a console admin token of a tenant (`local-setup.ts`). */
  adminToken: (tenant: string) => Promise<string>;
}

/** What the hub's exchange answers (API.md §3 `OAuthUser`). */
interface OAuthUser {
  appid: string;
  tenantId: string;
  openid: string;
  unionid?: string;
  scope: 'snsapi_base' | 'snsapi_userinfo';
  user?: { nickname?: string; headImgUrl?: string; sex?: number; province?: string; city?: string; country?: string };
}

/** What `jssdk-config` answers: exactly what `wx.config` takes besides `jsApiList`. */
interface JsSdkConfig {
  appId: string;
  timestamp: number;
  nonceStr: string;
  signature: string;
}

const APPID = /^wx[0-9a-f]{16}$/;
const STATE_COOKIE = 'demo_oauth_state';
const SESSION_COOKIE = 'demo_session';
const ERROR_WORDS: Record<string, string> = {
  access_denied: "You declined (拒绝) on WeChat's page: the page does not know who you are.",
  invalid_code: 'WeChat refused the code (used or expired): sign in again.',
  state_mismatch: 'The answer did not come from the sign-in this browser started (state mismatch): sign in again.',
  exchange_failed: 'The one-time code could not be exchanged (used, expired or unknown): sign in again.',
};

export interface Demo {
  /** The demo's answer, or undefined when the request is not for it. */
  answer(request: DemoRequest): Promise<GatewayResponse | undefined>;
}

export function createDemo(options: DemoOptions): Demo {
  // PRODUCTION: a real session store (the product's own), not this process's memory.
  const sessions = new Map<string, OAuthUser>();

  async function callHub<T>(path: string, body: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${options.hubBaseUrl()}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await options.serviceToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  return {
    async answer(request) {
      const url = new URL(request.url, 'http://demo.invalid');
      if (url.pathname !== DEMO_PATH && !url.pathname.startsWith(`${DEMO_PATH}/`)) return undefined;
      const origin = originOf(request.headers);
      const appid = url.searchParams.get('appid') ?? '';
      const cookies = parseCookies(request.headers.cookie);

      if (request.method === 'GET' && url.pathname === `${DEMO_PATH}/login`) {
        if (!APPID.test(appid)) return redirect(`${DEMO_PATH}`);
        const scope = url.searchParams.get('scope') === 'snsapi_base' ? 'snsapi_base' : 'snsapi_userinfo';
        // The page's own state: proves at step 3 that the answer belongs to the sign-in this browser started.
        const state = randomBytes(16).toString('base64url');
        const returnTo = `${origin}${DEMO_PATH}/return?appid=${appid}`;
        const authorize = `/v1/oauth/${appid}/authorize?${new URLSearchParams({ redirect_uri: returnTo, state, scope })}`;
        // PRODUCTION: the hub's public URL (its API host), not this page's origin: here they are one gateway.
        return redirect(authorize, [cookie(STATE_COOKIE, state, 600)]);
      }

      if (request.method === 'GET' && url.pathname === `${DEMO_PATH}/return`) {
        if (!APPID.test(appid)) return redirect(`${DEMO_PATH}`);
        const back = (error?: string, extra: string[] = []) =>
          redirect(`${DEMO_PATH}?appid=${appid}${error ? `&error=${encodeURIComponent(error)}` : ''}`, [cookie(STATE_COOKIE, '', 0), ...extra]);
        const state = url.searchParams.get('state');
        if (!state || state !== cookies.get(STATE_COOKIE)) return back('state_mismatch');
        const error = url.searchParams.get('error');
        if (error) return back(error);
        const code = url.searchParams.get('code') ?? '';
        // Trade the hub's one-time code, server to server. It works once and for 5 minutes.
        const exchanged = await callHub<OAuthUser>('/v1/internal/oauth/exchange', { code });
        // The user must be of the account this page serves (a code of another account is refused).
        if (exchanged.status !== 200 || exchanged.body.appid !== appid) return back('exchange_failed');
        const session = randomBytes(24).toString('base64url');
        sessions.set(session, exchanged.body);
        return back(undefined, [cookie(SESSION_COOKIE, session, 3600)]);
      }

      if (request.method === 'POST' && url.pathname === `${DEMO_PATH}/setup`) {
        if (!request.fromThisMachine) return html(404, '<p>Not here.</p>');
        const form = new URLSearchParams(request.body.toString('utf8'));
        const result = await allowDemoOrigin({ ...options, origin, tenant: form.get('tenant') ?? '' });
        return redirect(`${DEMO_PATH}?appid=${encodeURIComponent(form.get('appid') ?? '')}&setup=${encodeURIComponent(result)}`);
      }

      if (request.method === 'GET' && (url.pathname === DEMO_PATH || url.pathname === `${DEMO_PATH}/`)) {
        if (!APPID.test(appid)) return html(200, renderPage({ origin }));
        const session = sessions.get(cookies.get(SESSION_COOKIE) ?? '');
        const user = session?.appid === appid ? session : undefined;
        // The JS-SDK is signed for the exact URL the browser shows (without `#…`): here this request's.
        // PRODUCTION: build it from the page's public URL (behind a CDN or proxy the Host differs), or
        // let the page send `location.href.split('#')[0]` to the back end.
        const pageUrl = `${origin}${request.url}`;
        const jssdk = await callHub<JsSdkConfig | { error: { code: string } }>(`/v1/internal/accounts/${appid}/jssdk-config`, { url: pageUrl });
        return html(
          200,
          renderPage({
            origin,
            appid,
            pageUrl,
            ...(user ? { user } : {}),
            jssdk: jssdk.status === 200 ? (jssdk.body as JsSdkConfig) : `${jssdk.status} ${(jssdk.body as { error?: { code: string } }).error?.code ?? ''}`,
            ...(url.searchParams.get('error') ? { error: url.searchParams.get('error')! } : {}),
            ...(url.searchParams.get('setup') ? { setup: url.searchParams.get('setup')! } : {}),
          }),
        );
      }
      return html(404, '<p>The demo has no such page.</p>');
    },
  };
}

/** The page's origin as the browser sees it (a tunnel in front of the gateway forwards its scheme). */
function originOf(headers: IncomingHttpHeaders): string {
  const proto = headers['x-forwarded-proto'] === 'https' ? 'https' : 'http';
  return `${proto}://${headers.host ?? '127.0.0.1'}`;
}

function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0) cookies.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  return cookies;
}

/** HttpOnly (no script reads it), Lax (sent on the top-level return from WeChat), for the demo's paths only. PRODUCTION: add `Secure`. */
const cookie = (name: string, value: string, maxAgeSeconds: number): string =>
  `${name}=${value}; Path=${DEMO_PATH}; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}`;

const redirect = (location: string, cookies: string[] = []): GatewayResponse => ({
  statusCode: 302,
  headers: { location, 'cache-control': 'no-store' },
  cookies,
  body: Buffer.alloc(0),
});

const html = (status: number, body: string): GatewayResponse => ({
  statusCode: status,
  headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
  cookies: [],
  body: Buffer.from(body),
});

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

interface PageView {
  origin: string;
  appid?: string;
  pageUrl?: string;
  user?: OAuthUser;
  jssdk?: JsSdkConfig | string;
  error?: string;
  setup?: string;
}

const style = `body{font-family:system-ui,"Noto Sans S Chinese","PingFang SC",sans-serif;max-width:46rem;margin:0 auto;padding:0 1rem 2rem;color:#222}
.sample{background:#6b21a8;color:#fff;padding:.6rem .9rem;margin:0 -1rem 1rem;font-weight:600}
.sample small{font-weight:400;opacity:.9;display:block}
.card{border:1px solid #ddd;border-radius:6px;padding:.8rem 1rem;margin:1rem 0}
.who{display:flex;gap:1rem;align-items:center}.avatar{width:64px;height:64px;border-radius:8px;background:#07c160;color:#fff;display:flex;align-items:center;justify-content:center;font-size:1.6rem;overflow:hidden}
dl{display:grid;grid-template-columns:8rem 1fr;gap:.2rem .6rem;margin:0}dt{color:#666}dd{margin:0;font-family:ui-monospace,monospace;word-break:break-all}
a.button,button{display:inline-block;background:#07c160;color:#fff;border:0;padding:.5rem 1rem;border-radius:4px;text-decoration:none;margin:.2rem .4rem .2rem 0;font-size:.95rem}
a.button.plain{background:#555}.error{border-color:#e0a0a0;background:#fdf0f0}.setup{border-style:dashed;color:#555;font-size:.9rem}
pre{background:#f6f6f6;padding:.6rem;border-radius:4px;overflow-x:auto;font-size:.85rem}`;

function renderPage(view: PageView): string {
  const banner = `<p class="sample" data-testid="demo-sample-banner">SAMPLE — a product's H5 page, not part of oa-hub
<small>What a product writes to learn who its WeChat visitor is (web authorization through the hub) and to configure the JS-SDK. Code: infra/local/demo/h5-demo.ts</small></p>`;
  if (!view.appid) {
    return document(`${banner}
<form class="card" method="get" action="${DEMO_PATH}"><p>Which Official Account serves this page? (an account a tenant bound, e.g. after the console tour)</p>
<label>appid <input name="appid" placeholder="wxd3e0000000000001" pattern="wx[0-9a-f]{16}" required></label> <button>Open the page</button></form>`);
  }
  const appid = escapeHtml(view.appid);
  const login = (scope: string) => `${DEMO_PATH}/login?appid=${appid}&amp;scope=${scope}`;
  const error = view.error
    ? `<div class="card error" role="alert" data-testid="demo-error" data-error="${escapeHtml(view.error)}">${escapeHtml(ERROR_WORDS[view.error] ?? `Sign-in failed: ${view.error}.`)}</div>`
    : '';
  const who = view.user
    ? `<div class="card who" data-testid="demo-user">
<div class="avatar">${view.user.user?.headImgUrl ? `<img src="${escapeHtml(view.user.user.headImgUrl)}" alt="" width="64" height="64" onerror="this.remove()">` : ''}${escapeHtml((view.user.user?.nickname ?? '?').slice(-1))}</div>
<dl><dt>nickname</dt><dd data-testid="demo-nickname">${escapeHtml(view.user.user?.nickname ?? '— (snsapi_base: no profile)')}</dd>
<dt>openid</dt><dd data-testid="demo-openid">${escapeHtml(view.user.openid)}</dd>
<dt>unionid</dt><dd data-testid="demo-unionid">${escapeHtml(view.user.unionid ?? '— (none: the account has no open platform account, or snsapi_base)')}</dd>
<dt>avatar</dt><dd>${escapeHtml(view.user.user?.headImgUrl ?? '—')}</dd>
<dt>scope</dt><dd>${escapeHtml(view.user.scope)}</dd><dt>tenant</dt><dd>${escapeHtml(view.user.tenantId)}</dd></dl></div>`
    : `<div class="card" data-testid="demo-anonymous"><p>The page does not know who you are yet.</p>
<a class="button" data-testid="demo-login" href="${login('snsapi_userinfo')}">Sign in with WeChat (nickname and avatar: snsapi_userinfo)</a>
<a class="button plain" data-testid="demo-login-base" href="${login('snsapi_base')}">Silent (openid only: snsapi_base)</a></div>`;
  const config = view.jssdk;
  const jssdk =
    typeof config === 'object'
      ? `<pre data-testid="demo-jssdk">// served by the back end for this page's URL: ${escapeHtml(view.pageUrl ?? '')}
wx.config(${escapeHtml(JSON.stringify({ debug: false, ...config, jsApiList: ['updateAppMessageShareData', 'chooseImage'] }, null, 2))});</pre>`
      : `<p class="card error" data-testid="demo-jssdk-error">No JS-SDK config: the hub answered ${escapeHtml(config ?? '')}.</p>`;
  const setup = `<form class="card setup" method="post" action="${DEMO_PATH}/setup"><strong>Local setup (not part of the sample).</strong>
The hub sends visitors back only to origins the tenant allowed (<code>PUT /v1/oauth/origins</code>; in production the tenant's admin does it once).
${view.setup ? `<p data-testid="demo-setup-result">${escapeHtml(view.setup)}</p>` : ''}
<input type="hidden" name="appid" value="${appid}"><label>Allow <code>${escapeHtml(view.origin)}</code> for tenant <input name="tenant" value="demo" size="12"></label> <button data-testid="demo-setup">Allow</button></form>`;
  return document(`${banner}${error}
<h1>Welcome · 欢迎</h1><p>Account <code>${appid}</code></p>
${who}
<h2>JS-SDK</h2>${jssdk}
<p><small>In WeChat the page loads <code>https://res.wx.qq.com/open/js/jweixin-1.6.0.js</code> and calls <code>wx.config</code> with these values; the page's host must be a JS接口安全域名 (the platform's 公众号开发域名, docs/DEPLOY.md).</small></p>
${setup}`);
}

const document = (body: string): string => `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>SAMPLE product page · oa-hub demo</title><style>${style}</style></head><body>
${body}
</body></html>`;
