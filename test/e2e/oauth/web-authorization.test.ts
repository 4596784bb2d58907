/**
 * Web authorization and the JS-SDK config over real HTTP: the local stack (gateway, handlers, table)
 * with the WeChat simulator as WECHAT_OPEN_BASE, an account bound through the consent page, a product
 * page on loopback (allowed locally through OAUTH_LOOPBACK_ORIGINS) and a service token for the
 * internal routes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '#infra/local/stack.ts';
import { visitorNickname, visitorOpenid } from '#infra/local/wechat-simulator/web-auth.ts';
import { bindThroughSimulator } from '#test/e2e/support/binding.ts';

const TENANT = 't-oauth-e2e';
const PAGE = 'http://127.0.0.1:5173/h5?from=menu';

describe('web authorization through the local gateway', () => {
  let stack: LocalStack;
  let appid: string;
  let service: string;

  const json = async (response: Response) => ({ status: response.status, body: (await response.json()) as Record<string, any> });
  const internal = (path: string, body: unknown) =>
    fetch(`${stack.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${service}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const authorizeUrl = (query: Record<string, string>) => `${stack.baseUrl}/v1/oauth/${appid}/authorize?${new URLSearchParams(query)}`;

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, inMemory: true, log: () => undefined });
    appid = stack.simulator!.addAccount({
      appid: 'wxe2e0a00000000001',
      nickname: 'OAuth E2E',
      serviceType: 'service',
      verified: true,
      followers: 2,
      principalName: 'E2E OAuth Co.',
    }).appid;
    const { location } = await bindThroughSimulator(stack, { tenant: TENANT, appid });
    expect(location.searchParams.get('bind')).toBe('ok');
    const admin = await stack.consoleToken({ tenant: TENANT, admin: true });
    const put = await fetch(`${stack.baseUrl}/v1/oauth/origins`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ origins: ['http://127.0.0.1:5173'] }),
    });
    expect(put.status).toBe(200);
    service = await stack.serviceToken('shop');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('takes a consenting visitor from the page through WeChat and back, and the back end learns who they are', async () => {
    // Prepare
    const toWeChat = await fetch(authorizeUrl({ redirect_uri: PAGE, state: 'p1', scope: 'snsapi_userinfo' }), { redirect: 'manual' });
    const { location: toHub } = stack.simulator!.webAuthorize(toWeChat.headers.get('location')!, { visitor: 'visitor-3' });
    const toPage = await fetch(toHub, { redirect: 'manual' });
    const page = new URL(toPage.headers.get('location')!);

    // Act
    const exchanged = await json(await internal('/v1/internal/oauth/exchange', { code: page.searchParams.get('code') }));

    // Assess
    expect([toWeChat.status, toPage.status, page.origin + page.pathname, page.searchParams.get('state')]).toEqual([302, 302, 'http://127.0.0.1:5173/h5', 'p1']);
    expect(exchanged).toEqual({
      status: 200,
      body: expect.objectContaining({
        appid,
        tenantId: TENANT,
        openid: visitorOpenid(appid, 'visitor-3'),
        scope: 'snsapi_userinfo',
        user: expect.objectContaining({ nickname: visitorNickname('visitor-3') }),
      }),
    });
  });

  it('refuses a redirect to an origin the tenant did not allow with 400 redirect_not_allowed', async () => {
    // Act
    const answer = await json(await fetch(authorizeUrl({ redirect_uri: 'https://evil.example/steal' }), { redirect: 'manual' }));

    // Assess
    expect([answer.status, answer.body.error?.code]).toEqual([400, 'redirect_not_allowed']);
  });

  it('answers 404 for an account the hub does not hold', async () => {
    // Act
    const answer = await json(
      await fetch(`${stack.baseUrl}/v1/oauth/wx0000000000e2e404/authorize?redirect_uri=${encodeURIComponent(PAGE)}`, { redirect: 'manual' }),
    );

    // Assess
    expect([answer.status, answer.body.error?.code]).toEqual([404, 'not_found']);
  });

  it('answers 410 oauth_code_invalid for a code it never issued', async () => {
    // Act
    const answer = await json(await internal('/v1/internal/oauth/exchange', { code: 'never-issued' }));

    // Assess
    expect([answer.status, answer.body.error?.code]).toEqual([410, 'oauth_code_invalid']);
  });

  it('gives the page’s back end a JS-SDK config for its URL', async () => {
    // Act
    const answer = await json(await internal(`/v1/internal/accounts/${appid}/jssdk-config`, { url: PAGE }));

    // Assess
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.body).sort()).toEqual(['appId', 'nonceStr', 'signature', 'timestamp']);
  });
});
