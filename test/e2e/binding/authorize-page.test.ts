/**
 * The hub's authorization page over real HTTP (issue 11): the authorizeUrl of POST /v1/authorizations
 * is a page on the hub's domain that forwards the browser to WeChat's consent page, and the simulated
 * WeChat shows that page only to a browser coming from the hub's origin (its 授权发起页域名), as
 * WeChat checks the Referer. A link that is used, unknown or incomplete gets an error page and
 * changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '#infra/local/stack.ts';
import { DEFAULT_BIND_FUNC_IDS, followCallback, forwardLinkOf, openAuthorizeUrl } from '#test/e2e/support/binding.ts';
import { tableSnapshot } from '#test/e2e/support/table-snapshot.ts';

interface Link {
  authorizeUrl: string;
  mobileAuthorizeUrl: string;
  expiresAt: string;
}

describe('the authorization page on the hub’s domain', () => {
  let stack: LocalStack;
  let accountCounter = 0;

  const newAccount = () => {
    accountCounter += 1;
    return stack.simulator!.addAccount({
      appid: `wxe2ea${String(accountCounter).padStart(12, '0')}`,
      nickname: `Page ${accountCounter}`,
      serviceType: 'service',
      verified: true,
      followers: 0,
    }).appid;
  };
  const newLink = async (tenant: string): Promise<Link> => {
    const token = await stack.consoleToken({ tenant, admin: true });
    const response = await fetch(`${stack.baseUrl}/v1/authorizations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    if (response.status !== 201) throw new Error(`POST /v1/authorizations answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as Link;
  };
  const open = (url: string, headers: Record<string, string> = {}) => fetch(url, { redirect: 'manual', headers });
  const forwardOf = async (url: string) => new URL(forwardLinkOf(await (await open(url)).text()));
  const snapshot = () => tableSnapshot(stack.dynamoDbEndpoint, stack.tableName);

  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      inMemory: true,
      wecomSimulator: { ticketIntervalMs: 0 },
      simulator: { ticketIntervalMs: 0 },
      log: () => undefined,
    });
    await stack.simulator!.pushTicket();
  });

  afterAll(() => stack?.stop());

  it('hands the console links to the hub’s own page, not to WeChat', async () => {
    // Act
    const link = await newLink('t-page-links');

    // Assess
    expect(new URL(link.authorizeUrl).origin).toBe(stack.baseUrl);
    expect(new URL(link.authorizeUrl).pathname).toBe('/v1/wechat/authorize');
    expect(link.authorizeUrl).not.toContain('pre_auth_code');
    expect(link.mobileAuthorizeUrl).not.toContain('pre_auth_code');
  });

  it('answers an HTML page that forwards to the simulator’s consent page, with strict headers', async () => {
    // Prepare
    const link = await newLink('t-page-html');

    // Act
    const page = await open(link.authorizeUrl);
    const html = await page.text();

    // Assess
    const forward = new URL(forwardLinkOf(html));
    expect(page.status).toBe(200);
    expect(`${forward.origin}${forward.pathname}`).toBe(`${stack.simulator!.baseUrl}/cgi-bin/componentloginpage`);
    expect(new URL(forward.searchParams.get('redirect_uri')!).origin).toBe(stack.baseUrl);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('referrer-policy')).toBe('strict-origin');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const nonce = /script-src 'nonce-([^']+)'/.exec(page.headers.get('content-security-policy') ?? '')?.[1];
    expect(html).toContain(`<script nonce="${nonce}">location.replace(`);
  });

  it('forwards the mobile link to the bindcomponent page', async () => {
    // Prepare
    const link = await newLink('t-page-mobile');

    // Act
    const forward = await forwardOf(link.mobileAuthorizeUrl);

    // Assess
    expect(forward.pathname).toBe('/safe/bindcomponent');
    expect(forward.hash).toBe('#wechat_redirect');
  });

  it('gets the consent form from the simulator with the hub’s origin as Referer', async () => {
    // Prepare
    const forward = await forwardOf((await newLink('t-page-referer')).authorizeUrl);

    // Act
    const consent = await (await open(forward.toString(), { referer: `${stack.baseUrl}/` })).text();

    // Assess
    expect(consent).toContain('id="authorize"');
  });

  it.each([
    ['another origin (the console elsewhere)', { referer: 'https://console.example.com/accounts' }],
    ['no Referer at all', {}],
  ])('gets WeChat’s domain error instead of the consent form from %s', async (_name, headers: Record<string, string>) => {
    // Prepare
    const forward = await forwardOf((await newLink('t-page-foreign')).authorizeUrl);

    // Act
    const consent = await (await open(forward.toString(), headers)).text();

    // Assess
    expect(consent).toContain('id="error"');
    expect(consent).toContain('授权入口页所在域名');
    expect(consent).not.toContain('id="authorize"');
  });

  it('completes the binding when the person consents on the page it forwarded to', async () => {
    // Prepare
    const appid = newAccount();
    const link = await newLink('t-page-bind');
    const consentPage = await openAuthorizeUrl(link.authorizeUrl);

    // Act
    const { location: callbackUrl } = await stack.simulator!.consent({
      preAuthCode: consentPage.searchParams.get('pre_auth_code')!,
      appid,
      funcIds: [...DEFAULT_BIND_FUNC_IDS],
      redirectUri: consentPage.searchParams.get('redirect_uri')!,
    });
    const { location } = await followCallback(callbackUrl);

    // Assess
    expect([location.searchParams.get('bind'), location.searchParams.get('appid')]).toEqual(['ok', appid]);
  });

  it('answers 410 to a used link and changes nothing', async () => {
    // Prepare
    const appid = newAccount();
    const link = await newLink('t-page-used');
    const consentPage = await openAuthorizeUrl(link.authorizeUrl);
    const { location: callbackUrl } = await stack.simulator!.consent({
      preAuthCode: consentPage.searchParams.get('pre_auth_code')!,
      appid,
      funcIds: [...DEFAULT_BIND_FUNC_IDS],
      redirectUri: consentPage.searchParams.get('redirect_uri')!,
    });
    await followCallback(callbackUrl);
    await stack.queues.drain('fan-sync');
    const before = await snapshot();

    // Act
    const page = await open(link.authorizeUrl);
    const html = await page.text();

    // Assess
    expect(page.status).toBe(410);
    expect(html).toContain('id="problem"');
    expect(html).not.toContain('id="continue"');
    expect(await snapshot()).toEqual(before);
  });

  it('answers 410 to a state it never issued and changes nothing', async () => {
    // Prepare
    const before = await snapshot();

    // Act
    const page = await open(`${stack.baseUrl}/v1/wechat/authorize?state=AAAAAAAAAAAAAAAAAAAAAA`);

    // Assess
    expect(page.status).toBe(410);
    expect(await page.text()).not.toContain('id="continue"');
    expect(await snapshot()).toEqual(before);
  });

  it('answers 400 to a link without a usable state', async () => {
    // Act
    const page = await open(`${stack.baseUrl}/v1/wechat/authorize?state=short`);

    // Assess
    expect(page.status).toBe(400);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
  });

  it('never forwards to a URL from the query: extra parameters change nothing of the forward', async () => {
    // Prepare
    const link = await newLink('t-page-open-redirect');
    const tampered = new URL(link.authorizeUrl);
    const injected: [string, string][] = [
      ['url', 'https://evil.example/'],
      ['redirect_uri', 'https://evil.example/cb'],
      ['mpBase', 'https://evil.example'],
    ];
    for (const [name, value] of injected) tampered.searchParams.set(name, value);

    // Act
    const forward = await forwardOf(tampered.toString());

    // Assess
    expect(forward.origin).toBe(stack.simulator!.baseUrl);
    expect(forward.toString()).not.toContain('evil.example');
  });
});
