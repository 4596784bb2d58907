import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { WeChatApiClient, type WeChatApiClientOptions } from '#shared/wechat/api-client.ts';
import { WeChatApiError, WeChatNetworkError } from '#shared/wechat/api-errors.ts';
import type { TokenSource } from '#shared/wechat/api-types.ts';
import { startFakeWeChat, type FakeWeChat } from '#test/unit/wechat-client/fake-wechat.ts';

/** Hands out tokens in order; `expire` moves to the next one, as a store would after a refresh. */
class RotatingTokens implements TokenSource {
  expired: string[] = [];
  private index = 0;
  constructor(private readonly tokens: string[]) {}
  async current(): Promise<string> {
    return this.tokens[this.index] ?? 'no-more-tokens';
  }
  async expire(used: string): Promise<void> {
    this.expired.push(used);
    if (used === this.tokens[this.index]) this.index += 1;
  }
}

const rid = '6123abcd-0b1c2d3e-4f5a6b7c';

describe('WeChatApiClient against a WeChat on loopback', () => {
  let wechat: FakeWeChat;
  let sleeps: number[];

  const client = (options: Partial<WeChatApiClientOptions> = {}) =>
    new WeChatApiClient({
      apiBase: wechat.base,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
      ...options,
    });

  beforeAll(async () => {
    wechat = await startFakeWeChat();
  });

  afterAll(async () => {
    await wechat.close();
  });

  beforeEach(() => {
    wechat.requests = [];
    sleeps = [];
  });

  it('turns an errcode into a WeChatApiError carrying the api, errcode, errmsg and rid', async () => {
    // Prepare
    wechat.answer = () => ({ body: { errcode: 61009, errmsg: `code is invalid rid: ${rid}` } });

    // Act
    const error = await client()
      .queryAuth(new RotatingTokens(['component-token-1']), { componentAppId: 'wx1234567890abcdef', authorizationCode: 'queryauthcode@@@x' })
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(WeChatApiError);
    expect(error).toMatchObject({ api: 'api_query_auth', errcode: 61009, errmsg: `code is invalid rid: ${rid}`, rid });
  });

  it('retries a -1 answer and returns the answer that follows it', async () => {
    // Prepare
    wechat.answer = (_request, index) =>
      index < 2 ? { body: { errcode: -1, errmsg: 'system error' } } : { body: { component_access_token: 'fresh-component-token', expires_in: 7200 } };

    // Act
    const result = await client().componentToken({ componentAppId: 'wx1234567890abcdef', componentSecret: 's', componentVerifyTicket: 't' });

    // Assess
    expect(result).toEqual({ componentAccessToken: 'fresh-component-token', expiresIn: 7200 });
    expect(wechat.requests).toHaveLength(3);
  });

  it('waits longer before each further retry', async () => {
    // Prepare
    wechat.answer = () => ({ body: { errcode: -1, errmsg: 'system error' } });

    // Act
    await client({ retries: 3, backoffMs: 200 })
      .startPushTicket({ componentAppId: 'wx1234567890abcdef', componentSecret: 's' })
      .catch(() => undefined);

    // Assess
    expect(sleeps).toHaveLength(3);
    expect(sleeps[0]).toBeGreaterThanOrEqual(100);
    expect(sleeps[1]).toBeGreaterThan(sleeps[0] ?? Infinity);
    expect(sleeps[2]).toBeGreaterThan(sleeps[1] ?? Infinity);
  });

  it('gives up after the configured number of retries with the last error', async () => {
    // Prepare
    wechat.answer = () => ({ body: { errcode: -1, errmsg: `system error rid: ${rid}` } });

    // Act
    const error = await client({ retries: 2 })
      .startPushTicket({ componentAppId: 'wx1234567890abcdef', componentSecret: 's' })
      .catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ errcode: -1 });
    expect(wechat.requests).toHaveLength(3);
  });

  it('does not retry an errcode that a retry cannot cure', async () => {
    // Prepare
    wechat.answer = () => ({ body: { errcode: 45009, errmsg: 'reach max api daily quota limit' } });

    // Act
    await client()
      .getFollowers(new RotatingTokens(['authorizer-token-1']))
      .catch(() => undefined);

    // Assess
    expect(wechat.requests).toHaveLength(1);
  });

  it('reports a WeChat that does not answer in time as a timeout', async () => {
    // Prepare
    wechat.answer = () => ({ body: { errcode: 0 }, delayMs: 1_000 });

    // Act
    const error = await client({ timeoutMs: 50, retries: 0 })
      .getFollowers(new RotatingTokens(['authorizer-token-1']))
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(WeChatNetworkError);
    expect(error).toMatchObject({ api: 'user/get', failure: 'timeout' });
  });

  it('retries a timed-out call that is safe to repeat', async () => {
    // Prepare
    wechat.answer = (_request, index) => (index === 0 ? { body: { errcode: 0 }, delayMs: 1_000 } : { body: { have_open: true, errcode: 0 } });

    // Act
    const result = await client({ timeoutMs: 100 }).openHave(new RotatingTokens(['authorizer-token-1']));

    // Assess
    expect(result).toEqual({ haveOpen: true });
  });

  it.each([
    ['a timed-out attempt', { body: { errcode: 0 }, delayMs: 1_000 }, true],
    ['a 502 answer', { status: 502, body: '<html>bad gateway</html>' }, true],
    ["WeChat's system busy", { body: { errcode: -1, errmsg: 'system error' } }, false],
  ] as const)('says whether an authorizer token minted after %s may be superseded by that attempt', async (_first, firstAnswer, superseded) => {
    // Prepare
    const issued = { authorizer_access_token: 'authorizer-token-2', expires_in: 7200, errcode: 0 };
    wechat.answer = (_request, index) => (index === 0 ? firstAnswer : { body: issued });
    const request = { componentAppId: 'wx1234567890abcdef', authorizerAppId: 'wx570bc396a51b8ff8', authorizerRefreshToken: 'refreshtoken@@@R' };

    // Act
    const result = await client({ timeoutMs: 100 }).authorizerToken(new RotatingTokens(['component-token-1']), request);

    // Assess
    expect(result.mayBeSuperseded === true).toBe(superseded);
  });

  it('does not repeat a customer-service message whose first attempt may have reached WeChat', async () => {
    // Prepare
    wechat.answer = () => ({ body: { errcode: 0 }, delayMs: 1_000 });

    // Act
    await client({ timeoutMs: 50 })
      .sendCustomMessage(new RotatingTokens(['authorizer-token-1']), { toUser: 'o-user', text: 'hello_from_api' })
      .catch(() => undefined);

    // Assess
    expect(wechat.requests).toHaveLength(1);
  });

  it('retries a 5xx answer from in front of WeChat', async () => {
    // Prepare
    wechat.answer = (_request, index) =>
      index === 0 ? { status: 502, body: '<html>bad gateway</html>' } : { body: { open_appid: 'wxopen0000000001', errcode: 0 } };

    // Act
    const result = await client().openGet(new RotatingTokens(['authorizer-token-1']));

    // Assess
    expect(result).toEqual({ openAppId: 'wxopen0000000001' });
  });

  it('reports an answer that is not JSON as a bad body without retrying', async () => {
    // Prepare
    wechat.answer = () => ({ body: '<html>not wechat</html>' });

    // Act
    const error = await client()
      .getFollowers(new RotatingTokens(['authorizer-token-1']))
      .catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ name: 'WeChatNetworkError', failure: 'bad_body' });
    expect(wechat.requests).toHaveLength(1);
  });

  it('reports a refused connection as a connection failure', async () => {
    // Prepare
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });

    // Act
    const error = await client({ apiBase: `http://127.0.0.1:${closedPort}`, retries: 0 })
      .getFollowers(new RotatingTokens(['authorizer-token-1']))
      .catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ name: 'WeChatNetworkError', failure: 'connection' });
  });

  it('sends the component token as component_access_token on component endpoints', async () => {
    // Prepare
    wechat.answer = () => ({ body: { pre_auth_code: 'preauthcode@@@abc', expires_in: 600 } });

    // Act
    await client().createPreAuthCode(new RotatingTokens(['component-token-1']), { componentAppId: 'wx1234567890abcdef' });

    // Assess
    expect(wechat.requests[0]?.query.get('component_access_token')).toBe('component-token-1');
    expect(wechat.requests[0]?.body).toEqual({ component_appid: 'wx1234567890abcdef' });
  });

  it('sends the authorizer token as access_token on the account’s endpoints', async () => {
    // Prepare
    wechat.answer = () => ({ body: { total: 0, count: 0, next_openid: '' } });

    // Act
    await client().getFollowers(new RotatingTokens(['authorizer-token-1']), { nextOpenId: 'o-last' });

    // Assess
    expect(wechat.requests[0]?.query.get('access_token')).toBe('authorizer-token-1');
    expect(wechat.requests[0]?.query.get('next_openid')).toBe('o-last');
  });

  it('on 40001 expires the token it used and retries once with the fresh one', async () => {
    // Prepare
    const tokens = new RotatingTokens(['stale-token-0001', 'fresh-token-0002']);
    wechat.answer = (request) =>
      request.query.get('access_token') === 'stale-token-0001'
        ? { body: { errcode: 40001, errmsg: `invalid credential, access_token is invalid or not latest rid: ${rid}` } }
        : { body: { subscribe: 1, openid: 'o-fan', tagid_list: [2] } };

    // Act
    const fan = await client().getUserInfo(tokens, { openId: 'o-fan' });

    // Assess
    expect(tokens.expired).toEqual(['stale-token-0001']);
    expect(wechat.requests.map((r) => r.query.get('access_token'))).toEqual(['stale-token-0001', 'fresh-token-0002']);
    expect(fan).toMatchObject({ subscribed: true, openId: 'o-fan', tagIds: [2] });
  });

  it('gives up with the error when the fresh token is rejected too, without looping', async () => {
    // Prepare
    const tokens = new RotatingTokens(['token-one-0001', 'token-two-0002', 'token-three-0003']);
    wechat.answer = () => ({ body: { errcode: 42001, errmsg: 'access_token expired' } });

    // Act
    const error = await client()
      .getUserInfo(tokens, { openId: 'o-fan' })
      .catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ name: 'WeChatApiError', errcode: 42001 });
    expect(wechat.requests).toHaveLength(2);
  });

  it('does not retry a rejected token when its source has no other token to offer', async () => {
    // Prepare
    const onlyOne: TokenSource = { current: async () => 'the-only-token-01', expire: async () => undefined };
    wechat.answer = () => ({ body: { errcode: 40014, errmsg: 'invalid access_token' } });

    // Act
    await client()
      .openHave(onlyOne)
      .catch(() => undefined);

    // Assess
    expect(wechat.requests).toHaveLength(1);
  });

  it('never puts the token in an error message, even when WeChat echoes it', async () => {
    // Prepare
    const secretToken = 'SECRET-TOKEN-abcdef0123456789';
    wechat.answer = () => ({ body: { errcode: 40001, errmsg: `invalid credential ${secretToken} rid: ${rid}` } });

    // Act
    const error = (await client()
      .openHave({ current: async () => secretToken, expire: async () => undefined })
      .catch((e: unknown) => e)) as Error;

    // Assess
    expect(error).toBeInstanceOf(WeChatApiError);
    expect(`${error.message} ${(error as WeChatApiError).errmsg} ${error.stack}`).not.toContain(secretToken);
  });

  it.each([
    [
      'api_component_token',
      (c: WeChatApiClient) =>
        c.componentToken({
          componentAppId: 'wx1234567890abcdef',
          componentSecret: 'COMPONENT-SECRET-0123456789abcdef',
          componentVerifyTicket: 'ticket@@@VERIFY-TICKET-0123456789',
        }),
      ['COMPONENT-SECRET-0123456789abcdef', 'ticket@@@VERIFY-TICKET-0123456789'],
    ],
    [
      'api_start_push_ticket',
      (c: WeChatApiClient) => c.startPushTicket({ componentAppId: 'wx1234567890abcdef', componentSecret: 'COMPONENT-SECRET-0123456789abcdef' }),
      ['COMPONENT-SECRET-0123456789abcdef'],
    ],
    [
      'component/clear_quota/v2',
      (c: WeChatApiClient) => c.componentClearQuotaV2({ componentAppId: 'wx1234567890abcdef', componentSecret: 'COMPONENT-SECRET-0123456789abcdef' }),
      ['COMPONENT-SECRET-0123456789abcdef'],
    ],
    [
      'api_query_auth',
      (c: WeChatApiClient) =>
        c.queryAuth(new RotatingTokens(['component-token-0123456789']), {
          componentAppId: 'wx1234567890abcdef',
          authorizationCode: 'queryauthcode@@@AUTH-CODE-0123456789',
        }),
      ['queryauthcode@@@AUTH-CODE-0123456789', 'component-token-0123456789'],
    ],
    [
      'api_authorizer_token',
      (c: WeChatApiClient) =>
        c.authorizerToken(new RotatingTokens(['component-token-0123456789']), {
          componentAppId: 'wx1234567890abcdef',
          authorizerAppId: 'wx570bc396a51b8ff8',
          authorizerRefreshToken: 'refreshtoken@@@REFRESH-0123456789',
        }),
      ['refreshtoken@@@REFRESH-0123456789', 'component-token-0123456789'],
    ],
  ])('masks every secret %s sent when WeChat echoes it in errmsg', async (_api, send, secrets) => {
    // Prepare
    wechat.answer = (request) => ({
      body: { errcode: 40013, errmsg: `invalid request ${JSON.stringify(request.body)} ${request.query.toString()} rid: ${rid}` },
    });

    // Act
    const error = (await send(client()).catch((e: unknown) => e)) as WeChatApiError;

    // Assess
    expect(error).toBeInstanceOf(WeChatApiError);
    const text = `${error.message} ${error.errmsg} ${error.stack}`;
    expect(secrets.filter((secret) => text.includes(secret))).toEqual([]);
    expect(error.rid).toBe(rid);
  });

  it('never puts the token in a network error message', async () => {
    // Prepare
    const secretToken = 'SECRET-TOKEN-abcdef0123456789';
    wechat.answer = () => ({ body: { errcode: 0 }, delayMs: 1_000 });

    // Act
    const error = (await client({ timeoutMs: 50, retries: 0 })
      .openHave({ current: async () => secretToken, expire: async () => undefined })
      .catch((e: unknown) => e)) as Error;

    // Assess
    expect(error).toBeInstanceOf(WeChatNetworkError);
    expect(`${error.message} ${error.stack}`).not.toContain(secretToken);
  });

  it('reads the account’s permission sets and tokens from api_query_auth', async () => {
    // Prepare
    wechat.answer = () => ({
      body: {
        authorization_info: {
          authorizer_appid: 'wx570bc396a51b8ff8',
          authorizer_access_token: 'authorizer-access',
          expires_in: 7200,
          authorizer_refresh_token: 'refreshtoken@@@r',
          func_info: [
            { funcscope_category: { id: 1 } },
            { funcscope_category: { id: 24 }, confirm_info: { need_confirm: 0, already_confirm: 0, can_confirm: 0 } },
          ],
        },
      },
    });

    // Act
    const result = await client().queryAuth(new RotatingTokens(['component-token-1']), {
      componentAppId: 'wx1234567890abcdef',
      authorizationCode: 'queryauthcode@@@x',
    });

    // Assess
    expect(result.authorizationInfo).toEqual({
      authorizerAppId: 'wx570bc396a51b8ff8',
      authorizerAccessToken: 'authorizer-access',
      expiresIn: 7200,
      authorizerRefreshToken: 'refreshtoken@@@r',
      funcInfo: [{ id: 1 }, { id: 24, confirmInfo: { needConfirm: 0, alreadyConfirm: 0, canConfirm: 0 } }],
    });
  });

  it('reads an account’s type, verification and gh_ id from api_get_authorizer_info', async () => {
    // Prepare
    wechat.answer = () => ({
      body: {
        authorizer_info: {
          nick_name: 'Test OA',
          service_type_info: { id: 2 },
          verify_type_info: { id: 0 },
          user_name: 'gh_3c884a361561',
          principal_name: 'Test Co.',
          business_info: { open_pay: 1, open_store: 0 },
        },
        authorization_info: { authorizer_appid: 'wx570bc396a51b8ff8', func_info: [{ funcscope_category: { id: 2 } }] },
      },
    });

    // Act
    const result = await client().getAuthorizerInfo(new RotatingTokens(['component-token-1']), {
      componentAppId: 'wx1234567890abcdef',
      authorizerAppId: 'wx570bc396a51b8ff8',
    });

    // Assess
    expect(result.authorizerInfo).toMatchObject({
      nickName: 'Test OA',
      serviceTypeId: 2,
      verifyTypeId: 0,
      userName: 'gh_3c884a361561',
      principalName: 'Test Co.',
      businessInfo: { open_pay: 1, open_store: 0 },
    });
    expect(result.authorizationInfo.funcInfo).toEqual([{ id: 2 }]);
  });

  it('reads a page of follower openids from user/get', async () => {
    // Prepare
    wechat.answer = () => ({ body: { total: 3, count: 2, data: { openid: ['o-1', 'o-2'] }, next_openid: 'o-2' } });

    // Act
    const page = await client().getFollowers(new RotatingTokens(['authorizer-token-1']));

    // Assess
    expect(page).toEqual({ total: 3, count: 2, openIds: ['o-1', 'o-2'], nextOpenId: 'o-2' });
  });

  it('reads an empty last page of user/get without data', async () => {
    // Prepare
    wechat.answer = () => ({ body: { total: 3, count: 0, next_openid: '' } });

    // Act
    const page = await client().getFollowers(new RotatingTokens(['authorizer-token-1']), { nextOpenId: 'o-3' });

    // Assess
    expect(page).toEqual({ total: 3, count: 0, openIds: [], nextOpenId: '' });
  });

  it('asks user/info/batchget for every openid and reads each follower', async () => {
    // Prepare
    wechat.answer = () => ({
      body: {
        user_info_list: [
          { subscribe: 1, openid: 'o-1', unionid: 'u-1', subscribe_time: 1700000000, subscribe_scene: 'ADD_SCENE_QR_CODE', tagid_list: [] },
          { subscribe: 0, openid: 'o-2' },
        ],
      },
    });

    // Act
    const users = await client().batchGetUserInfo(new RotatingTokens(['authorizer-token-1']), { openIds: ['o-1', 'o-2'] });

    // Assess
    expect(wechat.requests[0]?.body).toEqual({
      user_list: [
        { openid: 'o-1', lang: 'zh_CN' },
        { openid: 'o-2', lang: 'zh_CN' },
      ],
    });
    expect(users).toEqual([
      { subscribed: true, openId: 'o-1', unionId: 'u-1', subscribeTime: 1700000000, subscribeScene: 'ADD_SCENE_QR_CODE', tagIds: [] },
      { subscribed: false, openId: 'o-2', tagIds: [] },
    ]);
  });

  it('sends a customer-service text message in WeChat’s shape', async () => {
    // Prepare
    wechat.answer = () => ({ body: { errcode: 0, errmsg: 'ok' } });

    // Act
    await client().sendCustomMessage(new RotatingTokens(['authorizer-token-1']), { toUser: 'o-tester', text: 'code_from_api' });

    // Assess
    expect(wechat.requests[0]).toMatchObject({
      method: 'POST',
      path: '/cgi-bin/message/custom/send',
      body: { touser: 'o-tester', msgtype: 'text', text: { content: 'code_from_api' } },
    });
  });

  it('reports a success answer missing the promised token as a bad body', async () => {
    // Prepare
    wechat.answer = () => ({ body: { expires_in: 7200 } });

    // Act
    const error = await client()
      .componentToken({ componentAppId: 'wx1234567890abcdef', componentSecret: 's', componentVerifyTicket: 't' })
      .catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ name: 'WeChatNetworkError', failure: 'bad_body' });
  });
});
