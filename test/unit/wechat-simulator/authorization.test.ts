import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { demoAccounts, type WeChatSimulator } from '#infra/local/wechat-simulator/simulator.ts';
import { authorizeAccount, component, componentToken, get, post, preAuthCode, startHubStandIn, startSimulator, type HubStandIn } from './support.ts';

const service = demoAccounts.verifiedService.appid;
const FIVE_MINUTES = 5 * 60_000;

describe('single-use codes', () => {
  let sim: WeChatSimulator;
  let token: string;

  beforeEach(async () => {
    sim = await startSimulator();
    token = await componentToken(sim);
  });
  afterEach(() => sim.stop());

  const consentWith = (code: string) => sim.consent({ preAuthCode: code, appid: service, funcIds: [1, 2], redirectUri: 'http://127.0.0.1:9/cb' });
  const queryAuth = (code: string | null) =>
    post(sim, `/cgi-bin/component/api_query_auth?component_access_token=${token}`, { component_appid: component.componentAppId, authorization_code: code });

  it('hands out a pre-auth code valid for 600 seconds', async () => {
    // Act
    const answer = await post(sim, `/cgi-bin/component/api_create_preauthcode?component_access_token=${token}`, { component_appid: component.componentAppId });

    // Assess
    expect(answer.pre_auth_code).toMatch(/^preauthcode@@@/);
    expect(answer.expires_in).toBe(600);
  });

  it('refuses a pre-auth code the second time', async () => {
    // Prepare
    const code = await preAuthCode(sim, token);
    await consentWith(code);

    // Act
    const second = consentWith(code);

    // Assess
    await expect(second).rejects.toThrow(/already used/);
  });

  it('refuses a pre-auth code after 600 seconds', async () => {
    // Prepare
    const code = await preAuthCode(sim, token);
    sim.advanceClock(601_000);

    // Act
    const late = consentWith(code);

    // Assess
    await expect(late).rejects.toThrow(/expired/);
  });

  it('exchanges an authorization code once and answers 61009 the second time', async () => {
    // Prepare
    const { location } = await consentWith(await preAuthCode(sim, token));
    const code = new URL(location).searchParams.get('auth_code');
    const first = await queryAuth(code);

    // Act
    const second = await queryAuth(code);

    // Assess
    expect(first.authorization_info.authorizer_appid).toBe(service);
    expect(second.errcode).toBe(61009);
  });

  it('answers 61010 for an authorization code older than 3600 seconds', async () => {
    // Prepare
    const { location } = await consentWith(await preAuthCode(sim, token));
    sim.advanceClock(3601_000);
    const freshToken = await componentToken(sim);

    // Act
    const answer = await post(sim, `/cgi-bin/component/api_query_auth?component_access_token=${freshToken}`, {
      component_appid: component.componentAppId,
      authorization_code: new URL(location).searchParams.get('auth_code'),
    });

    // Assess
    expect(answer.errcode).toBe(61010);
  });

  it('reports the granted permission sets in func_info', async () => {
    // Prepare
    const { location } = await consentWith(await preAuthCode(sim, token));

    // Act
    const answer = await queryAuth(new URL(location).searchParams.get('auth_code'));

    // Assess
    expect(answer.authorization_info.func_info).toEqual([{ funcscope_category: { id: 1 } }, { funcscope_category: { id: 2 } }]);
  });
});

describe('authorizer tokens', () => {
  let sim: WeChatSimulator;

  beforeEach(async () => {
    sim = await startSimulator();
  });
  afterEach(() => sim.stop());

  const refresh = (componentToken: string, refreshToken: string) =>
    post(sim, `/cgi-bin/component/api_authorizer_token?component_access_token=${componentToken}`, {
      component_appid: component.componentAppId,
      authorizer_appid: service,
      authorizer_refresh_token: refreshToken,
    });
  const followers = (accessToken: string) => get(sim, `/cgi-bin/user/get?access_token=${accessToken}`);

  it('refreshes with the refresh token and returns that refresh token again', async () => {
    // Prepare
    const auth = await authorizeAccount(sim, service);

    // Act
    const answer = await refresh(auth.componentToken, auth.refreshToken);

    // Assess
    expect(answer.authorizer_access_token).not.toBe(auth.accessToken);
    expect(answer.authorizer_refresh_token).toBe(auth.refreshToken);
    expect(answer.expires_in).toBe(7200);
  });

  it('answers 61023 for a refresh token that is not the account’s', async () => {
    // Prepare
    const auth = await authorizeAccount(sim, service);

    // Act
    const answer = await refresh(auth.componentToken, 'refreshtoken@@@forged');

    // Assess
    expect(answer.errcode).toBe(61023);
  });

  it('keeps the previous access token for the five-minute overlap, then answers 40001', async () => {
    // Prepare
    const auth = await authorizeAccount(sim, service);
    const renewed = await refresh(auth.componentToken, auth.refreshToken);

    // Act
    sim.advanceClock(FIVE_MINUTES - 10_000);
    const during = await followers(auth.accessToken);
    sim.advanceClock(20_000);
    const after = await followers(auth.accessToken);
    const current = await followers(renewed.authorizer_access_token);

    // Assess
    expect(during.total).toBe(1200);
    expect(after.errcode).toBe(40001);
    expect(current.total).toBe(1200);
  });

  it('answers 42001 for the current token after expireAuthorizerToken', async () => {
    // Prepare
    const auth = await authorizeAccount(sim, service);
    sim.expireAuthorizerToken(service);

    // Act
    const answer = await followers(auth.accessToken);

    // Assess
    expect(answer.errcode).toBe(42001);
  });

  it('answers 61023 after invalidateRefreshToken while the authorizer list hands out the replacement', async () => {
    // Prepare
    const auth = await authorizeAccount(sim, service);
    sim.invalidateRefreshToken(service);

    // Act
    const stale = await refresh(auth.componentToken, auth.refreshToken);
    const list = await post(sim, `/cgi-bin/component/api_get_authorizer_list?component_access_token=${auth.componentToken}`, {
      component_appid: component.componentAppId,
      offset: 0,
      count: 500,
    });
    const recovered = await refresh(auth.componentToken, list.list[0].refresh_token);

    // Assess
    expect(stale.errcode).toBe(61023);
    expect(list.list[0].refresh_token).not.toBe(auth.refreshToken);
    expect(recovered.authorizer_access_token).toBeDefined();
  });

  it('answers 61003 on authorizer calls once the account revoked the authorization', async () => {
    // Prepare
    const auth = await authorizeAccount(sim, service);
    await sim.revoke(service);

    // Act
    const call = await followers(auth.accessToken);
    const renew = await refresh(auth.componentToken, auth.refreshToken);

    // Assess
    expect(call.errcode).toBe(61003);
    expect(renew.errcode).toBe(61003);
  });

  it('invalidates the old refresh token when the account authorizes again', async () => {
    // Prepare
    const first = await authorizeAccount(sim, service);
    await authorizeAccount(sim, service);

    // Act
    const answer = await refresh(first.componentToken, first.refreshToken);

    // Assess
    expect(answer.errcode).toBe(61023);
  });
});

describe('the authorizer list and account details', () => {
  let sim: WeChatSimulator;
  let token: string;

  beforeAll(async () => {
    sim = await startSimulator();
    token = (await authorizeAccount(sim, service)).componentToken;
    await sim.consent({
      preAuthCode: await preAuthCode(sim, token),
      appid: demoAccounts.subscription.appid,
      funcIds: [1],
      redirectUri: 'http://127.0.0.1:9/cb',
    });
  });
  afterAll(() => sim.stop());

  const list = (offset: number, count: number) =>
    post(sim, `/cgi-bin/component/api_get_authorizer_list?component_access_token=${token}`, { component_appid: component.componentAppId, offset, count });

  it('lists authorized accounts and omits the refresh token of one whose code was never exchanged', async () => {
    // Act
    const answer = await list(0, 500);

    // Assess
    expect(answer.total_count).toBe(2);
    const byAppid = Object.fromEntries(answer.list.map((entry: { authorizer_appid: string }) => [entry.authorizer_appid, entry]));
    expect(byAppid[service].refresh_token).toMatch(/^refreshtoken@@@/);
    expect(byAppid[demoAccounts.subscription.appid].refresh_token).toBeUndefined();
  });

  it('pages the list by offset and count', async () => {
    // Act
    const second = await list(1, 1);

    // Assess
    expect(second.total_count).toBe(2);
    expect(second.list).toHaveLength(1);
  });

  it('refuses a count above 500', async () => {
    // Act
    const answer = await list(0, 501);

    // Assess
    expect(answer.errcode).toBeDefined();
  });

  it('describes a service account: type, verification, gh_ id, WeChat Pay and permissions', async () => {
    // Act
    const answer = await post(sim, `/cgi-bin/component/api_get_authorizer_info?component_access_token=${token}`, {
      component_appid: component.componentAppId,
      authorizer_appid: service,
    });

    // Assess
    expect(answer.authorizer_info).toMatchObject({
      service_type_info: { id: 2 },
      verify_type_info: { id: 0 },
      user_name: demoAccounts.verifiedService.userName,
      business_info: { open_pay: 1 },
    });
    expect(answer.authorization_info.func_info.map((f: { funcscope_category: { id: number } }) => f.funcscope_category.id)).toEqual([1, 2, 3, 24]);
  });

  it('answers 61003 for the details of an account that never authorized', async () => {
    // Act
    const answer = await post(sim, `/cgi-bin/component/api_get_authorizer_info?component_access_token=${token}`, {
      component_appid: component.componentAppId,
      authorizer_appid: demoAccounts.unverifiedService.appid,
    });

    // Assess
    expect(answer.errcode).toBe(61003);
  });
});

describe('revocation in WeChat', () => {
  let hub: HubStandIn;
  let sim: WeChatSimulator;

  beforeAll(async () => {
    hub = await startHubStandIn();
    sim = await startSimulator({ hubBaseUrl: hub.baseUrl });
  });
  afterAll(async () => {
    await sim.stop();
    await hub.stop();
  });

  it('pushes an encrypted unauthorized event to the hub', async () => {
    // Prepare
    await authorizeAccount(sim, service);
    const earlier = hub.pushes.length;

    // Act
    await sim.revoke(service);

    // Assess
    const push = hub.pushes[earlier]!;
    expect(push.path).toBe('/v1/wechat/component');
    expect(push.message).toMatchObject({ InfoType: 'unauthorized', AuthorizerAppid: service, AppId: component.componentAppId });
    expect(push.message.AuthorizationCode).toBeUndefined();
  });
});
