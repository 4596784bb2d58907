/**
 * The demo product page (`/demo/h5`, infra/local/demo/) in a real browser against an in-process local
 * stack: a bound simulated account, the page's origin allowed through its local setup box, a simulated
 * visitor who consents with snsapi_userinfo on the simulator's page — the page then shows that
 * visitor's openid, unionid and nickname and a wx.config for its URL; a visitor who refuses gets the
 * page's words for access_denied. A screenshot lands in test/e2e/screenshots/ (gitignored).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '#infra/local/stack.ts';
import { visitorNickname, visitorOpenid, visitorUnionid } from '#infra/local/wechat-simulator/web-auth.ts';
import { launchBrowser, type LocalBrowser } from '#test/e2e/console/browser.ts';
import { bindThroughSimulator } from '#test/e2e/support/binding.ts';

const SCREENSHOTS = join(import.meta.dirname, '..', 'screenshots');
const TENANT = 'demo-h5-e2e';
/** The browser's own waits. */
const STEP_MS = 20_000;

describe('the demo product page in a browser', () => {
  let stack: LocalStack;
  let browser: LocalBrowser;
  let page: Page;
  let appid: string;
  let openAppId: string;

  const text = async (testid: string) => ((await page.getByTestId(testid).textContent()) ?? '').trim();
  /** From the demo page through the hub and the simulator's visitor page, to the visitor's choice. */
  const signIn = async (choice: 'allow' | 'deny', visitor = 'visitor-2') => {
    await page.goto(`${stack.baseUrl}/demo/h5?appid=${appid}`);
    await page.getByTestId('demo-login').click();
    await page.locator('select[name=visitor]').selectOption(visitor);
    await page.locator(`button#${choice}`).click();
    await page.getByTestId('demo-sample-banner').waitFor();
  };

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    stack = await startLocalStack({ port: 0, inMemory: true, log: () => undefined });
    appid = stack.simulator!.addAccount({ nickname: '云朵咖啡 Cloud Café', serviceType: 'service', verified: true, followers: 1 }).appid;
    const { location } = await bindThroughSimulator(stack, { tenant: TENANT, appid });
    if (location.searchParams.get('bind') !== 'ok') throw new Error(`binding ${appid} ended with ${location.search}`);
    // An open platform account, so that visitors have a unionid (API: POST /v1/accounts/{appid}/open-platform).
    const admin = await stack.consoleToken({ tenant: TENANT, admin: true });
    const open = await fetch(`${stack.baseUrl}/v1/accounts/${appid}/open-platform`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: '{}',
    });
    if (![200, 201].includes(open.status)) throw new Error(`open platform binding answered ${open.status} ${await open.text()}`);
    openAppId = ((await open.json()) as { openAppId: string }).openAppId;
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.setDefaultTimeout(STEP_MS);
    // The page's origin, allowed for the tenant through the page's local setup box.
    await page.goto(`${stack.baseUrl}/demo/h5?appid=${appid}`);
    await page.locator('input[name=tenant]').fill(TENANT);
    await page.getByTestId('demo-setup').click();
    await page.getByTestId('demo-setup-result').waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('shows a consenting visitor’s openid, unionid and nickname, and a wx.config for its URL', async () => {
    // Act
    await signIn('allow');
    await page.getByTestId('demo-user').waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'demo-h5.png'), fullPage: true });

    // Assess
    expect({
      openid: await text('demo-openid'),
      unionid: await text('demo-unionid'),
      nickname: await text('demo-nickname'),
      signed: /"signature": "[0-9a-f]{40}"/.test(await text('demo-jssdk')),
    }).toEqual({
      openid: visitorOpenid(appid, 'visitor-2'),
      unionid: visitorUnionid(openAppId, 'visitor-2'),
      nickname: visitorNickname('visitor-2'),
      signed: true,
    });
  });

  it('tells a visitor who refused that the page does not know them', async () => {
    // Prepare
    await browser.context.clearCookies();

    // Act
    await signIn('deny');
    await page.screenshot({ path: join(SCREENSHOTS, 'demo-h5-refused.png'), fullPage: true });

    // Assess
    expect([await page.getByTestId('demo-error').getAttribute('data-error'), await page.getByTestId('demo-anonymous').isVisible()]).toEqual([
      'access_denied',
      true,
    ]);
  });
});
