import { describe, expect, it } from 'vitest';
import {
  callbackRedirectUri,
  consoleRedirectUrl,
  mobileAuthorizeUrl,
  pcAuthorizeUrl,
  type AuthorizationUrlInput,
} from '#shared/domain/binding/authorization-urls.ts';

const redirectUri = callbackRedirectUri('https://hub.example.com/', 'AbC-_123state0000000000');
const input: AuthorizationUrlInput = {
  mpBase: 'https://mp.weixin.qq.com',
  componentAppId: 'wxc0ffee0000000001',
  preAuthCode: 'preauthcode@@@abc+/=',
  redirectUri,
};

describe('authorization link URLs', () => {
  it('points the redirect at the hub’s callback with the state', () => {
    // Prepare
    const base = 'https://hub.example.com/';

    // Act
    const uri = callbackRedirectUri(base, 'AbC-_123state0000000000');

    // Assess
    expect(uri).toBe('https://hub.example.com/v1/wechat/authorized?state=AbC-_123state0000000000');
  });

  it('URL-encodes the redirect_uri so its query survives WeChat', () => {
    // Prepare
    const withQuery = { ...input, redirectUri: `${redirectUri}&x=1` };

    // Act
    const url = pcAuthorizeUrl(withQuery);

    // Assess
    expect(url).toContain('redirect_uri=https%3A%2F%2Fhub.example.com%2Fv1%2Fwechat%2Fauthorized%3Fstate%3DAbC-_123state0000000000%26x%3D1');
    expect(new URL(url).searchParams.get('redirect_uri')).toBe(`${redirectUri}&x=1`);
  });

  it('carries the pre-auth code intact through encoding', () => {
    // Prepare
    const pc = new URL(pcAuthorizeUrl(input));

    // Act
    const code = pc.searchParams.get('pre_auth_code');

    // Assess
    expect(code).toBe('preauthcode@@@abc+/=');
  });

  it('asks for Official Accounts only (auth_type=1) on a new binding', () => {
    // Prepare
    const pc = new URL(pcAuthorizeUrl(input));

    // Act
    const params = Object.fromEntries(pc.searchParams);

    // Assess
    expect(params).toEqual({ component_appid: 'wxc0ffee0000000001', pre_auth_code: 'preauthcode@@@abc+/=', redirect_uri: redirectUri, auth_type: '1' });
    expect(`${pc.origin}${pc.pathname}`).toBe('https://mp.weixin.qq.com/cgi-bin/componentloginpage');
  });

  it('names the account with biz_appid and leaves auth_type out when re-authorizing', () => {
    // Prepare
    const reauthorize = { ...input, bizAppid: 'wxd3e0000000000001' };

    // Act
    const params = new URL(pcAuthorizeUrl(reauthorize)).searchParams;

    // Assess
    expect([params.get('biz_appid'), params.has('auth_type')]).toEqual(['wxd3e0000000000001', false]);
  });

  it('builds the mobile link on safe/bindcomponent with no_scan and the #wechat_redirect fragment', () => {
    // Prepare
    const reauthorize = { ...input, bizAppid: 'wxd3e0000000000001' };

    // Act
    const mobile = new URL(mobileAuthorizeUrl(reauthorize));

    // Assess
    expect(`${mobile.origin}${mobile.pathname}${mobile.hash}`).toBe('https://mp.weixin.qq.com/safe/bindcomponent#wechat_redirect');
    expect(Object.fromEntries(mobile.searchParams)).toEqual({
      action: 'bindcomponent',
      no_scan: '1',
      component_appid: 'wxc0ffee0000000001',
      pre_auth_code: 'preauthcode@@@abc+/=',
      redirect_uri: redirectUri,
      biz_appid: 'wxd3e0000000000001',
    });
  });
});

describe('the console redirect after the callback', () => {
  it('reports a binding as bind=ok with the appid', () => {
    // Prepare
    const consoleUrl = 'https://console.example.com/app';

    // Act
    const url = consoleRedirectUrl(consoleUrl, { bind: 'ok', appid: 'wxd3e0000000000001' });

    // Assess
    expect(url).toBe('https://console.example.com/app?bind=ok&appid=wxd3e0000000000001');
  });

  it('reports a failure as bind=error with its code and a short message', () => {
    // Prepare
    const outcome = { bind: 'error', code: 'missing_permissions', message: 'The account did not grant: 用户管理 (2).' } as const;

    // Act
    const url = new URL(consoleRedirectUrl('https://console.example.com', outcome));

    // Assess
    expect(Object.fromEntries(url.searchParams)).toEqual({ bind: 'error', code: 'missing_permissions', message: 'The account did not grant: 用户管理 (2).' });
  });

  it('leaves a long message out of the URL', () => {
    // Prepare
    const outcome = { bind: 'error', code: 'wechat_error', message: 'x'.repeat(201) } as const;

    // Act
    const url = new URL(consoleRedirectUrl('https://console.example.com', outcome));

    // Assess
    expect(url.searchParams.has('message')).toBe(false);
  });
});
