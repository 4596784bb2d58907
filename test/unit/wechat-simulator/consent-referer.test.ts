/** The simulator's consent page checks the Referer against the 授权发起页域名, as WeChat does (WECHAT.md §4.3). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refererProblem } from '#infra/local/wechat-simulator/consent-page.ts';
import type { WeChatSimulator } from '#infra/local/wechat-simulator/simulator.ts';
import { component, componentToken, preAuthCode, startSimulator } from './support.ts';

const HUB = 'http://127.0.0.1:7000';

describe('the consent page’s Referer check', () => {
  let sim: WeChatSimulator;
  let token: string;

  beforeAll(async () => {
    sim = await startSimulator({ authorizationPageOrigin: HUB });
    token = await componentToken(sim);
  });
  afterAll(() => sim.stop());

  const consentPage = async (headers: Record<string, string>) => {
    const query = new URLSearchParams({
      component_appid: component.componentAppId,
      pre_auth_code: await preAuthCode(sim, token),
      redirect_uri: `${HUB}/cb`,
      auth_type: '1',
    });
    return (await fetch(`${sim.baseUrl}/cgi-bin/componentloginpage?${query}`, { headers })).text();
  };

  it('shows the consent form to a browser coming from the authorization page domain', async () => {
    // Act
    const html = await consentPage({ referer: `${HUB}/` });

    // Assess
    expect(html).toContain('id="authorize"');
  });

  it('shows WeChat’s domain error, naming the Referer’s domain, to a browser coming from elsewhere', async () => {
    // Act
    const html = await consentPage({ referer: 'http://127.0.0.1:7001/console' });

    // Assess
    expect(html).toContain('id="error"');
    expect(html).toContain('授权入口页所在域名：http://127.0.0.1:7001');
    expect(html).not.toContain('id="authorize"');
  });

  it('names the domain 空 when there is no Referer', async () => {
    // Act
    const html = await consentPage({});

    // Assess
    expect(html).toContain('授权入口页所在域名：空');
  });
});

describe('refererProblem', () => {
  it.each([
    ['the origin itself', 'https://hub.example.com/', undefined],
    ['a page of that origin', 'https://hub.example.com/v1/wechat/authorize?state=x', undefined],
  ])('accepts %s', (_name, referer, expected) => {
    // Act
    const problem = refererProblem(referer, 'https://hub.example.com');

    // Assess
    expect(problem).toBe(expected);
  });

  it.each([
    ['another host', 'https://console.example.com/'],
    ['the same host over http', 'http://hub.example.com/'],
    ['a look-alike host', 'https://hub.example.com.evil.example/'],
    ['a Referer that is no URL', 'hub.example.com'],
  ])('refuses %s', (_name, referer) => {
    // Act
    const problem = refererProblem(referer, 'https://hub.example.com');

    // Assess
    expect(problem).toContain('授权入口页所在域名');
  });
});
