import { describe, expect, it } from 'vitest';
import { defaultScope, startWebAuthorization, type StartWebAuthorizationDeps } from '#shared/domain/oauth/authorize.ts';
import { completeWebAuthorization, type CompleteWebAuthorizationDeps } from '#shared/domain/oauth/callback.ts';
import { exchangeOAuthCode } from '#shared/domain/oauth/exchange.ts';
import type { AccountHolder, OAuthStateRecord } from '#shared/domain/oauth/ports.ts';
import { fakeWeChat, lookup, MemoryCodes, MemoryStates, memoryOrigins, quietLog, recordingEvents } from '#test/unit/oauth/fakes.ts';

const APPID = 'wxd3e0000000000001';
const NOW = new Date('2026-03-01T08:00:00Z');
const owner: AccountHolder = { tenantId: 't-owner', role: 'owner', plaintextAuthorization: false };
const recipient: AccountHolder = { tenantId: 't-estate', role: 'shared', plaintextAuthorization: true };

function authorizeDeps(overrides: Partial<StartWebAuthorizationDeps> = {}): StartWebAuthorizationDeps & { states: MemoryStates } {
  return {
    accounts: lookup('active', [owner, recipient]),
    origins: memoryOrigins({ 't-owner': ['https://owner.example.com'], 't-estate': ['https://estate.example.com'] }),
    states: new MemoryStates(),
    componentAppId: async () => 'wxc0ffee0000000001',
    policy: { allowLoopback: false },
    publicBaseUrl: 'https://hub.example.com',
    openBase: 'https://open.weixin.qq.com',
    now: () => NOW,
    randomState: () => 'STATE0123456789abcdefABCDEF_-xy',
    ...overrides,
  } as StartWebAuthorizationDeps & { states: MemoryStates };
}

const stateRecord = (overrides: Partial<OAuthStateRecord> = {}): OAuthStateRecord => ({
  appid: APPID,
  tenantId: 't-owner',
  redirectUri: 'https://owner.example.com/page?x=1',
  pageState: 'page-42',
  scope: 'snsapi_userinfo',
  createdAt: NOW.toISOString(),
  expiresAt: new Date(NOW.getTime() + 600_000).toISOString(),
  ...overrides,
});

function callbackDeps(overrides: Partial<CompleteWebAuthorizationDeps> = {}) {
  const states = new MemoryStates();
  const codes = new MemoryCodes();
  const events = recordingEvents();
  const wechat = fakeWeChat();
  const deps = { states, codes, wechat, events, now: () => NOW, log: quietLog, randomCode: () => 'ONE-TIME-CODE', ...overrides };
  return { deps, states, codes, events, wechat: deps.wechat as ReturnType<typeof fakeWeChat> };
}

describe('starting a web authorization', () => {
  it('sends the browser to WeChat’s component authorization URL exactly as WECHAT.md §11.2 builds it', async () => {
    // Act
    const { wechatUrl } = await startWebAuthorization({ appid: APPID, redirectUri: 'https://owner.example.com/page', state: 'p1' }, authorizeDeps());

    // Assess
    expect(wechatUrl).toBe(
      'https://open.weixin.qq.com/connect/oauth2/authorize?appid=wxd3e0000000000001&redirect_uri=https%3A%2F%2Fhub.example.com%2Fv1%2Foauth%2Fcallback' +
        '&response_type=code&scope=snsapi_base&state=STATE0123456789abcdefABCDEF_-xy&component_appid=wxc0ffee0000000001#wechat_redirect',
    );
  });

  it('binds the state to the appid, the tenant whose origin matched, the normalized page and the page’s state', async () => {
    // Prepare
    const deps = authorizeDeps();

    // Act
    await startWebAuthorization({ appid: APPID, redirectUri: 'https://ESTATE.example.com./r?a=1', state: 'p1' }, deps);

    // Assess
    expect([...deps.states.records.values()]).toEqual([
      {
        appid: APPID,
        tenantId: 't-estate',
        redirectUri: 'https://estate.example.com/r?a=1',
        pageState: 'p1',
        scope: 'snsapi_userinfo',
        createdAt: NOW.toISOString(),
        expiresAt: '2026-03-01T08:10:00.000Z',
      },
    ]);
  });

  it.each([
    [{ plaintextAuthorization: true }, 'snsapi_userinfo'],
    [{ plaintextAuthorization: false }, 'snsapi_base'],
  ])('defaults the scope from the tenant’s 明文授权 flag %o to %s', (holder, scope) => {
    // Assess
    expect(defaultScope(holder)).toBe(scope);
  });

  it('takes the page’s scope over the tenant’s default', async () => {
    // Prepare
    const deps = authorizeDeps();

    // Act
    const { wechatUrl } = await startWebAuthorization({ appid: APPID, redirectUri: 'https://owner.example.com/p', scope: 'snsapi_userinfo' }, deps);

    // Assess
    expect(new URL(wechatUrl).searchParams.get('scope')).toBe('snsapi_userinfo');
  });

  it('refuses an origin no tenant holding the account allowed, storing nothing', async () => {
    // Prepare
    const deps = authorizeDeps();

    // Act
    const attempt = startWebAuthorization({ appid: APPID, redirectUri: 'https://evil.example.com/p' }, deps);

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'redirect_not_allowed' });
    expect(deps.states.records.size).toBe(0);
  });

  it.each([
    ['an unknown account', undefined, [owner], 'not_found'],
    ['an account no tenant holds', 'active', [], 'not_found'],
    ['an unbound account', 'unbound', [owner], 'not_found'],
    ['a revoked account', 'revoked', [owner], 'account_not_active'],
  ] as const)('refuses %s', async (_case, status, holders, code) => {
    // Act
    const attempt = startWebAuthorization(
      { appid: APPID, redirectUri: 'https://owner.example.com/p' },
      authorizeDeps({ accounts: lookup(status, [...holders]) }),
    );

    // Assess
    await expect(attempt).rejects.toMatchObject({ code });
  });
});

describe('WeChat’s redirect back (the callback)', () => {
  it('sends the page a one-time code and its state', async () => {
    // Prepare
    const { deps, states } = callbackDeps();
    await states.save('S', stateRecord());

    // Act
    const outcome = await completeWebAuthorization({ state: 'S', code: 'wx-code', appid: APPID }, deps);

    // Assess
    expect(outcome).toEqual({ kind: 'page', location: 'https://owner.example.com/page?x=1&code=ONE-TIME-CODE&state=page-42' });
  });

  it('keeps the visitor with their profile under the code for 5 minutes, without any WeChat token', async () => {
    // Prepare
    const { deps, states, codes } = callbackDeps();
    await states.save('S', stateRecord());

    // Act
    await completeWebAuthorization({ state: 'S', code: 'wx-code', appid: APPID }, deps);

    // Assess
    expect(codes.records.get('ONE-TIME-CODE')).toEqual({
      user: {
        appid: APPID,
        tenantId: 't-owner',
        openid: 'o-visitor',
        unionid: 'u-visitor',
        scope: 'snsapi_userinfo',
        user: { nickname: '访客', headImgUrl: 'https://thirdwx.qlogo.cn/x/0', sex: 0 },
      },
      createdAt: NOW.toISOString(),
      expiresAt: '2026-03-01T08:05:00.000Z',
    });
    expect(JSON.stringify([...codes.records.values()])).not.toContain('web-token-secret');
  });

  it('asks for no profile for snsapi_base', async () => {
    // Prepare
    const { deps, states, codes, wechat } = callbackDeps({ wechat: fakeWeChat({ grant: { scopes: ['snsapi_base'] } }) });
    await states.save('S', stateRecord({ scope: 'snsapi_base' }));

    // Act
    await completeWebAuthorization({ state: 'S', code: 'wx-code' }, deps);

    // Assess
    expect(wechat.userInfoCalls).toBe(0);
    expect(codes.records.get('ONE-TIME-CODE')!.user).toEqual({ appid: APPID, tenantId: 't-owner', openid: 'o-visitor', scope: 'snsapi_base' });
  });

  it('announces WeChat User Authorized without the profile', async () => {
    // Prepare
    const { deps, states, events } = callbackDeps();
    await states.save('S', stateRecord());

    // Act
    await completeWebAuthorization({ state: 'S', code: 'wx-code' }, deps);

    // Assess
    expect(events.events).toEqual([
      {
        appid: APPID,
        tenantId: 't-owner',
        openid: 'o-visitor',
        unionid: 'u-visitor',
        scope: 'snsapi_userinfo',
        eventId: expect.stringMatching(/^hub:[0-9a-f]{64}$/),
        at: NOW.toISOString(),
      },
    ]);
  });

  it('gives two authorizations of the same visitor two eventIds', async () => {
    // Prepare
    const { deps, states, events } = callbackDeps();
    await states.save('S1', stateRecord());
    await states.save('S2', stateRecord());

    // Act
    await completeWebAuthorization({ state: 'S1', code: 'wx-code' }, deps);
    await completeWebAuthorization({ state: 'S2', code: 'wx-code' }, deps);

    // Assess
    expect(new Set(events.events.map((event) => event.eventId)).size).toBe(2);
  });

  it('sends a refusal back as error=access_denied with the page’s state', async () => {
    // Prepare
    const { deps, states, wechat } = callbackDeps();
    await states.save('S', stateRecord());

    // Act
    const outcome = await completeWebAuthorization({ state: 'S' }, deps);

    // Assess
    expect(outcome).toEqual({ kind: 'page', location: 'https://owner.example.com/page?x=1&error=access_denied&state=page-42' });
    expect(wechat.exchanged).toEqual([]);
  });

  it.each([40029, 40163])('sends WeChat’s refusal of the code (%i) back as error=invalid_code and stores nothing', async (errcode) => {
    // Prepare
    const { deps, states, codes } = callbackDeps({ wechat: fakeWeChat({ refuseWith: errcode }) });
    await states.save('S', stateRecord());

    // Act
    const outcome = await completeWebAuthorization({ state: 'S', code: 'wx-code' }, deps);

    // Assess
    expect(outcome).toEqual({ kind: 'page', location: 'https://owner.example.com/page?x=1&error=invalid_code&state=page-42' });
    expect(codes.records.size).toBe(0);
  });

  it('spends the state once: a replayed callback yields nothing and calls WeChat no more', async () => {
    // Prepare
    const { deps, states, codes, wechat } = callbackDeps();
    await states.save('S', stateRecord());
    await completeWebAuthorization({ state: 'S', code: 'wx-code' }, deps);

    // Act
    const replay = await completeWebAuthorization({ state: 'S', code: 'wx-code' }, { ...deps, randomCode: () => 'SECOND' });

    // Assess
    expect(replay).toEqual({ kind: 'lost' });
    expect(wechat.exchanged).toEqual(['wx-code']);
    expect([...codes.records.keys()]).toEqual(['ONE-TIME-CODE']);
  });

  it('treats an expired state as lost', async () => {
    // Prepare
    const { deps, states, wechat } = callbackDeps();
    await states.save('S', stateRecord({ expiresAt: NOW.toISOString() }));

    // Act
    const outcome = await completeWebAuthorization({ state: 'S', code: 'wx-code' }, deps);

    // Assess
    expect(outcome).toEqual({ kind: 'lost' });
    expect(wechat.exchanged).toEqual([]);
  });

  it('replaces a code or state the page’s own URL already carried', async () => {
    // Prepare
    const { deps, states } = callbackDeps();
    await states.save('S', stateRecord({ redirectUri: 'https://owner.example.com/p?code=forged&state=forged' }));

    // Act
    const outcome = await completeWebAuthorization({ state: 'S', code: 'wx-code' }, deps);

    // Assess
    expect(outcome).toEqual({ kind: 'page', location: 'https://owner.example.com/p?code=ONE-TIME-CODE&state=page-42' });
  });
});

describe('exchanging the one-time code', () => {
  const record = {
    user: { appid: APPID, tenantId: 't-owner', openid: 'o-visitor', scope: 'snsapi_base' as const },
    createdAt: NOW.toISOString(),
    expiresAt: '2026-03-01T08:05:00.000Z',
  };

  it('gives the OAuthUser once', async () => {
    // Prepare
    const codes = new MemoryCodes();
    await codes.save('C', record);

    // Act
    const user = await exchangeOAuthCode('C', { codes, now: () => NOW });

    // Assess
    expect(user).toEqual(record.user);
  });

  it('answers 410 oauth_code_invalid to a second exchange', async () => {
    // Prepare
    const codes = new MemoryCodes();
    await codes.save('C', record);
    await exchangeOAuthCode('C', { codes, now: () => NOW });

    // Act
    const again = exchangeOAuthCode('C', { codes, now: () => NOW });

    // Assess
    await expect(again).rejects.toMatchObject({ code: 'oauth_code_invalid', statusCode: 410 });
  });

  it('answers 410 oauth_code_invalid to an expired code', async () => {
    // Prepare
    const codes = new MemoryCodes();
    await codes.save('C', record);

    // Act
    const late = exchangeOAuthCode('C', { codes, now: () => new Date('2026-03-01T08:05:00Z') });

    // Assess
    await expect(late).rejects.toMatchObject({ code: 'oauth_code_invalid' });
  });
});
