import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { demoAccounts, type WeChatSimulator } from '#infra/local/wechat-simulator/simulator.ts';
import { authorizeAccount, get, startSimulator, type Json } from './support.ts';

const userGet = '/cgi-bin/user/get';

describe('fault injection', () => {
  let sim: WeChatSimulator;
  let token: string;

  beforeAll(async () => {
    sim = await startSimulator();
    token = (await authorizeAccount(sim, demoAccounts.verifiedService.appid, [2])).accessToken;
  });
  beforeEach(() => sim.clearFaults());
  afterAll(() => sim.stop());

  const call = () => get(sim, `${userGet}?access_token=${token}`);

  it('fails exactly `times` calls with the injected errcode, then answers normally', async () => {
    // Prepare
    sim.injectFault({ path: userGet, errcode: -1, times: 2 });

    // Act
    const answers = [await call(), await call(), await call()];

    // Assess
    expect(answers.map((a) => a.errcode)).toEqual([-1, -1, undefined]);
    expect(answers[2]!.total).toBe(1200);
    expect(answers[0]!.errmsg).toMatch(/^system error rid: /);
  });

  it('fails every call at rate 1 and none at rate 0', async () => {
    // Prepare
    sim.injectFault({ path: userGet, errcode: 45009, rate: 1, times: 3 });

    // Act
    const failing = [await call(), await call(), await call()];
    sim.clearFaults();
    sim.injectFault({ path: userGet, errcode: 45009, rate: 0 });
    const passing = [await call(), await call()];

    // Assess
    expect(failing.every((a) => a.errcode === 45009)).toBe(true);
    expect(passing.every((a) => a.errcode === undefined)).toBe(true);
  });

  it('fails some and passes some calls at rate 0.5', async () => {
    // Prepare
    sim.injectFault({ path: '/cgi-bin/user/info', errcode: -1, rate: 0.5 });
    const openid = ((await call()) as Json).data.openid[0];

    // Act
    const answers: Json[] = [];
    for (let i = 0; i < 60; i++) answers.push(await get(sim, `/cgi-bin/user/info?access_token=${token}&openid=${openid}`));

    // Assess
    const failed = answers.filter((a) => a.errcode === -1).length;
    expect(failed).toBeGreaterThan(0);
    expect(failed).toBeLessThan(60);
  });

  it('uses the given errmsg and applies * to every API path', async () => {
    // Prepare
    sim.injectFault({ path: '*', errcode: 50002, errmsg: 'user limited', times: 1 });

    // Act
    const answer = await call();

    // Assess
    expect(answer.errcode).toBe(50002);
    expect(answer.errmsg).toMatch(/^user limited rid: /);
  });

  it('counts faulted calls by path like any other call', async () => {
    // Prepare
    sim.resetCalls();
    sim.injectFault({ path: userGet, errcode: -1, times: 1 });

    // Act
    await call();
    await call();

    // Assess
    expect(sim.calls()).toEqual({ [userGet]: 2 });
  });

  it('leaves the admin API and the consent page alone', async () => {
    // Prepare
    sim.injectFault({ path: '*', errcode: -1 });

    // Act
    const admin = await fetch(`${sim.baseUrl}/__sim/calls`);
    const page = await fetch(`${sim.baseUrl}/cgi-bin/componentloginpage`);

    // Assess
    expect(admin.status).toBe(200);
    expect(await page.text()).toContain('<html');
  });
});

describe('the /__sim admin API', () => {
  let sim: WeChatSimulator;

  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.stop());

  const admin = (method: string, path: string, body?: unknown) =>
    fetch(`${sim.baseUrl}/__sim${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it('reports the calls per API path', async () => {
    // Prepare
    sim.resetCalls();
    await get(sim, '/cgi-bin/user/get');

    // Act
    const answer = (await (await admin('GET', '/calls')).json()) as Json;

    // Assess
    expect(answer.calls).toEqual({ '/cgi-bin/user/get': 1 });
  });

  it('injects a fault that the next API call meets', async () => {
    // Prepare
    await admin('POST', '/faults', { path: '/cgi-bin/user/get', errcode: -1, times: 1 });

    // Act
    const answer = await get(sim, '/cgi-bin/user/get?access_token=whatever');

    // Assess
    expect(answer.errcode).toBe(-1);
  });

  it('adds an account and lists it without any secret', async () => {
    // Act
    const created = await admin('POST', '/accounts', { nickname: 'Via admin', serviceType: 'subscription', verified: false, followers: 7 });
    const listed = (await (await admin('GET', '/accounts')).json()) as Json;

    // Assess
    expect(created.status).toBe(201);
    const { account } = (await created.json()) as Json;
    expect(account).toMatchObject({ nickname: 'Via admin', followerCount: 7, authorization: { state: 'none' } });
    expect(listed.accounts.map((a: Json) => a.appid)).toContain(account.appid);
    expect(JSON.stringify(listed)).not.toMatch(/refreshtoken@@@|queryauthcode@@@|ticket@@@/);
  });

  it('makes followers leave and reports their openids', async () => {
    // Act
    const response = await admin('POST', `/accounts/${demoAccounts.subscription.appid}/unfollow`, { count: 3 });

    // Assess
    expect(response.status).toBe(200);
    expect(((await response.json()) as Json).openids).toHaveLength(3);
    expect(sim.account(demoAccounts.subscription.appid)?.followerCount).toBe(297);
  });

  it.each([
    ['a negative latency', 'POST', '/latency', { ms: -5 }],
    ['a fault without an errcode', 'POST', '/faults', { path: '/cgi-bin/user/get' }],
    ['a fault rate above 1', 'POST', '/faults', { path: '/cgi-bin/user/get', errcode: -1, rate: 2 }],
    ['an account with an unknown service type', 'POST', '/accounts', { nickname: 'x', serviceType: 'mini', verified: true }],
    ['an account with a malformed appid', 'POST', '/accounts', { appid: 'wx1', nickname: 'x', serviceType: 'service', verified: true }],
    ['an unknown field', 'POST', '/latency', { ms: 1, extra: true }],
    ['a fractional unfollow count', 'POST', `/accounts/${demoAccounts.subscription.appid}/unfollow`, { count: 1.5 }],
  ])('answers 400 for %s', async (_name, method, path, body) => {
    // Act
    const response = await admin(method, path, body);

    // Assess
    expect(response.status).toBe(400);
    expect(((await response.json()) as Json).issues.length).toBeGreaterThan(0);
  });

  it('answers 400 for a body that is not JSON', async () => {
    // Act
    const response = await fetch(`${sim.baseUrl}/__sim/latency`, { method: 'POST', body: 'ms=5' });

    // Assess
    expect(response.status).toBe(400);
  });

  it('answers 400 when more followers should leave than exist', async () => {
    // Act
    const response = await admin('POST', `/accounts/${demoAccounts.unverifiedService.appid}/unfollow`, { count: 999_999 });

    // Assess
    expect(response.status).toBe(400);
  });

  it('answers 404 for an unknown account', async () => {
    // Act
    const response = await admin('POST', '/accounts/wx0000000000000404/follow', { count: 1 });

    // Assess
    expect(response.status).toBe(404);
  });

  it('answers 404 for an unknown admin route', async () => {
    // Act
    const response = await admin('GET', '/nothing-here');

    // Assess
    expect(response.status).toBe(404);
  });
});
