/**
 * The visitor's side of WeChat's web authorization page (`/connect/oauth2/authorize`, WECHAT.md
 * §11.2–11.3): `snsapi_base` redirects at once (silent), `snsapi_userinfo` shows a consent page —
 * plain HTML, no script, stable names for browser tests: `select[name=visitor]`, `button#allow`,
 * `button#deny` — whose form posts back here. A bad link shows WeChat's error page (`#error`).
 * `?sim_visitor=<name>` after the six link parameters picks the visitor of a silent authorization.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { renderErrorPage } from './consent-page.ts';
import { readBody, sendHtml } from './http-io.ts';
import { DEFAULT_VISITOR, SIM_VISITORS, visitorNickname, type SimWebAuth } from './web-auth.ts';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function consentPage(action: string, query: URLSearchParams, nickname: string): string {
  const hidden = [...query].map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`).join('\n');
  const visitors = SIM_VISITORS.map((visitor) => `<option value="${visitor}">${escapeHtml(visitorNickname(visitor))}</option>`).join('');
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>微信模拟器 · 网页授权</title><style>body{font-family:system-ui,"PingFang SC",sans-serif;max-width:30rem;margin:2rem auto;padding:0 1rem}
.banner{background:#fff3cd;border:1px solid #e0c97a;padding:.5rem .75rem;border-radius:4px}button{padding:.6rem 1.4rem;border-radius:4px;border:0;font-size:1rem;margin-right:.5rem}
#allow{background:#07c160;color:#fff}</style></head>
<body><p class="banner">⚠ 微信模拟器 (WeChat simulator) — 本地测试环境，不是真实的微信。</p>
<h1>${escapeHtml(nickname)} 申请获得以下权限</h1><p>获得你的公开信息（昵称、头像等） · Your public profile (nickname, avatar)</p>
<form method="post" action="${escapeHtml(action)}">
${hidden}
<label>模拟访客 · Simulated visitor <select name="visitor">${visitors}</select></label>
<p><button id="allow" name="decision" value="allow">允许 · Allow</button><button id="deny" name="decision" value="deny">拒绝 · Deny</button></p>
</form></body></html>`;
}

/** GET shows the page (or redirects at once for `snsapi_base`); POST carries the visitor's choice. */
export async function handleWebAuthPage(req: IncomingMessage, res: ServerResponse, url: URL, webAuth: SimWebAuth): Promise<void> {
  const redirect = (location: string): void => void res.writeHead(302, { location, 'cache-control': 'no-store' }).end();
  if (req.method === 'GET') {
    const link = webAuth.checkLink(url.searchParams);
    if ('problem' in link) return sendHtml(res, 200, renderErrorPage(link.problem));
    if (link.scope === 'snsapi_base') return redirect(webAuth.decide(link, url.searchParams.get('sim_visitor') ?? DEFAULT_VISITOR, true));
    return sendHtml(res, 200, consentPage(url.pathname, url.searchParams, link.account.nickname));
  }
  if (req.method !== 'POST') {
    res.writeHead(405, { allow: 'GET, POST' }).end();
    return;
  }
  const form = new URLSearchParams(await readBody(req, 64 * 1024));
  const decision = form.get('decision');
  const visitor = form.get('visitor') ?? DEFAULT_VISITOR;
  for (const name of ['decision', 'visitor']) form.delete(name);
  const link = webAuth.checkLink(form);
  if ('problem' in link) return sendHtml(res, 200, renderErrorPage(link.problem));
  try {
    return redirect(webAuth.decide(link, visitor, decision === 'allow'));
  } catch {
    return sendHtml(res, 200, renderErrorPage('无效的访客 (invalid visitor)'));
  }
}

/** What the page does, programmatically: the URL WeChat sends the browser to after the visitor's choice. */
export function webAuthorize(webAuth: SimWebAuth, authorizeUrl: string, choice: { visitor?: string; allow?: boolean } = {}): { location: string } {
  const link = webAuth.checkLink(new URL(authorizeUrl).searchParams);
  if ('problem' in link) throw new Error(link.problem);
  return { location: webAuth.decide(link, choice.visitor ?? DEFAULT_VISITOR, link.scope === 'snsapi_base' ? true : (choice.allow ?? true)) };
}
