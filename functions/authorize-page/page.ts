/**
 * The HTML answers of GET /v1/wechat/authorize (`handler.ts`): the page that forwards the browser to
 * WeChat's consent page, and the pages that explain why it cannot.
 *
 * - The forward is a navigation by the page itself (one nonce'd script, `location.replace`), not a
 *   302: a redirect would keep the console's Referer, and WeChat checks that the Referer is the
 *   registered 授权发起页域名, i.e. this page's origin. `Referrer-Policy: strict-origin` sends exactly
 *   that origin and nothing of the path (which holds the state). The link stays visible as a fallback.
 * - Strict headers: a CSP that allows only this page's nonce'd script and style, no framing, no
 *   sniffing, never cached (the page embeds a single-use pre-auth code).
 */
import { randomBytes } from 'node:crypto';

export interface HtmlResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const style = `body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#222;line-height:1.5}
a{color:#07c160;font-weight:600}.note{color:#666}`;

function html(statusCode: number, title: string, body: string, script = ''): HtmlResponse {
  const nonce = randomBytes(16).toString('base64');
  return {
    statusCode,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'strict-origin',
      'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    },
    body: `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style nonce="${nonce}">${style}</style></head>
<body><main>
${body}
</main>${script ? `\n<script nonce="${nonce}">${script}</script>` : ''}
</body></html>`,
  };
}

/** 200: forwards to `wechatUrl` at once; the link is the fallback when scripts do not run. */
export function forwardPage(wechatUrl: string): HtmlResponse {
  return html(
    200,
    '正在打开微信授权页面 · Opening WeChat authorization',
    `<h1>正在打开微信授权页面…</h1>
<p>Opening WeChat’s authorization page…</p>
<p><a id="continue" href="${escapeHtml(wechatUrl)}">继续前往微信授权 · Continue to WeChat</a></p>`,
    "location.replace(document.getElementById('continue').href);",
  );
}

export type MessageKind = 'gone' | 'invalid' | 'failed';

const messages: Record<MessageKind, { status: number; zh: string; en: string }> = {
  gone: {
    status: 410,
    zh: '此授权链接已失效。',
    en: 'This authorization link is no longer valid: it was already used, it expired, or it never existed. Start the binding again from the console.',
  },
  invalid: { status: 400, zh: '授权链接不完整。', en: 'This authorization link is incomplete. Start the binding again from the console.' },
  failed: { status: 500, zh: '暂时无法打开微信授权页面。', en: 'WeChat’s authorization page cannot be opened right now. Try again in a moment.' },
};

/** 4xx/5xx: why there is nothing to forward to, with the way back to the console. */
export function messagePage(kind: MessageKind, consoleUrl: string): HtmlResponse {
  const message = messages[kind];
  return html(
    message.status,
    '微信授权 · WeChat authorization',
    `<h1 id="problem">${escapeHtml(message.zh)}</h1>
<p>${escapeHtml(message.en)}</p>
<p class="note"><a href="${escapeHtml(consoleUrl)}">返回控制台 · Back to the console</a></p>`,
  );
}
