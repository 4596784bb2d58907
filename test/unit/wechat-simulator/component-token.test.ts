import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WeChatSimulator } from '#infra/local/wechat-simulator/simulator.ts';
import { component, componentToken, get, post, startSimulator } from './support.ts';

const tokenPath = '/cgi-bin/component/api_component_token';
const FIVE_MINUTES = 5 * 60_000;

describe('the simulated api_component_token', () => {
  let sim: WeChatSimulator;

  beforeAll(async () => {
    sim = await startSimulator();
    await sim.pushTicket();
  });
  afterAll(() => sim.stop());

  const request = (over: Record<string, unknown> = {}) => ({
    component_appid: component.componentAppId,
    component_appsecret: component.componentSecret,
    component_verify_ticket: sim.currentTicket(),
    ...over,
  });
  const preAuth = (token: string) =>
    post(sim, `/cgi-bin/component/api_create_preauthcode?component_access_token=${token}`, { component_appid: component.componentAppId });

  it('issues a token with the configured lifetime for a pushed ticket', async () => {
    // Act
    const answer = await post(sim, tokenPath, request());

    // Assess
    expect(answer.component_access_token).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect(answer.expires_in).toBe(7200);
    expect(answer.errcode).toBeUndefined();
  });

  it('answers 61011 for a foreign component appid', async () => {
    // Act
    const answer = await post(sim, tokenPath, request({ component_appid: 'wx0000000000000bad' }));

    // Assess
    expect(answer.errcode).toBe(61011);
  });

  it('answers 40125 for a wrong secret', async () => {
    // Act
    const answer = await post(sim, tokenPath, request({ component_appsecret: 'not-the-secret' }));

    // Assess
    expect(answer.errcode).toBe(40125);
  });

  it('answers 61006 for a ticket it never pushed', async () => {
    // Act
    const answer = await post(sim, tokenPath, request({ component_verify_ticket: 'ticket@@@made-up' }));

    // Assess
    expect(answer.errcode).toBe(61006);
  });

  it('writes errors the way WeChat does: HTTP 200 and an errmsg ending in a rid', async () => {
    // Act
    const response = await fetch(`${sim.baseUrl}${tokenPath}`, { method: 'POST', body: JSON.stringify(request({ component_appsecret: 'x' })) });

    // Assess
    expect(response.status).toBe(200);
    expect(((await response.json()) as { errmsg: string }).errmsg).toMatch(/^invalid appsecret rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/);
  });

  it('answers 47001 for a body that is not JSON', async () => {
    // Act
    const response = await fetch(`${sim.baseUrl}${tokenPath}`, { method: 'POST', body: '{not json' });

    // Assess
    expect(((await response.json()) as { errcode: number }).errcode).toBe(47001);
  });
});

describe('component tokens over time', () => {
  it('answers 61005 for a ticket older than 12 hours', async () => {
    // Prepare
    const sim = await startSimulator();
    await sim.pushTicket();
    const ticket = sim.currentTicket();
    sim.advanceClock(12 * 3600_000 + 1_000);

    // Act
    const answer = await post(sim, tokenPath, {
      component_appid: component.componentAppId,
      component_appsecret: component.componentSecret,
      component_verify_ticket: ticket,
    });

    // Assess
    expect(answer.errcode).toBe(61005);
    await sim.stop();
  });

  it('keeps the previous token working for five minutes after a new one is issued', async () => {
    // Prepare
    const sim = await startSimulator();
    const first = await componentToken(sim);
    await componentToken(sim);
    sim.advanceClock(FIVE_MINUTES - 10_000);

    // Act
    const answer = await post(sim, `/cgi-bin/component/api_create_preauthcode?component_access_token=${first}`, { component_appid: component.componentAppId });

    // Assess
    expect(answer.pre_auth_code).toMatch(/^preauthcode@@@/);
    await sim.stop();
  });

  it('rejects the previous token with 40001 once the overlap is over', async () => {
    // Prepare
    const sim = await startSimulator();
    const first = await componentToken(sim);
    const second = await componentToken(sim);
    sim.advanceClock(FIVE_MINUTES + 1_000);

    // Act
    const old = await post(sim, `/cgi-bin/component/api_create_preauthcode?component_access_token=${first}`, { component_appid: component.componentAppId });
    const current = await post(sim, `/cgi-bin/component/api_create_preauthcode?component_access_token=${second}`, {
      component_appid: component.componentAppId,
    });

    // Assess
    expect(old.errcode).toBe(40001);
    expect(current.pre_auth_code).toBeDefined();
    await sim.stop();
  });

  it('answers 42001 once the token outlives expires_in', async () => {
    // Prepare
    const sim = await startSimulator({ tokenLifetimeSeconds: 60 });
    const token = await componentToken(sim);
    sim.advanceClock(61_000);

    // Act
    const answer = await post(sim, `/cgi-bin/component/api_create_preauthcode?component_access_token=${token}`, { component_appid: component.componentAppId });

    // Assess
    expect(answer.errcode).toBe(42001);
    await sim.stop();
  });

  it('answers 42001 for the current token after expireComponentToken', async () => {
    // Prepare
    const sim = await startSimulator();
    const token = await componentToken(sim);
    sim.expireComponentToken();

    // Act
    const answer = await post(sim, `/cgi-bin/component/api_create_preauthcode?component_access_token=${token}`, { component_appid: component.componentAppId });

    // Assess
    expect(answer.errcode).toBe(42001);
    await sim.stop();
  });
});

describe('token checks on every token-taking endpoint', () => {
  let sim: WeChatSimulator;
  let token: string;

  beforeAll(async () => {
    sim = await startSimulator();
    token = await componentToken(sim);
  });
  afterAll(() => sim.stop());

  it('answers 40001 for a well-formed token it never issued', async () => {
    // Act
    const answer = await post(sim, `/cgi-bin/component/api_get_authorizer_list?component_access_token=${'A'.repeat(64)}`, {});

    // Assess
    expect(answer.errcode).toBe(40001);
  });

  it('answers 40014 for a malformed token', async () => {
    // Act
    const answer = await get(sim, `/cgi-bin/user/get?access_token=${encodeURIComponent('not a token!')}`);

    // Assess
    expect(answer.errcode).toBe(40014);
  });

  it('answers 41001 when the token is missing', async () => {
    // Act
    const answer = await get(sim, '/cgi-bin/user/get');

    // Assess
    expect(answer.errcode).toBe(41001);
  });

  it('answers 48001 for a component token where an authorizer token is needed', async () => {
    // Act
    const answer = await get(sim, `/cgi-bin/user/get?access_token=${token}`);

    // Assess
    expect(answer.errcode).toBe(48001);
  });

  it('accepts the component token as access_token on component endpoints too', async () => {
    // Act
    const answer = await post(sim, `/cgi-bin/component/api_get_authorizer_list?access_token=${token}`, {
      component_appid: component.componentAppId,
      offset: 0,
      count: 10,
    });

    // Assess
    expect(answer.total_count).toBe(0);
  });
});
