/**
 * The console as the local gateway serves it: `/console` is the page shell, `/console/app.js` and
 * `/console/app.css` the app (infra/local/console/, bundled in memory by esbuild on first request).
 *
 * The shell renders the authorization callback's result (`?bind=ok&appid=…` / `?bind=error&code=…`)
 * itself, in words, so it shows even before the script runs; only values shaped like what the hub
 * puts there are echoed, always escaped. It also links the local extras: the OpenAPI document, the
 * token command and the WeChat simulator, in a footer the app says again in the chosen language (it
 * carries the addresses as `data-base-url` / `data-simulator-url` for that).
 */
import { bindOutcome } from '#infra/local/console/words.ts';

export { consoleAsset, type ConsoleAsset } from '#infra/local/console/bundle.ts';

export interface ConsolePageInfo {
  baseUrl: string;
  simulatorUrl?: string;
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function bindBanner(query: URLSearchParams): string {
  const outcome = bindOutcome(query);
  if (!outcome) return '';
  if (outcome.ok) {
    return `<div id="bind-result" class="bind-result ok" data-testid="bind-result" data-bind="ok" data-appid="${escapeHtml(outcome.appid!)}" role="status"><div>
<p><strong>Bound.</strong> ${escapeHtml(outcome.text)}</p>
<p>Official Account <code id="bind-appid">${escapeHtml(outcome.appid!)}</code></p></div></div>`;
  }
  return `<div id="bind-result" class="bind-result error" data-testid="bind-result" data-bind="error" role="alert"><div>
<p><strong>The binding did not complete.</strong> ${escapeHtml(outcome.text)}</p>
${outcome.message ? `<p>${escapeHtml(outcome.message)}</p>` : ''}
<p class="small">Error code <code id="bind-code">${escapeHtml(outcome.code!)}</code>${outcome.appid ? ` · account <code>${escapeHtml(outcome.appid)}</code>` : ''}</p></div></div>`;
}

export function consolePage(query: URLSearchParams, info: ConsolePageInfo): string {
  const simulator = info.simulatorUrl
    ? ` · <a href="${escapeHtml(info.simulatorUrl)}/__sim/accounts">WeChat simulator</a> (its accounts and controls under <code>/__sim/</code>)`
    : ' · no WeChat simulator (<code>WECHAT_API_BASE</code> is set)';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>oa-hub console (local)</title>
<link rel="stylesheet" href="/console/app.css">
<script defer src="/console/app.js"></script>
</head>
<body>
<div class="frame">
${bindBanner(query)}
<div id="app"><noscript><p>The console needs JavaScript. The API works without it: see <a href="/openapi.json">/openapi.json</a>.</p></noscript></div>
<footer id="shell-footer" data-base-url="${escapeHtml(info.baseUrl)}"${info.simulatorUrl ? ` data-simulator-url="${escapeHtml(info.simulatorUrl)}"` : ''}>Local stack at <code>${escapeHtml(info.baseUrl)}</code> · <a href="/openapi.json">OpenAPI document</a> · tokens: <code>npm run token -- --tenant &lt;id&gt; [--admin] [--departments a,b]</code> or <code>--operator</code>${simulator}</footer>
</div>
</body>
</html>
`;
}
