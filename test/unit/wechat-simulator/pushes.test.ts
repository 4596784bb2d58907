import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAccounts, releaseTestAccounts, startWeChatSimulator, type WeChatSimulator } from '#infra/local/wechat-simulator/simulator.ts';
import { authorizeAccount, component, post, startHubStandIn, startSimulator, type HubStandIn } from './support.ts';

const service = demoAccounts.verifiedService;

describe('pushes to the hub', () => {
  let hub: HubStandIn;
  let sim: WeChatSimulator;

  beforeAll(async () => {
    hub = await startHubStandIn();
    sim = await startSimulator({ hubBaseUrl: hub.baseUrl });
    await authorizeAccount(sim, service.appid, [1, 2]);
  });
  afterAll(async () => {
    await sim.stop();
    await hub.stop();
  });

  it('pushes a ticket the hub can decrypt, signed in the query as WeChat does', async () => {
    // Prepare
    const before = hub.pushes.length;

    // Act
    await sim.pushTicket();

    // Assess
    const push = hub.pushes[before]!;
    expect(push.path).toBe('/v1/wechat/component');
    expect([...push.query.keys()].sort()).toEqual(['encrypt_type', 'msg_signature', 'nonce', 'signature', 'timestamp']);
    expect(push.message).toMatchObject({ AppId: component.componentAppId, InfoType: 'component_verify_ticket' });
    expect(push.message.ComponentVerifyTicket).toBe(sim.currentTicket());
  });

  it('pushes a fresh ticket after api_start_push_ticket', async () => {
    // Prepare
    const before = hub.pushes.length;

    // Act
    const answer = await post(sim, '/cgi-bin/component/api_start_push_ticket', {
      component_appid: component.componentAppId,
      component_secret: component.componentSecret,
    });

    // Assess
    expect(answer).toEqual({ errcode: 0, errmsg: 'ok' });
    while (hub.pushes.length === before) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(hub.pushes[before]!.message.InfoType).toBe('component_verify_ticket');
  });

  it('refuses api_start_push_ticket with a wrong secret', async () => {
    // Act
    const answer = await post(sim, '/cgi-bin/component/api_start_push_ticket', { component_appid: component.componentAppId, component_secret: 'nope' });

    // Assess
    expect(answer.errcode).toBe(40125);
  });

  it('pushes a subscribe event to the account’s message URL with the openid in the query', async () => {
    // Prepare
    const [openid] = sim.follow(service.appid, 1);
    const before = hub.pushes.length;

    // Act
    const response = await sim.sendAccountEvent(service.appid, { fromUserName: openid!, event: 'subscribe' });

    // Assess
    expect(await response.text()).toBe('success');
    const push = hub.pushes[before]!;
    expect(push.path).toBe(`/v1/wechat/accounts/${service.appid}/messages`);
    expect(push.query.get('openid')).toBe(openid);
    expect(push.envelope.ToUserName).toBe(service.userName);
    expect(push.message).toMatchObject({ ToUserName: service.userName, FromUserName: openid, MsgType: 'event', Event: 'subscribe', EventKey: '' });
  });

  it('pushes a text message with a MsgId', async () => {
    // Prepare
    const before = hub.pushes.length;

    // Act
    await sim.sendAccountText(service.appid, { fromUserName: 'oSomeoneSomeoneSomeone12345', content: '你好' });

    // Assess
    expect(hub.pushes[before]!.message).toMatchObject({ MsgType: 'text', Content: '你好' });
    expect(hub.pushes[before]!.message.MsgId).toMatch(/^\d+$/);
  });

  it('sends an unsubscribe event per follower when the admin API unfollows with push', async () => {
    // Prepare
    const before = hub.pushes.length;

    // Act
    const response = await fetch(`${sim.baseUrl}/__sim/accounts/${service.appid}/unfollow`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: 2, push: true }),
    });

    // Assess
    const { openids, pushed } = (await response.json()) as { openids: string[]; pushed: number };
    expect(pushed).toBe(2);
    const events = hub.pushes.slice(before).map((p) => [p.message.Event, p.message.FromUserName]);
    expect(events).toEqual(openids.map((openid) => ['unsubscribe', openid]));
  });

  it('refuses to push messages of an account that has not authorized the component', async () => {
    // Act
    const push = sim.sendAccountText(demoAccounts.unverifiedService.appid, { fromUserName: 'oX', content: 'hi' });

    // Assess
    await expect(push).rejects.toThrow(/has not authorized/);
  });

  it('authorizes a release-test account on its own and pushes the code (full-network release, step 0)', async () => {
    // Prepare
    const before = hub.pushes.length;

    // Act
    const outcome = await sim.authorize(releaseTestAccounts[0].appid, [1, 2, 3]);

    // Assess
    expect(hub.pushes[before]!.message).toMatchObject({
      InfoType: 'authorized',
      AuthorizerAppid: releaseTestAccounts[0].appid,
      AuthorizationCode: outcome.authCode,
    });
  });
});

describe('the ticket timer', () => {
  it('pushes a first ticket shortly after start', async () => {
    // Prepare
    const hub = await startHubStandIn();

    // Act
    const sim = await startWeChatSimulator({ hubBaseUrl: hub.baseUrl, seedAccounts: false });
    const push = await hub.next();

    // Assess
    expect(push.message.InfoType).toBe('component_verify_ticket');
    await sim.stop();
    await hub.stop();
  });
});
