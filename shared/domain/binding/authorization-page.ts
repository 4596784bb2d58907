/**
 * GET /v1/wechat/authorize: the hub's page that starts an authorization (DESIGN.md §3 "Binding").
 *
 * WeChat opens its consent page only when the browser comes from the platform's registered
 * 授权发起页域名 (WECHAT.md §4.3: it checks the Referer). The console may live on another domain, so
 * the links of POST /v1/authorizations point here, on the hub's own domain, and this page forwards
 * the browser to WeChat.
 *
 * Never an open redirect: WeChat's URL is rebuilt from what the hub stored with the link's state
 * (component appid, pre-auth code, re-authorized appid) and the hub's own configuration
 * (`WECHAT_MP_BASE`, `PUBLIC_BASE_URL`); nothing but the state and the device comes from the query.
 * Reading the page spends nothing: the callback spends the state, and after that the link is gone.
 *
 * The pre-auth code is stored sealed (AES-256-GCM) under a key derived from the state, of which the
 * table holds only the SHA-256: a leaked table yields neither the state nor a usable code.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { callbackRedirectUri, mobileAuthorizeUrl, pcAuthorizeUrl, type AuthorizeDevice } from '#shared/domain/binding/authorization-urls.ts';
import type { AuthorizationStates } from '#shared/domain/binding/ports.ts';

const KEY_INFO = 'oa-hub authorization page: pre_auth_code';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const keyOf = (state: string): Buffer => Buffer.from(hkdfSync('sha256', state, Buffer.alloc(0), KEY_INFO, 32));

/** `<iv>.<ciphertext>.<tag>`, base64url. */
export function sealPreAuthCode(state: string, preAuthCode: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keyOf(state), iv);
  const sealed = Buffer.concat([cipher.update(preAuthCode, 'utf8'), cipher.final()]);
  return [iv, sealed, cipher.getAuthTag()].map((part) => part.toString('base64url')).join('.');
}

/** The pre-auth code, or `undefined` when the sealed text was not sealed with this state. */
export function openPreAuthCode(state: string, sealed: string): string | undefined {
  const [iv, text, tag] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
  if (!iv || !text || !tag || iv.length !== IV_BYTES || tag.length !== TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyOf(state), iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(text), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

export interface AuthorizationPageDeps {
  states: Pick<AuthorizationStates, 'find'>;
  publicBaseUrl: string;
  /** `WECHAT_MP_BASE`. */
  mpBase: string;
  now: () => Date;
}

/**
 * - `forward`: WeChat's consent page for this link;
 * - `gone`: nothing to forward to. The person sees one answer for every reason (no oracle); the reason
 *   is for the log: `unknown` (never issued, or spent by the callback), `expired` (the state or the
 *   pre-auth code), `unreadable` (a state stored before the page existed, or a seal that does not open).
 */
export type AuthorizationPageOutcome = { kind: 'forward'; wechatUrl: string } | { kind: 'gone'; reason: 'unknown' | 'expired' | 'unreadable' };

export async function authorizationPage(request: { state: string; device: AuthorizeDevice }, deps: AuthorizationPageDeps): Promise<AuthorizationPageOutcome> {
  const stored = await deps.states.find(request.state);
  if (!stored) return { kind: 'gone', reason: 'unknown' };
  const now = deps.now().getTime();
  if (!stored.page) return { kind: 'gone', reason: 'unreadable' };
  if (!(Date.parse(stored.expiresAt) > now) || !(Date.parse(stored.page.preAuthCodeExpiresAt) > now)) return { kind: 'gone', reason: 'expired' };
  const preAuthCode = openPreAuthCode(request.state, stored.page.sealedPreAuthCode);
  if (!preAuthCode) return { kind: 'gone', reason: 'unreadable' };

  const input = {
    mpBase: deps.mpBase,
    componentAppId: stored.page.componentAppId,
    preAuthCode,
    redirectUri: callbackRedirectUri(deps.publicBaseUrl, request.state),
    ...(stored.appid ? { bizAppid: stored.appid } : {}),
  };
  return { kind: 'forward', wechatUrl: request.device === 'mobile' ? mobileAuthorizeUrl(input) : pcAuthorizeUrl(input) };
}
