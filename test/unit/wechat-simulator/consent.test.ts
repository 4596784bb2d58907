import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAccounts, releaseTestAccounts, type WeChatSimulator } from '#infra/local/wechat-simulator/simulator.ts';
import { redirectWithCode } from '#infra/local/wechat-simulator/consent-page.ts';
import { component, componentToken, preAuthCode, startHubStandIn, startSimulator, type HubStandIn } from './support.ts';

const service = demoAccounts.verifiedService.appid;
const callback = 'http://127.0.0.1:9/v1/wechat/authorized?state=tenant-1';

describe('the consent page', () => {
  let hub: HubStandIn;
  let sim: WeChatSimulator;
  let token: string;

  beforeAll(async () => {
    hub = await startHubStandIn();
    sim = await startSimulator({ hubBaseUrl: hub.baseUrl });
    token = await componentToken(sim);
  });
  afterAll(async () => {
    await sim.stop();
    await hub.stop();
  });

  const pageUrl = (code: string, extra: Record<string, string> = {}, path = '/cgi-bin/componentloginpage') =>
    `${sim.baseUrl}${path}?${new URLSearchParams({ component_appid: component.componentAppId, pre_auth_code: code, redirect_uri: callback, auth_type: '1', ...extra })}`;

  const submit = (code: string, appid: string, funcIds: number[]) => {
    const form = new URLSearchParams({ component_appid: component.componentAppId, pre_auth_code: code, redirect_uri: callback, appid });
    for (const id of funcIds) form.append('func_id', String(id));
    return fetch(`${sim.baseUrl}/cgi-bin/componentloginpage`, { method: 'POST', body: form, redirect: 'manual' });
  };

  it('names itself the simulator and offers the demo accounts as radio buttons', async () => {
    // Act
    const html = await (await fetch(pageUrl(await preAuthCode(sim, token)))).text();

    // Assess
    expect(html).toMatch(/<title>[^<]*simulator[^<]*<\/title>/i);
    for (const { appid } of Object.values(demoAccounts)) expect(html).toContain(`name="appid" value="${appid}"`);
    expect(html).not.toContain(releaseTestAccounts[0].appid);
    expect(html).toContain('id="authorize"');
  });

  it('checks permission sets 1, 2, 3, 4, 7, 11, 15 and 24 by default and leaves the others unchecked', async () => {
    // Act
    const html = await (await fetch(pageUrl(await preAuthCode(sim, token)))).text();

    // Assess
    const checked = [...html.matchAll(/name="func_id" value="(\d+)" checked/g)].map((m) => Number(m[1]));
    expect(checked).toEqual([1, 2, 3, 4, 7, 11, 15, 24]);
    expect(html).toContain('name="func_id" value="5"');
  });

  it('offers only the account named by biz_appid', async () => {
    // Act
    const html = await (await fetch(pageUrl(await preAuthCode(sim, token), { biz_appid: demoAccounts.subscription.appid }))).text();

    // Assess
    expect(html.match(/name="appid"/g)).toHaveLength(1);
    expect(html).toContain(`value="${demoAccounts.subscription.appid}"`);
  });

  it('serves the same page on the mobile safe/bindcomponent path', async () => {
    // Act
    const html = await (await fetch(pageUrl(await preAuthCode(sim, token), {}, '/safe/bindcomponent'))).text();

    // Assess
    expect(html).toContain(`name="appid" value="${service}"`);
  });

  it('shows an error page for a pre-auth code it never issued', async () => {
    // Act
    const html = await (await fetch(pageUrl('preauthcode@@@made-up'))).text();

    // Assess
    expect(html).toContain('id="error"');
    expect(html).not.toContain('id="authorize"');
  });

  it('redirects to redirect_uri with auth_code and expires_in=3600 appended with &', async () => {
    // Act
    const response = await submit(await preAuthCode(sim, token), service, [1, 2, 3]);

    // Assess
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe('http://127.0.0.1:9/v1/wechat/authorized');
    expect(location.searchParams.get('state')).toBe('tenant-1');
    expect(location.searchParams.get('auth_code')).toMatch(/^queryauthcode@@@/);
    expect(location.searchParams.get('expires_in')).toBe('3600');
  });

  it('pushes an encrypted authorized event carrying the same code before redirecting', async () => {
    // Prepare
    const account = sim.addAccount({ nickname: 'Fresh', serviceType: 'service', verified: true });
    const before = hub.pushes.length;

    // Act
    const response = await submit(await preAuthCode(sim, token), account.appid, [1, 2]);

    // Assess
    const code = new URL(response.headers.get('location')!).searchParams.get('auth_code');
    const push = hub.pushes[before]!;
    expect(push.query.get('encrypt_type')).toBe('aes');
    expect(push.envelope.AppId).toBe(component.componentAppId);
    expect(push.message).toMatchObject({ InfoType: 'authorized', AuthorizerAppid: account.appid, AuthorizationCode: code });
    expect(Number(push.message.AuthorizationCodeExpiredTime) - Number(push.message.CreateTime)).toBe(3600);
  });

  it('pushes updateauthorized when the account was already authorized', async () => {
    // Prepare
    const account = sim.addAccount({ nickname: 'Again', serviceType: 'service', verified: true });
    await submit(await preAuthCode(sim, token), account.appid, [1]);
    const before = hub.pushes.length;

    // Act
    await submit(await preAuthCode(sim, token), account.appid, [1, 2]);

    // Assess
    expect(hub.pushes[before]!.message).toMatchObject({ InfoType: 'updateauthorized', AuthorizerAppid: account.appid });
  });

  it('shows an error page when the same pre-auth code is submitted twice', async () => {
    // Prepare
    const code = await preAuthCode(sim, token);
    await submit(code, service, [1]);

    // Act
    const response = await submit(code, service, [1]);

    // Assess
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('already used');
  });

  it('shows an error page and keeps the code when no permission set is chosen', async () => {
    // Prepare
    const code = await preAuthCode(sim, token);

    // Act
    const refused = await submit(code, service, []);
    const retried = await submit(code, service, [1]);

    // Assess
    expect(refused.status).toBe(200);
    expect(await refused.text()).toContain('id="error"');
    expect(retried.status).toBe(302);
  });
});

describe('consent without a reachable hub', () => {
  it('still redirects when the push fails', async () => {
    // Prepare
    const hub = await startHubStandIn();
    const deadHubUrl = hub.baseUrl;
    await hub.stop();
    const sim = await startSimulator({ hubBaseUrl: deadHubUrl });
    const token = await componentToken(sim);

    // Act
    const { location } = await sim.consent({ preAuthCode: await preAuthCode(sim, token), appid: service, funcIds: [1], redirectUri: 'http://127.0.0.1:9/cb' });

    // Assess
    expect(new URL(location).searchParams.get('auth_code')).toMatch(/^queryauthcode@@@/);
    await sim.stop();
  });
});

describe('redirectWithCode', () => {
  it('starts the query with ? when the redirect URI has none', () => {
    // Act
    const location = redirectWithCode('https://hub.example/cb', 'queryauthcode@@@x', 3600);

    // Assess
    expect(location).toBe('https://hub.example/cb?auth_code=queryauthcode@@@x&expires_in=3600');
  });

  it('keeps a fragment after the query', () => {
    // Act
    const location = redirectWithCode('https://hub.example/cb?a=1#done', 'c', 3600);

    // Assess
    expect(location).toBe('https://hub.example/cb?a=1&auth_code=c&expires_in=3600#done');
  });
});
