/**
 * Binds an Official Account to a tenant the way a person does it, over real HTTP against the local
 * stack: an admin asks the hub for an authorization link (POST /v1/authorizations), the browser opens
 * it (the hub's page, which forwards to WeChat's consent page with the hub's origin as Referer),
 * consents on the simulator's page, and follows WeChat's redirect to the hub's callback. What comes
 * back is where the callback sends the browser: CONSOLE_URL?bind=ok&appid=… or CONSOLE_URL?bind=error&code=….
 */
import type { LocalStack } from '#infra/local/stack.ts';

export interface BindRequest {
  tenant: string;
  /** The account the person picks on the consent page. */
  appid: string;
  /** The permission sets the person leaves ticked. Default: every set the hub needs and then some. */
  funcIds?: number[];
  /** The console user (JWT sub) who asks for the link. */
  user?: string;
  /** Ask for a re-authorization link of this appid (POST body `{ appid }`): the page offers only that account. */
  reauthorize?: boolean;
  /** The binding options of the POST body (API.md §3); left out, the hub's defaults apply. */
  choices?: { openPlatform?: 'create' | 'none' | { openAppId: string }; plaintextAuthorization?: boolean };
}

/** Message management, user management, account service, web service, mass messages, material, menu, open platform, notifications. */
export const DEFAULT_BIND_FUNC_IDS: readonly number[] = [1, 2, 3, 4, 7, 11, 15, 24, 89];

// The simulator pushes its first ticket shortly after start; until the hub holds one it answers 503 wechat_not_ready.
const NOT_READY_RETRIES = 40;
const NOT_READY_PAUSE_MS = 250;

export async function bindThroughSimulator(stack: LocalStack, request: BindRequest): Promise<{ location: URL }> {
  const { callbackUrl } = await consentThroughSimulator(stack, request);
  return followCallback(callbackUrl);
}

/**
 * The first half of `bindThroughSimulator`: the link and the consent, stopping where WeChat redirects
 * the browser. `callbackUrl` is the hub's callback with `state`, `auth_code` and `expires_in`.
 */
export async function consentThroughSimulator(stack: LocalStack, request: BindRequest): Promise<{ callbackUrl: string; link: AuthorizationLink }> {
  const simulator = stack.simulator;
  if (!simulator) throw new Error('bindThroughSimulator needs a local stack started with the WeChat simulator');
  const token = await stack.consoleToken({ tenant: request.tenant, admin: true, ...(request.user ? { sub: request.user } : {}) });

  const link = await createAuthorizationLink(stack.baseUrl, token, { ...(request.reauthorize ? { appid: request.appid } : {}), ...request.choices });
  const consentPage = await openAuthorizeUrl(link.authorizeUrl);
  const preAuthCode = consentPage.searchParams.get('pre_auth_code');
  const redirectUri = consentPage.searchParams.get('redirect_uri');
  if (!preAuthCode || !redirectUri) throw new Error(`the consent page URL lacks pre_auth_code or redirect_uri: ${consentPage.toString()}`);

  const { location: callbackUrl } = await simulator.consent({
    preAuthCode,
    appid: request.appid,
    funcIds: request.funcIds ?? [...DEFAULT_BIND_FUNC_IDS],
    redirectUri,
  });
  return { callbackUrl, link };
}

/** The forward link of the hub's authorization page (`#continue`, the URL its script navigates to). */
export function forwardLinkOf(html: string): string {
  const href = /<a id="continue" href="([^"]+)"/.exec(html)?.[1];
  if (!href) throw new Error(`the hub's authorization page has no forward link: ${html.slice(0, 300)}`);
  return href.replace(/&(amp|lt|gt|quot|#39);/g, (_, name: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[name]!);
}

/**
 * A browser opening the authorizeUrl: the hub's page, then the consent page it forwards to, sent with
 * the Referer its `Referrer-Policy: strict-origin` gives (the hub's origin). Returns the consent page's
 * URL once the simulator showed the consent form for it.
 */
export async function openAuthorizeUrl(authorizeUrl: string): Promise<URL> {
  const page = await fetch(authorizeUrl, { redirect: 'manual' });
  const html = await page.text();
  if (page.status !== 200) throw new Error(`the hub's authorization page answered HTTP ${page.status}: ${html.slice(0, 300)}`);
  const consentUrl = new URL(forwardLinkOf(html));
  const consent = await fetch(consentUrl, { headers: { referer: `${new URL(authorizeUrl).origin}/` } });
  const consentHtml = await consent.text();
  if (!consentHtml.includes('id="authorize"')) throw new Error(`the consent page did not offer to authorize: ${consentHtml.slice(0, 500)}`);
  return consentUrl;
}

/** The browser arriving at the hub's callback: where the hub's 302 sends it. */
export async function followCallback(callbackUrl: string): Promise<{ location: URL }> {
  const callback = await fetch(callbackUrl, { redirect: 'manual' });
  const location = callback.headers.get('location');
  if (callback.status !== 302 || !location) {
    throw new Error(`the hub's callback answered HTTP ${callback.status} without a redirect: ${(await callback.text()).slice(0, 300)}`);
  }
  await callback.body?.cancel();
  return { location: new URL(location, callbackUrl) };
}

export interface AuthorizationLink {
  authorizeUrl: string;
  mobileAuthorizeUrl: string;
  expiresAt: string;
}

async function createAuthorizationLink(baseUrl: string, token: string, body: { appid?: string } & BindRequest['choices']): Promise<AuthorizationLink> {
  for (let attempt = 1; ; attempt += 1) {
    const response = await fetch(`${baseUrl}/v1/authorizations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status === 201) return JSON.parse(text) as AuthorizationLink;
    const notReady = response.status === 503 && text.includes('wechat_not_ready');
    if (!notReady || attempt >= NOT_READY_RETRIES) {
      throw new Error(`POST /v1/authorizations answered HTTP ${response.status}: ${text.slice(0, 300)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, NOT_READY_PAUSE_MS));
  }
}
