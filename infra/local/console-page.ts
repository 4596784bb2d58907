/**
 * The page the local stack serves at `/console` until the real console app exists: it is where
 * the authorization callback lands (`?bind=ok&appid=…` / `?bind=error&code=…`), so it shows that
 * result, and it tells a person how to reach the API locally.
 */
export interface ConsolePageInfo {
  baseUrl: string;
  simulatorUrl?: string;
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Only values that look like what the hub puts there are echoed; anything else is ignored. */
const appIdShape = /^wx[0-9a-zA-Z]{16}$/;
const errorCodeShape = /^[a-z_]{1,64}$/;

export function consolePage(query: URLSearchParams, info: ConsolePageInfo): string {
  const bind = query.get('bind');
  const appid = query.get('appid') ?? '';
  const code = query.get('code') ?? '';
  let result = '';
  if (bind === 'ok' && appIdShape.test(appid)) {
    result = `<p id="bind-result" class="ok" data-bind="ok">Bound the Official Account <code id="bind-appid">${escapeHtml(appid)}</code>.</p>`;
  } else if (bind === 'error' && errorCodeShape.test(code)) {
    result = `<p id="bind-result" class="error" data-bind="error">The binding failed: <code id="bind-code">${escapeHtml(code)}</code>.</p>`;
  }
  const base = escapeHtml(info.baseUrl);
  const simulator = info.simulatorUrl
    ? `<h2>Simulated WeChat</h2>
<ul>
  <li>Simulator: <a href="${escapeHtml(info.simulatorUrl)}/__sim/accounts">${escapeHtml(info.simulatorUrl)}</a> (its accounts, calls and controls under <code>/__sim/</code>)</li>
  <li>The consent page opens from the <code>authorizeUrl</code> that <code>POST /v1/authorizations</code> returns.</li>
</ul>`
    : '<p>No WeChat simulator is running (<code>WECHAT_API_BASE</code> is set).</p>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>oa-hub console (local)</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 48rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
  code, pre { background: #f4f4f4; padding: 0.1rem 0.3rem; border-radius: 3px; }
  pre { padding: 0.6rem; overflow-x: auto; }
  .ok { color: #0a6d2c; } .error { color: #a4161a; }
</style>
</head>
<body>
<h1>oa-hub console (local)</h1>
<p>The console app is not built yet; this page shows the result of a binding and how to call the API of this local hub.</p>
${result}
<h2>Call the API</h2>
<pre>TOKEN=$(npm run -s token -- --tenant demo --admin)
curl -H "Authorization: Bearer $TOKEN" ${base}/v1/audit
curl -X POST -H "Authorization: Bearer $TOKEN" ${base}/v1/authorizations</pre>
<p>Tokens: <code>--tenant &lt;id&gt; [--admin] [--departments a,b] [--sub &lt;user&gt;] [--ttl &lt;seconds&gt;]</code>; for the internal route <code>--service &lt;name&gt;</code>.</p>
${simulator}
</body>
</html>
`;
}
