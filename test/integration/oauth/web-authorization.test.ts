/**
 * Web authorization end to end on the embedded engine and the WeChat simulator: the hub's use cases
 * with their DynamoDB adapters and the WeChat client, the visitor on the simulator's page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoOAuthAccounts } from '#shared/adapters/dynamodb/oauth-accounts.ts';
import { DynamoOAuthCodes, DynamoOAuthStates } from '#shared/adapters/dynamodb/oauth-grants.ts';
import { DynamoOAuthOrigins } from '#shared/adapters/dynamodb/oauth-origins.ts';
import { startWebAuthorization, type StartWebAuthorizationDeps } from '#shared/domain/oauth/authorize.ts';
import { completeWebAuthorization, type CompleteWebAuthorizationDeps } from '#shared/domain/oauth/callback.ts';
import { exchangeOAuthCode } from '#shared/domain/oauth/exchange.ts';
import type { OAuthScope, UserAuthorizedEvent } from '#shared/domain/oauth/ports.ts';
import { DynamoEventOutbox } from '#shared/adapters/dynamodb/event-outbox.ts';
import { oauthEvents, oauthWeChat } from '#shared/wiring/oauth.ts';
import { visitorNickname, visitorOpenid } from '#infra/local/wechat-simulator/web-auth.ts';
import { bindAccount, startLifecycleWorld, type BoundAccount, type LifecycleWorld } from '#test/integration/support/world.ts';

const PAGE = 'https://shop.example.com/h5?campaign=spring';
const HUB = 'https://hub.example.com';

describe('web authorization against the simulated WeChat', () => {
  let world: LifecycleWorld;
  let bound: BoundAccount;
  let start: StartWebAuthorizationDeps;
  let complete: CompleteWebAuthorizationDeps;
  const events: UserAuthorizedEvent[] = [];
  const codes = () => new DynamoOAuthCodes(world.table.client, world.table.name);

  beforeAll(async () => {
    world = await startLifecycleWorld('oauth-flow');
    bound = await bindAccount(world, { funcIds: [1, 2, 3, 4, 24] });
    // The account's followers (and visitors) get a unionid once it has an open platform account.
    await world.client.openCreate({ current: async () => bound.accessToken, expire: async () => undefined });
    const { client, name } = world.table;
    await new DynamoOAuthOrigins(client, name).put(bound.tenantId, ['https://shop.example.com'], new Date().toISOString());
    start = {
      accounts: new DynamoOAuthAccounts(client, name),
      origins: new DynamoOAuthOrigins(client, name),
      states: new DynamoOAuthStates(client, name),
      componentAppId: async () => world.componentAppId,
      policy: { allowLoopback: false },
      publicBaseUrl: HUB,
      openBase: world.simulator.baseUrl,
      now: () => new Date(),
    };
    complete = {
      states: new DynamoOAuthStates(client, name),
      codes: codes(),
      wechat: oauthWeChat(world.client, world.component, async () => world.componentAppId),
      events: { userAuthorized: async (event) => void events.push(event) },
      now: () => new Date(),
      log: { warn: () => undefined, error: () => undefined },
    };
  });

  afterAll(async () => {
    await world?.close();
  });

  /** The hub's callback as WeChat redirects to it, run through the use case. */
  const callback = (location: string) => {
    const url = new URL(location);
    expect(url.origin + url.pathname).toBe(`${HUB}/v1/oauth/callback`);
    const q = url.searchParams;
    return completeWebAuthorization(
      { state: q.get('state')!, ...(q.get('code') ? { code: q.get('code')! } : {}), ...(q.get('appid') ? { appid: q.get('appid')! } : {}) },
      complete,
    );
  };

  const authorize = (scope: OAuthScope) => startWebAuthorization({ appid: bound.appid, redirectUri: PAGE, state: 'page-7', scope }, start);

  it('identifies a silent snsapi_base visitor by openid, through the page’s one-time code', async () => {
    // Prepare
    const { wechatUrl } = await authorize('snsapi_base');
    const wechatPage = await fetch(wechatUrl, { redirect: 'manual' });

    // Act
    const outcome = await callback(wechatPage.headers.get('location')!);
    const page = new URL((outcome as { location: string }).location);
    const user = await exchangeOAuthCode(page.searchParams.get('code')!, { codes: codes(), now: () => new Date() });

    // Assess
    expect(wechatPage.status).toBe(302);
    expect([page.origin + page.pathname, page.searchParams.get('campaign'), page.searchParams.get('state')]).toEqual([
      'https://shop.example.com/h5',
      'spring',
      'page-7',
    ]);
    expect(user).toEqual({ appid: bound.appid, tenantId: bound.tenantId, openid: visitorOpenid(bound.appid, 'visitor-1'), scope: 'snsapi_base' });
  });

  it('identifies a consenting snsapi_userinfo visitor with unionid and nickname', async () => {
    // Prepare
    const { wechatUrl } = await authorize('snsapi_userinfo');
    const consentPage = await (await fetch(wechatUrl)).text();
    const form = new URLSearchParams(new URL(wechatUrl).searchParams);
    form.set('visitor', 'visitor-2');
    form.set('decision', 'allow');
    const agreed = await fetch(new URL(wechatUrl).origin + new URL(wechatUrl).pathname, { method: 'POST', body: form, redirect: 'manual' });

    // Act
    const outcome = await callback(agreed.headers.get('location')!);
    const user = await exchangeOAuthCode(new URL((outcome as { location: string }).location).searchParams.get('code')!, {
      codes: codes(),
      now: () => new Date(),
    });

    // Assess
    expect(consentPage).toContain('id="allow"');
    expect(user).toMatchObject({
      appid: bound.appid,
      tenantId: bound.tenantId,
      openid: visitorOpenid(bound.appid, 'visitor-2'),
      unionid: expect.stringMatching(/^u/),
      scope: 'snsapi_userinfo',
      user: { nickname: visitorNickname('visitor-2') },
    });
  });

  it('sends a refusing visitor back with error=access_denied and keeps nothing for the page', async () => {
    // Prepare
    const { wechatUrl } = await authorize('snsapi_userinfo');
    const { location } = world.simulator.webAuthorize(wechatUrl, { allow: false });

    // Act
    const outcome = await callback(location);

    // Assess
    expect(outcome).toEqual({ kind: 'page', location: 'https://shop.example.com/h5?campaign=spring&error=access_denied&state=page-7' });
  });

  it('yields nothing to a replayed callback and asks WeChat nothing more', async () => {
    // Prepare
    const { wechatUrl } = await authorize('snsapi_base');
    const { location } = world.simulator.webAuthorize(wechatUrl);
    await callback(location);
    const exchangesBefore = world.simulator.calls()['/sns/oauth2/component/access_token'];

    // Act
    const replay = await callback(location);

    // Assess
    expect(replay).toEqual({ kind: 'lost' });
    expect(world.simulator.calls()['/sns/oauth2/component/access_token']).toBe(exchangesBefore);
  });

  it('sends WeChat’s refusal of a used code to the page as error=invalid_code, storing no code', async () => {
    // Prepare: WeChat's code spent by someone else first (40163).
    const { wechatUrl } = await authorize('snsapi_base');
    const { location } = world.simulator.webAuthorize(wechatUrl);
    const code = new URL(location).searchParams.get('code')!;
    await world.client.componentOAuthAccessToken(world.component, { appId: bound.appid, code, componentAppId: world.componentAppId });

    // Act
    const outcome = await callback(location);

    // Assess
    expect(outcome).toEqual({ kind: 'page', location: 'https://shop.example.com/h5?campaign=spring&error=invalid_code&state=page-7' });
  });

  it('trades a one-time code once: the second exchange is 410 oauth_code_invalid', async () => {
    // Prepare
    const { wechatUrl } = await authorize('snsapi_base');
    const outcome = await callback(world.simulator.webAuthorize(wechatUrl).location);
    const code = new URL((outcome as { location: string }).location).searchParams.get('code')!;
    await exchangeOAuthCode(code, { codes: codes(), now: () => new Date() });

    // Act
    const again = exchangeOAuthCode(code, { codes: codes(), now: () => new Date() });

    // Assess
    await expect(again).rejects.toMatchObject({ code: 'oauth_code_invalid' });
  });

  it('announces each completed authorization without the profile', () => {
    // Assess
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((event) => !('user' in event) && event.tenantId === bound.tenantId)).toBe(true);
  });

  it('publishes WeChat User Authorized in the bus’s outbox: the OAuthUser without its profile, no code or token', async () => {
    // Prepare
    const outbox = new DynamoEventOutbox(world.table.client, world.table.name);
    const published = { ...complete, events: oauthEvents(outbox) };
    const { wechatUrl } = await authorize('snsapi_userinfo');
    const { location } = world.simulator.webAuthorize(wechatUrl, { visitor: 'visitor-9' });
    const state = new URL(location).searchParams.get('state')!;
    const at = new Date();

    // Act
    const outcome = await completeWebAuthorization(
      { state, code: new URL(location).searchParams.get('code')!, appid: bound.appid },
      { ...published, now: () => at },
    );

    // Assess
    const hubCode = new URL((outcome as { location: string }).location).searchParams.get('code')!;
    const entries = (await outbox.pending({ limit: 1000 })).filter((entry) => entry.event.detailType === 'WeChat User Authorized');
    expect(entries.map((entry) => entry.event.detail)).toEqual([
      {
        eventId: expect.stringMatching(/^hub:[0-9a-f]{64}$/),
        appid: bound.appid,
        tenantId: bound.tenantId,
        openid: visitorOpenid(bound.appid, 'visitor-9'),
        unionid: expect.stringMatching(/^u/),
        scope: 'snsapi_userinfo',
        at: at.toISOString(),
      },
    ]);
    const text = JSON.stringify(entries);
    expect([text.includes(hubCode), text.includes(new URL(location).searchParams.get('code')!), text.includes(state)]).toEqual([false, false, false]);
  });
});
