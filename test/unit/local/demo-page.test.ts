/**
 * The demo product page's back end (infra/local/demo/h5-demo.ts) without a stack: the state it keeps
 * in a cookie must come back with the visitor before it trades a code, and the local setup box answers
 * only on this machine. The hub is a fetch stub that records what the back end asked.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDemo, type DemoRequest } from '#infra/local/demo/h5-demo.ts';

const APPID = 'wxd3e0000000000001';

function demo() {
  const hubCalls: string[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      hubCalls.push(new URL(url).pathname);
      return new Response(JSON.stringify({ appid: APPID, tenantId: 'demo', openid: 'o1', scope: 'snsapi_base' }), { status: 200 });
    }),
  );
  const page = createDemo({ hubBaseUrl: () => 'http://hub.test', serviceToken: async () => 'service', adminToken: async () => 'admin' });
  const get = (url: string, cookie?: string, extra: Partial<DemoRequest> = {}) =>
    page.answer({
      method: 'GET',
      url,
      headers: { host: '127.0.0.1:3000', ...(cookie ? { cookie } : {}) },
      body: Buffer.alloc(0),
      fromThisMachine: true,
      ...extra,
    });
  return { page, get, hubCalls };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('the demo product page’s back end', () => {
  it('sends the visitor to the hub’s authorize route with its own return URL and a state it keeps in a cookie', async () => {
    // Prepare
    const { get } = demo();

    // Act
    const answer = await get(`/demo/h5/login?appid=${APPID}&scope=snsapi_userinfo`);

    // Assess
    const location = new URL(answer!.headers.location!, 'http://127.0.0.1:3000');
    const state = location.searchParams.get('state')!;
    expect([location.pathname, location.searchParams.get('redirect_uri'), location.searchParams.get('scope')]).toEqual([
      `/v1/oauth/${APPID}/authorize`,
      `http://127.0.0.1:3000/demo/h5/return?appid=${APPID}`,
      'snsapi_userinfo',
    ]);
    expect(answer!.cookies[0]).toMatch(new RegExp(`^demo_oauth_state=${state}; Path=/demo/h5; HttpOnly; SameSite=Lax`));
  });

  it('trades no code whose state is not the one this browser’s cookie holds', async () => {
    // Prepare
    const { get, hubCalls } = demo();

    // Act
    const answer = await get(`/demo/h5/return?appid=${APPID}&code=stolen&state=theirs`, 'demo_oauth_state=mine');

    // Assess
    expect([answer!.headers.location, hubCalls]).toEqual([`/demo/h5?appid=${APPID}&error=state_mismatch`, []]);
  });

  it('trades the code once its state matches and keeps the visitor in a session cookie', async () => {
    // Prepare
    const { get, hubCalls } = demo();

    // Act
    const answer = await get(`/demo/h5/return?appid=${APPID}&code=c1&state=mine`, 'demo_oauth_state=mine');

    // Assess
    expect([answer!.headers.location, hubCalls]).toEqual([`/demo/h5?appid=${APPID}`, ['/v1/internal/oauth/exchange']]);
    expect(answer!.cookies.some((cookie) => cookie.startsWith('demo_session='))).toBe(true);
  });

  it('refuses the local setup to a request that did not come from this machine', async () => {
    // Prepare
    const { page, hubCalls } = demo();

    // Act
    const answer = await page.answer({
      method: 'POST',
      url: '/demo/h5/setup',
      headers: { host: 'tunnel.example.com' },
      body: Buffer.from('tenant=demo'),
      fromThisMachine: false,
    });

    // Assess
    expect([answer!.statusCode, hubCalls]).toEqual([404, []]);
  });

  it('leaves every other path to the gateway', async () => {
    // Prepare
    const { get } = demo();

    // Act
    const answer = await get('/demox/h5');

    // Assess
    expect(answer).toBeUndefined();
  });
});
