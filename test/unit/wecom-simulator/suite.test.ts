/**
 * The suite's side of the simulated WeCom (WECOM.md §3.1–§3.8, §4.1, §4.3): tickets, tokens and their
 * lifetimes, the install codes, the permanent code and the corp token.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WeComSimulator } from '#infra/local/wecom-simulator/simulator.ts';
import { get, installCorp, post, preAuthCode, smallCorp, startSimulator, suite, suiteToken } from './support.ts';

let sim: WeComSimulator;
let corpId: string;

beforeEach(async () => {
  sim = await startSimulator({ seedCorp: smallCorp });
  corpId = sim.corps()[0]!.corpId;
});
afterEach(async () => {
  await sim.stop();
});

const suiteTokenRequest = (ticket: string | undefined) => ({ suite_id: suite.suiteId, suite_secret: suite.suiteSecret, suite_ticket: ticket });

describe('tickets and the suite token', () => {
  it('answers get_suite_token without an errcode, as WeCom does on success', async () => {
    // Prepare
    await sim.pushTicket();

    // Act
    const answer = await post(sim, '/cgi-bin/service/get_suite_token', suiteTokenRequest(sim.currentTicket()));

    // Assess
    expect(Object.keys(answer).sort()).toEqual(['expires_in', 'suite_access_token']);
    expect(answer.expires_in).toBe(7200);
  });

  it('refuses a ticket older than 30 minutes with 40085', async () => {
    // Prepare
    await sim.pushTicket();
    sim.advanceClock(30 * 60_000 + 1_000);

    // Act
    const answer = await post(sim, '/cgi-bin/service/get_suite_token', suiteTokenRequest(sim.currentTicket()));

    // Assess
    expect(answer.errcode).toBe(40085);
  });

  it('refuses a wrong suite secret with 40080', async () => {
    // Prepare
    await sim.pushTicket();

    // Act
    const answer = await post(sim, '/cgi-bin/service/get_suite_token', { ...suiteTokenRequest(sim.currentTicket()), suite_secret: 'nope' });

    // Assess
    expect(answer.errcode).toBe(40080);
  });

  it('gives the same suite token again while it is valid, with the time it has left', async () => {
    // Prepare
    const first = await suiteToken(sim);
    sim.advanceClock(600_000);
    await sim.pushTicket();

    // Act
    const again = await post(sim, '/cgi-bin/service/get_suite_token', suiteTokenRequest(sim.currentTicket()));

    // Assess
    expect(again.suite_access_token).toBe(first);
    expect(again.expires_in).toBe(6600);
  });

  it('answers 42009 with a suite token past its 7200 s, and issues a new one on the next request', async () => {
    // Prepare
    const old = await suiteToken(sim);
    sim.advanceClock(7_200_000);
    await sim.pushTicket();

    // Act
    const refused = await get(sim, `/cgi-bin/service/get_pre_auth_code?suite_access_token=${old}`);
    const renewed = await suiteToken(sim);

    // Assess
    expect(refused.errcode).toBe(42009);
    expect(renewed).not.toBe(old);
  });

  it('answers 40082 when a corp token is used where the suite token belongs', async () => {
    // Prepare
    const installed = await installCorp(sim, corpId);

    // Act
    const answer = await get(sim, `/cgi-bin/service/get_pre_auth_code?suite_access_token=${installed.corpToken}`);

    // Assess
    expect(answer.errcode).toBe(40082);
  });
});

describe('the provider token and registration', () => {
  it('issues a provider token for the provider corpid and secret, and a register code with it', async () => {
    // Prepare
    const provider = await post(sim, '/cgi-bin/service/get_provider_token', { corpid: suite.providerCorpId, provider_secret: suite.providerSecret });

    // Act
    const answer = await post(sim, `/cgi-bin/service/get_register_code?provider_access_token=${provider.provider_access_token}`, {
      template_id: 'tplSimRegister0001',
      state: 'reg1',
    });

    // Assess
    expect(provider).toMatchObject({ errcode: 0, expires_in: 7200 });
    expect(answer).toMatchObject({ errcode: 0, errmsg: 'ok', expires_in: 600 });
    expect(answer.register_code).toEqual(expect.any(String));
  });

  it('refuses a register code whose state is not letters and digits with 84025', async () => {
    // Prepare
    const provider = await post(sim, '/cgi-bin/service/get_provider_token', { corpid: suite.providerCorpId, provider_secret: suite.providerSecret });

    // Act
    const answer = await post(sim, `/cgi-bin/service/get_register_code?provider_access_token=${provider.provider_access_token}`, {
      template_id: 'tplSimRegister0001',
      state: 'not ok!',
    });

    // Assess
    expect(answer.errcode).toBe(84025);
  });
});

describe('install codes', () => {
  it('refuses to install an unreleased app whose pre_auth_code had no set_session_info auth_type 1', async () => {
    // Prepare
    const token = await suiteToken(sim);
    const { pre_auth_code: code } = await get(sim, `/cgi-bin/service/get_pre_auth_code?suite_access_token=${token}`);

    // Act
    const install = sim.install({
      preAuthCode: code,
      corpId,
      range: { departments: [1], users: [], tags: [] },
      redirectUri: 'http://127.0.0.1:9/x',
      state: 's',
    });

    // Assess
    await expect(install).rejects.toThrow(/auth_type 1/);
  });

  it('spends an auth_code once: the second get_permanent_code answers 40078', async () => {
    // Prepare
    const token = await suiteToken(sim);
    const { location } = await sim.install({
      preAuthCode: await preAuthCode(sim, token),
      corpId,
      range: { departments: [1], users: [], tags: [] },
      redirectUri: 'http://127.0.0.1:9/x',
      state: 's1',
    });
    const authCode = new URL(location).searchParams.get('auth_code');
    await post(sim, `/cgi-bin/service/v2/get_permanent_code?suite_access_token=${token}`, { auth_code: authCode });

    // Act
    const again = await post(sim, `/cgi-bin/service/get_permanent_code?suite_access_token=${token}`, { auth_code: authCode });

    // Assess
    expect(again.errcode).toBe(40078);
  });

  it('answers 40029 for an auth_code older than 10 minutes', async () => {
    // Prepare
    const token = await suiteToken(sim);
    const { location } = await sim.install({
      preAuthCode: await preAuthCode(sim, token),
      corpId,
      range: { departments: [1], users: [], tags: [] },
      redirectUri: 'http://127.0.0.1:9/x',
      state: 's1',
    });
    sim.advanceClock(601_000);

    // Act
    const answer = await post(sim, `/cgi-bin/service/v2/get_permanent_code?suite_access_token=${token}`, {
      auth_code: new URL(location).searchParams.get('auth_code'),
    });

    // Assess
    expect(answer.errcode).toBe(40029);
  });

  it('answers v1 get_permanent_code with a first corp token and the visible range', async () => {
    // Prepare
    const token = await suiteToken(sim);
    const user = sim.members(corpId)[0]!.userid;
    const { location } = await sim.install({
      preAuthCode: await preAuthCode(sim, token),
      corpId,
      range: { departments: [2], users: [user], tags: [] },
      redirectUri: 'http://127.0.0.1:9/x',
      state: 's1',
    });

    // Act
    const answer = await post(sim, `/cgi-bin/service/get_permanent_code?suite_access_token=${token}`, {
      auth_code: new URL(location).searchParams.get('auth_code'),
    });

    // Assess
    expect(answer).toMatchObject({ errcode: 0, expires_in: 7200, state: 's1', auth_corp_info: { corpid: corpId } });
    expect(answer.access_token).toEqual(expect.any(String));
    expect(answer.auth_info.agent[0].privilege).toMatchObject({ allow_party: [2], allow_user: [user], allow_tag: [] });
  });
});

describe('the corp token', () => {
  it('answers 42001 with a corp token past its lifetime', async () => {
    // Prepare
    const installed = await installCorp(sim, corpId);
    sim.advanceClock(7_200_000);

    // Act
    const answer = await get(sim, `/cgi-bin/externalcontact/get_follow_user_list?access_token=${installed.corpToken}`);

    // Assess
    expect(answer.errcode).toBe(42001);
  });

  it('answers 40014 with a corp token WeCom revoked early, and gives a new one', async () => {
    // Prepare
    const installed = await installCorp(sim, corpId);
    sim.invalidateCorpToken(corpId);

    // Act
    const refused = await get(sim, `/cgi-bin/externalcontact/get_follow_user_list?access_token=${installed.corpToken}`);
    const renewed = await post(sim, `/cgi-bin/service/get_corp_token?suite_access_token=${installed.suiteToken}`, {
      auth_corpid: corpId,
      permanent_code: installed.permanentCode,
    });

    // Assess
    expect(refused.errcode).toBe(40014);
    expect(renewed.access_token).not.toBe(installed.corpToken);
  });

  it('refuses the permanent code with 40084 once the corp uninstalled the app', async () => {
    // Prepare
    const installed = await installCorp(sim, corpId);
    await sim.uninstall(corpId);

    // Act
    const answer = await post(sim, `/cgi-bin/service/get_corp_token?suite_access_token=${installed.suiteToken}`, {
      auth_corpid: corpId,
      permanent_code: installed.permanentCode,
    });

    // Assess
    expect(answer.errcode).toBe(40084);
  });

  it('answers get_auth_info with the range the admin changed to', async () => {
    // Prepare
    const installed = await installCorp(sim, corpId);
    await sim.changeVisibleRange(corpId, { departments: [3], users: [], tags: [] });

    // Act
    const answer = await post(sim, `/cgi-bin/service/get_auth_info?suite_access_token=${installed.suiteToken}`, {
      auth_corpid: corpId,
      permanent_code: installed.permanentCode,
    });

    // Assess
    expect(answer.auth_info.agent[0].privilege.allow_party).toEqual([3]);
  });
});
