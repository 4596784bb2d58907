import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAccounts, releaseTestAccounts, type WeChatSimulator } from '#infra/local/wechat-simulator/simulator.ts';
import { authorizeAccount, component, get, post, startSimulator, type Json } from './support.ts';

describe('open platform account binding', () => {
  let sim: WeChatSimulator;

  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.stop());

  async function freshAccount(funcIds: number[], principalName = '甲公司'): Promise<{ appid: string; token: string }> {
    const { appid } = sim.addAccount({ nickname: 'Open test', serviceType: 'service', verified: true, principalName });
    return { appid, token: (await authorizeAccount(sim, appid, funcIds)).accessToken };
  }
  const open = (api: string, token: string, body: unknown = {}) => post(sim, `/cgi-bin/open/${api}?access_token=${token}`, body);

  it('answers 89002 from open/get while the account is not bound', async () => {
    // Prepare
    const { token } = await freshAccount([24]);

    // Act
    const answer = await open('get', token);

    // Assess
    expect(answer.errcode).toBe(89002);
  });

  it('creates an open account, then reports it from open/get', async () => {
    // Prepare
    const { token } = await freshAccount([24]);

    // Act
    const created = await open('create', token);
    const read = await open('get', token);

    // Assess
    expect(created).toMatchObject({ errcode: 0, open_appid: expect.stringMatching(/^wx[0-9a-f]{16}$/) });
    expect(read.open_appid).toBe(created.open_appid);
  });

  it('answers 89000 when creating for an account already bound', async () => {
    // Prepare
    const { token } = await freshAccount([24]);
    await open('create', token);

    // Act
    const answer = await open('create', token);

    // Assess
    expect(answer.errcode).toBe(89000);
  });

  it('answers 61007 without permission set 24', async () => {
    // Prepare
    const { token } = await freshAccount([1, 2]);

    // Act
    const answer = await open('create', token);

    // Assess
    expect(answer.errcode).toBe(61007);
  });

  it('answers 40013 when the body names another appid', async () => {
    // Prepare
    const { token } = await freshAccount([24]);

    // Act
    const answer = await open('get', token, { appid: demoAccounts.subscription.appid });

    // Assess
    expect(answer.errcode).toBe(40013);
  });

  it('binds a second account of the same principal and refuses one of another (89001)', async () => {
    // Prepare
    const first = await freshAccount([24], '乙公司');
    const { open_appid } = await open('create', first.token);
    const sibling = await freshAccount([24], '乙公司');
    const stranger = await freshAccount([24], '丙公司');

    // Act
    const bound = await open('bind', sibling.token, { open_appid });
    const refused = await open('bind', stranger.token, { open_appid });

    // Assess
    expect(bound).toEqual({ errcode: 0, errmsg: 'ok' });
    expect(refused.errcode).toBe(89001);
  });

  it('answers 89036 when binding to an unverified open account not created through the API', async () => {
    // Prepare
    const { token } = await freshAccount([24], '丁公司');
    const openAppid = sim.addOpenAccount({ principalName: '丁公司', verified: false });

    // Act
    const answer = await open('bind', token, { open_appid: openAppid });

    // Assess
    expect(answer.errcode).toBe(89036);
  });

  it('unbinds an API-created open account and answers 89003 for one registered on the site', async () => {
    // Prepare
    const apiMade = await freshAccount([24], '戊公司');
    const { open_appid } = await open('create', apiMade.token);
    const siteMade = await freshAccount([24], '戊公司');
    const siteOpen = sim.addOpenAccount({ principalName: '戊公司', verified: true });
    await open('bind', siteMade.token, { open_appid: siteOpen });

    // Act
    const unbound = await open('unbind', apiMade.token, { open_appid });
    const refused = await open('unbind', siteMade.token, { open_appid: siteOpen });

    // Assess
    expect(unbound.errcode).toBe(0);
    expect(refused.errcode).toBe(89003);
  });

  it('answers open/have with permission set 3', async () => {
    // Prepare
    const { token } = await freshAccount([3, 24]);
    await open('create', token);

    // Act
    const answer = await get(sim, `/cgi-bin/open/have?access_token=${token}`);

    // Assess
    expect(answer).toMatchObject({ errcode: 0, have_open: true });
  });
});

describe('customer-service messages', () => {
  let sim: WeChatSimulator;
  let token: string;
  let follower: string;

  beforeAll(async () => {
    sim = await startSimulator();
    token = (await authorizeAccount(sim, demoAccounts.verifiedService.appid, [1, 2])).accessToken;
    follower = ((await get(sim, `/cgi-bin/user/get?access_token=${token}`)) as Json).data.openid[0];
  });
  afterAll(() => sim.stop());

  const send = (accessToken: string, body: unknown) => post(sim, `/cgi-bin/message/custom/send?access_token=${accessToken}`, body);

  it('accepts a text message to a follower and records it', async () => {
    // Act
    const answer = await send(token, { touser: follower, msgtype: 'text', text: { content: 'hello' } });

    // Assess
    expect(answer).toEqual({ errcode: 0, errmsg: 'ok' });
    expect(sim.customMessages().at(-1)).toMatchObject({ appid: demoAccounts.verifiedService.appid, touser: follower, content: 'hello' });
  });

  it('answers 43004 for someone who no longer follows', async () => {
    // Prepare
    const [gone] = sim.unfollow(demoAccounts.verifiedService.appid, 1);

    // Act
    const answer = await send(token, { touser: gone, msgtype: 'text', text: { content: 'hello' } });

    // Assess
    expect(answer.errcode).toBe(43004);
  });

  it('lets a release-test account answer WeChat’s test user', async () => {
    // Prepare
    const appid = releaseTestAccounts[2].appid;
    const outcome = await sim.authorize(appid, [1]);
    const query = await post(
      sim,
      `/cgi-bin/component/api_query_auth?component_access_token=${(await authorizeAccount(sim, demoAccounts.subscription.appid, [1])).componentToken}`,
      {
        component_appid: component.componentAppId,
        authorization_code: outcome.authCode,
      },
    );

    // Act
    const answer = await send(query.authorization_info.authorizer_access_token, {
      touser: 'ozy4qt5QUADNXORxCVipKMV9dss0',
      msgtype: 'text',
      text: { content: `${outcome.authCode}_from_api` },
    });

    // Assess
    expect(answer.errcode).toBe(0);
    expect(sim.customMessages().at(-1)?.content).toBe(`${outcome.authCode}_from_api`);
  });
});

describe('quotas', () => {
  let sim: WeChatSimulator;
  let appid: string;
  let token: string;

  beforeAll(async () => {
    sim = await startSimulator({ seedAccounts: false });
    appid = sim.addAccount({ nickname: 'Quota', serviceType: 'service', verified: true, followers: 1 }).appid;
    token = (await authorizeAccount(sim, appid, [2])).accessToken;
  });
  afterAll(() => sim.stop());

  const quota = () => post(sim, `/cgi-bin/openapi/quota/get?access_token=${token}`, { cgi_path: '/cgi-bin/user/get' });

  it('reports the daily limit and use of user/get', async () => {
    // Prepare
    await get(sim, `/cgi-bin/user/get?access_token=${token}`);
    await get(sim, `/cgi-bin/user/get?access_token=${token}`);

    // Act
    const answer = await quota();

    // Assess
    expect(answer.quota).toEqual({ daily_limit: 500, used: 2, remain: 498 });
  });

  it('answers 45009 once the daily limit is used up, until clear_quota', async () => {
    // Prepare
    const { used } = (await quota()).quota;
    for (let i = used; i < 500; i++) await get(sim, `/cgi-bin/user/get?access_token=${token}`);

    // Act
    const exhausted = await get(sim, `/cgi-bin/user/get?access_token=${token}`);
    const cleared = await post(sim, `/cgi-bin/clear_quota?access_token=${token}`, { appid });
    const again = await get(sim, `/cgi-bin/user/get?access_token=${token}`);

    // Assess
    expect(exhausted.errcode).toBe(45009);
    expect(cleared.errcode).toBe(0);
    expect(again.total).toBe(1);
  });

  it('answers 40013 when clear_quota names another account', async () => {
    // Act
    const answer = await post(sim, `/cgi-bin/clear_quota?access_token=${token}`, { appid: demoAccounts.subscription.appid });

    // Assess
    expect(answer.errcode).toBe(40013);
  });
});
