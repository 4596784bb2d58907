/**
 * The admin's side of WeChat's authorization page (mp.weixin.qq.com `componentloginpage` and the
 * mobile `safe/bindcomponent`): plain HTML, no script, ids and names stable for browser tests —
 * `input[name=appid][value=wx…]` (radio), `input[name=func_id][value=N]` (checkbox), `#authorize`.
 */
import { permissionSets, defaultConsentFuncIds } from './accounts.ts';
import type { AccountRecord } from './world.ts';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const style = `body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#222}
.banner{background:#fff3cd;border:1px solid #e0c97a;padding:.5rem .75rem;border-radius:4px}
fieldset{margin:1rem 0;border:1px solid #ccc;border-radius:4px}label{display:block;margin:.25rem 0}
.funcs label{display:inline-block;width:13rem}small{color:#666}
button{background:#07c160;color:#fff;border:0;padding:.6rem 1.4rem;border-radius:4px;font-size:1rem;cursor:pointer}
.error{color:#b00020}`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${style}</style></head>
<body><p class="banner">⚠ 微信模拟器 (WeChat simulator) — 本地测试环境，不是真实的微信。Local stand-in for WeChat, not the real one.</p>
${body}
</body></html>`;
}

export interface ConsentPageInput {
  action: string;
  componentAppid: string;
  preAuthCode: string;
  redirectUri: string;
  authType?: string;
  bizAppid?: string;
  componentName: string;
  accounts: AccountRecord[];
}

export function renderConsentPage(input: ConsentPageInput): string {
  const hidden = Object.entries({
    component_appid: input.componentAppid,
    pre_auth_code: input.preAuthCode,
    redirect_uri: input.redirectUri,
    auth_type: input.authType ?? '',
    biz_appid: input.bizAppid ?? '',
  })
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`)
    .join('\n');

  const accounts = input.accounts
    .map((account, i) => {
      const kind = account.serviceType === 'service' ? '服务号 service' : '订阅号 subscription';
      const verified = account.verified ? '已认证 verified' : '未认证 unverified';
      const state = account.grant && !account.grant.revoked ? ' · 已授权 already authorized' : '';
      return `<label for="account-${account.appid}"><input type="radio" id="account-${account.appid}" name="appid" value="${account.appid}"${i === 0 ? ' checked' : ''}>
 <strong>${escapeHtml(account.nickname)}</strong> <small>${account.appid} · ${account.userName} · ${kind} · ${verified}${state}</small></label>`;
    })
    .join('\n');

  const funcs = permissionSets
    .map(
      (set) =>
        `<label for="func-${set.id}"><input type="checkbox" id="func-${set.id}" name="func_id" value="${set.id}"${defaultConsentFuncIds.includes(set.id) ? ' checked' : ''}> ${set.id} ${escapeHtml(set.name)}</label>`,
    )
    .join('\n');

  return page(
    '微信模拟器 · 公众号授权 (WeChat simulator consent)',
    `<h1>公众号授权 · Authorize an Official Account</h1>
<p>第三方平台 <strong>${escapeHtml(input.componentName)}</strong> (<code>${escapeHtml(input.componentAppid)}</code>) 请求获得以下公众号的授权。</p>
<form id="consent" method="post" action="${escapeHtml(input.action)}">
${hidden}
<fieldset id="accounts"><legend>选择公众号 · Choose the account</legend>
${accounts || '<p class="error">没有可授权的公众号 (no account can authorize here)</p>'}
</fieldset>
<fieldset id="funcs" class="funcs"><legend>权限集 · Permission sets</legend>
${funcs}
</fieldset>
<button id="authorize" type="submit">授权 / Authorize</button>
</form>`,
  );
}

/**
 * WeChat shows its consent page only to a browser that comes from the platform's registered
 * 授权发起页域名 (WECHAT.md §4.3): it checks the Referer, and otherwise shows an error naming the
 * entry page's domain (空 when there is no Referer). `undefined` when the Referer's origin is
 * `allowedOrigin` (the simulator compares origins: locally the port tells the hub from other pages).
 */
export function refererProblem(referer: string | undefined, allowedOrigin: string): string | undefined {
  let origin: string | undefined;
  try {
    origin = referer ? new URL(referer).origin : undefined;
  } catch {
    origin = undefined;
  }
  if (origin !== undefined && origin === new URL(allowedOrigin).origin) return undefined;
  return (
    `请确认授权入口页所在域名，与授权后回调页所在域名相同，并且，此两者都必须与申请第三方平台时填写的授权发起页域名相同。` +
    `授权入口页所在域名：${origin ?? '空'} (the page that opened this one is not on the authorization page domain ${new URL(allowedOrigin).origin})`
  );
}

export function renderErrorPage(message: string): string {
  return page(
    '微信模拟器 · 授权失败 (WeChat simulator error)',
    `<h1>授权失败 · Authorization failed</h1>\n<p id="error" class="error">${escapeHtml(message)}</p>`,
  );
}

/** `redirect_uri` + `auth_code=…&expires_in=…`, joined with `?` or `&`, placed before any fragment. */
export function redirectWithCode(redirectUri: string, authCode: string, expiresIn: number): string {
  const hashAt = redirectUri.indexOf('#');
  const base = hashAt === -1 ? redirectUri : redirectUri.slice(0, hashAt);
  const fragment = hashAt === -1 ? '' : redirectUri.slice(hashAt);
  const joiner = !base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&';
  // WeChat leaves the code's `@@@` unencoded; the code holds no other reserved character.
  return `${base}${joiner}auth_code=${authCode}&expires_in=${expiresIn}${fragment}`;
}
