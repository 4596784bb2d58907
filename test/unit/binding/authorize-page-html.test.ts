import { describe, expect, it } from 'vitest';
import { forwardPage, messagePage } from '#functions/authorize-page/page.ts';

const WECHAT =
  'https://mp.weixin.qq.com/cgi-bin/componentloginpage?component_appid=wxc0ffee0000000001&pre_auth_code=preauthcode@@@a&redirect_uri=https%3A%2F%2Fhub.example.com%2Fv1%2Fwechat%2Fauthorized%3Fstate%3Dabc&auth_type=1';

const nonceOf = (csp: string) => /script-src 'nonce-([^']+)'/.exec(csp)?.[1];

describe('the authorization page’s HTML', () => {
  it('shows the WeChat URL as a visible link, HTML-escaped', () => {
    // Act
    const page = forwardPage(WECHAT);

    // Assess
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`<a id="continue" href="${WECHAT.replace(/&/g, '&amp;')}">`);
  });

  it('navigates with its one script, allowed by the CSP nonce and nothing else', () => {
    // Act
    const page = forwardPage(WECHAT);

    // Assess
    const csp = page.headers['content-security-policy']!;
    const nonce = nonceOf(csp);
    expect(nonce).toMatch(/^[A-Za-z0-9+/=]{20,}$/);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.body.match(/<script[^>]*>/g)).toEqual([`<script nonce="${nonce}">`]);
    expect(page.body).toContain("location.replace(document.getElementById('continue').href)");
    expect(page.body).not.toMatch(/\son[a-z]+=/);
  });

  it('uses a fresh nonce for every answer', () => {
    // Act
    const nonces = [forwardPage(WECHAT), forwardPage(WECHAT)].map((page) => nonceOf(page.headers['content-security-policy']!));

    // Assess
    expect(nonces[0]).not.toBe(nonces[1]);
  });

  it('sends the origin as Referer, is never cached or sniffed, and cannot be framed', () => {
    // Act
    const { headers } = forwardPage(WECHAT);

    // Assess
    expect(headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'referrer-policy': 'strict-origin',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
    });
  });

  it('escapes a URL that would break out of the attribute', () => {
    // Act
    const page = forwardPage('https://mp.weixin.qq.com/x?a="><script>alert(1)</script>');

    // Assess
    expect(page.body).not.toContain('"><script>alert(1)');
    expect(page.body).toContain('&quot;&gt;&lt;script&gt;');
  });

  it.each([
    ['gone', 410],
    ['invalid', 400],
    ['failed', 500],
  ] as const)('answers %s with HTTP %i, no script and the way back to the console', (kind, status) => {
    // Act
    const page = messagePage(kind, 'https://console.example.com/oa');

    // Assess
    expect(page.statusCode).toBe(status);
    expect(page.body).toContain('id="problem"');
    expect(page.body).toContain('href="https://console.example.com/oa"');
    expect(page.body).not.toContain('<script');
    expect(page.headers['cache-control']).toBe('no-store');
  });
});
