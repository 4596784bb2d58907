/**
 * The WeCom simulator's admin API (`/__sim/…`, admin-api.ts) and its sealing of pushes against
 * WECOM.md §6's W6 vector (a suite_ticket push, ReceiveId = suite id).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WeComPusher } from '#infra/local/wecom-simulator/pusher.ts';
import type { WeComSimulator } from '#infra/local/wecom-simulator/simulator.ts';
import { installCorp, post, smallCorp, startHubStandIn, startSimulator, type HubStandIn } from './support.ts';

describe('sealing a push (WECOM.md §6 W6)', () => {
  it('produces W6’s Encrypt and msg_signature from its plaintext, key, ReceiveId and random prefix', () => {
    // Prepare
    const pusher = new WeComPusher({
      hubBaseUrl: undefined,
      credentials: {
        suiteId: 'ww4asffe99e54c0fxxxx',
        suiteSecret: '-',
        token: 'QDG6eK',
        aesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
        providerCorpId: '-',
        providerSecret: '-',
      },
      log: () => {},
    });

    // Act
    const { query, body } = pusher.seal(
      { SuiteId: 'ww4asffe99e54c0fxxxx', InfoType: 'suite_ticket', TimeStamp: 1403610513, SuiteTicket: 'asdfasfdasdfasdf' },
      'ww4asffe99e54c0fxxxx',
      { timestamp: '1403610513', nonce: '380320359', random: Buffer.from('0123456789abcdef') },
    );

    // Assess
    expect(query.get('msg_signature')).toBe('faba227e7299fcdf671f6d644a9232dbe0881c48');
    expect(body).toContain(
      '<Encrypt><![CDATA[sKqRbbiSUnDhFHOvPjtUMc8d6yx4a/6nI6K3ydSsWPWu4vOoCc0O9FEBB+1OFCveV8iC/PW3MUyLoF2BogNhwAH6q6P5gNCcdx8K+y4iRRESAy1N5GMeB+vHyx0uSct6kid34EhaIsvVmcYWru7hUxUgLXne5nbAOMMyFzAfybg7h7bqqc0k0AhBRzR4JBh8Hs5pRIX2pcBeLUTzpUHA6OQciX9/YOywRGXTyrFg4esWVTUYL6NDIgP3TABbJ1tYZAPV5LTu3rn5IuVJUKbTcXwENo89kU3iZit5L5ZA5YgL9GjT0igpOstAcRwnxqImEBA/CB5M+WfruL56c7/5uA==]]></Encrypt>',
    );
  });
});

describe('the admin API', () => {
  let hub: HubStandIn;
  let sim: WeComSimulator;
  let corpId: string;
  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${sim.baseUrl}/__sim${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };

  beforeAll(async () => {
    hub = await startHubStandIn();
    sim = await startSimulator({ seedCorp: smallCorp, hubBaseUrl: hub.baseUrl });
    corpId = sim.corps()[0]!.corpId;
    await installCorp(sim, corpId);
  });
  afterAll(async () => {
    await sim.stop();
    await hub.stop();
  });

  it('creates a corp of the size asked for', async () => {
    // Act
    const created = await admin('POST', '/corps', { corpName: 'Bench Corp', members: 200, customers: 50_000 });

    // Assess
    expect(created.status).toBe(201);
    expect(created.body.corp).toMatchObject({ corpName: 'Bench Corp', members: 200, customers: 50_000, installed: false });
  });

  it('refuses a corp without a name with 400 and the issue', async () => {
    // Act
    const refused = await admin('POST', '/corps', { members: 3 });

    // Assess
    expect(refused.status).toBe(400);
    expect(refused.body.issues).toContainEqual(expect.stringMatching(/^corpName: /));
  });

  it('answers 404 for a customer of no corp', async () => {
    // Act
    const missing = await admin('GET', '/corps/wwNOPE/customers/wmNOPE');

    // Assess
    expect(missing.status).toBe(404);
  });

  it('adds a customer and answers the push outcomes, the hub having said success', async () => {
    // Prepare
    const [member] = sim.members(corpId);

    // Act
    const added = await admin('POST', `/corps/${corpId}/customers`, { name: 'Admin customer', followers: [member!.userid] });

    // Assess
    expect(added.status).toBe(201);
    expect(added.body.pushes).toEqual([{ delivered: true, tries: 1, status: 200, body: 'success' }]);
    expect((await admin('GET', `/corps/${corpId}/customers/${added.body.externalUserid}`)).body.customer.name).toBe('Admin customer');
  });

  it('never shows a token, code or ticket in what it answers', async () => {
    // Prepare
    const installed = await installCorp(sim, corpId);

    // Act
    const texts = await Promise.all(['/corps', `/corps/${corpId}`, '/calls', '/limits'].map(async (path) => JSON.stringify((await admin('GET', path)).body)));

    // Assess
    for (const text of texts) {
      for (const secret of [installed.permanentCode, installed.corpToken, installed.suiteToken, sim.currentTicket()!]) expect(text).not.toContain(secret);
    }
  });

  it('injects a WeCom error for a number of calls, then lets them through', async () => {
    // Prepare
    const installed = await installCorp(sim, corpId);
    await admin('POST', '/faults', { path: '/cgi-bin/externalcontact/get_follow_user_list', errcode: -1, times: 1 });
    const call = () =>
      fetch(`${sim.baseUrl}/cgi-bin/externalcontact/get_follow_user_list?access_token=${installed.corpToken}`).then((r) => r.json() as Promise<any>);

    // Act
    const failed = await call();
    const passed = await call();

    // Assess
    expect(failed.errcode).toBe(-1);
    expect(passed.errcode).toBe(0);
  });

  it('answers an HTTP 5xx fault without JSON, as WeCom’s gateway does', async () => {
    // Prepare
    await admin('POST', '/faults', { path: '/cgi-bin/service/get_suite_token', httpStatus: 502, times: 1 });

    // Act
    const response = await fetch(`${sim.baseUrl}/cgi-bin/service/get_suite_token`, { method: 'POST', body: '{}' });

    // Assess
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toBe('text/html');
  });

  it('refuses a fault with both an errcode and an httpStatus', async () => {
    // Act
    const refused = await admin('POST', '/faults', { path: '*', errcode: -1, httpStatus: 500 });

    // Assess
    expect(refused.status).toBe(400);
  });

  it('pushes change_auth for a new visible range and answers its outcome', async () => {
    // Act
    const changed = await admin('POST', `/corps/${corpId}/visible-range`, { departments: [2] });

    // Assess
    expect(changed.body).toMatchObject({ delivered: true });
    expect(hub.received('change_auth').at(-1)!.message.AuthCorpId).toBe(corpId);
    expect((await admin('GET', `/corps/${corpId}`)).body.corp.visibleRange).toEqual({ departments: [2], users: [], tags: [] });
  });

  it('sets the frequency limits it is given and keeps the others', async () => {
    // Act
    const set = await admin('POST', '/limits', { perMinute: 50 });

    // Assess
    expect(set.body.limits).toEqual({ perMinute: 50, perHour: 150_000, idconvertPerHour: 100_000, idconvertPerDay: 480_000 });
  });
});

describe('an API path WeCom does not have', () => {
  let sim: WeComSimulator;

  beforeAll(async () => {
    sim = await startSimulator({ seedCorp: false });
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('answers 404 with an errcode', async () => {
    // Act
    const answer = await post(sim, '/cgi-bin/service/no_such_api', {});

    // Assess
    expect(answer.errcode).toEqual(expect.any(Number));
  });
});
