/**
 * The whole WeCom association from the console (issue 16 item 9), in a headless Chromium against one
 * in-process local stack with the WeChat and WeCom simulators. One step per test, in order, sharing the
 * stack and the page: the WeCom screen is not in the header until an operator turns on the tenant's
 * `features.wecom`; the admin installs the app on the WeCom simulator's install page and comes back to
 * the screen with the corp; 已完成设置 syncs the customers with a progress bar, and the customers list
 * shows one linked to a follower of the tenant's Official Account (screenshot
 * `test/e2e/screenshots/wecom-customers.png`, gitignored); the screen speaks 中文 too; removing the
 * association is refused with where to uninstall while WeCom shows the app installed, and goes once it
 * was uninstalled there.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '#infra/local/stack.ts';
import { demoAccounts } from '#infra/local/wechat-simulator/accounts.ts';
import { launchBrowser, type LocalBrowser } from '#test/e2e/console/browser.ts';
import { bindThroughSimulator } from '#test/e2e/support/binding.ts';

const SCREENSHOTS = join(import.meta.dirname, '..', 'screenshots');
const TENANT = 'wecom-tenant';
const STEP_MS = 30_000;

describe('the WeCom association from the console', () => {
  let stack: LocalStack;
  let browser: LocalBrowser;
  let page: Page;
  let adminToken: string;
  let corpId: string;

  const text = async (testid: string) => ((await page.getByTestId(testid).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
  const signInWith = async (token: string) => {
    await page.goto(`${stack.baseUrl}/console`);
    await page.evaluate('sessionStorage.clear()');
    await page.reload();
    await page.getByTestId('token-input').fill(token);
    await page.getByTestId('token-signin').click();
    await page.getByTestId('nav').waitFor();
  };
  const hub = async <T>(method: string, path: string): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${stack.baseUrl}${path}`, { method, headers: { authorization: `Bearer ${adminToken}` } });
    return { status: response.status, body: (response.status === 204 ? undefined : await response.json()) as T };
  };
  const until = async (what: string, check: () => Promise<boolean>) => {
    for (let attempt = 0; attempt < 200; attempt++) {
      if (await check()) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`waited in vain for ${what}`);
  };

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    stack = await startLocalStack({ port: 0, inMemory: true, log: () => undefined });
    await stack.simulator!.pushTicket();
    await stack.wecomSimulator!.pushTicket();
    adminToken = await stack.consoleToken({ tenant: TENANT, admin: true, sub: 'wecom-admin' });
    // The tenant owns the Official Account whose followers are among the demo corp's customers, synced.
    const appid = demoAccounts.verifiedService.appid;
    const { location } = await bindThroughSimulator(stack, { tenant: TENANT, appid });
    if (location.searchParams.get('bind') !== 'ok') throw new Error(`binding ${appid} ended with ${location.search}`);
    await until('the first follower sync', async () =>
      Boolean((await hub<{ fans?: { lastSyncAt?: string } }>('GET', `/v1/accounts/${appid}`)).body.fans?.lastSyncAt),
    );
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.setDefaultTimeout(STEP_MS);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('shows no WeCom screen while the tenant’s feature is off', async () => {
    // Act
    await signInWith(adminToken);

    // Assess
    expect(await page.getByTestId('nav-accounts').count()).toBe(1);
    expect(await page.getByTestId('nav-wecom').count()).toBe(0);
  });

  it('an operator turns WeCom on for the tenant', async () => {
    // Prepare
    await signInWith(await stack.consoleToken({ tenant: 'operators', roles: ['operator'], sub: 'ops' }));
    await page.getByTestId('operator-tenant').fill(TENANT);
    await page.getByTestId('operator-find').click();
    await page.getByTestId('operator-form').waitFor();

    // Act
    await page.getByTestId('operator-wecom').check();
    await page.getByTestId('operator-save').click();
    await page.locator('[data-testid=operator-feedback].ok').waitFor();

    // Assess
    expect(await text('setting-wecom')).toBe('on');
  });

  it('the admin installs the app on WeCom’s install page and comes back to the corp', async () => {
    // Prepare
    await signInWith(adminToken);
    await page.getByTestId('nav-wecom').click();
    await page.getByTestId('wecom-install-panel').waitFor();

    // Act
    await page.getByTestId('wecom-install').click();
    await page.waitForURL((url) => url.origin === new URL(stack.wecomSimulator!.baseUrl).origin);
    await page.locator('#install').click();
    await page.getByTestId('wecom-corp').waitFor();

    // Assess
    const corp = await hub<{ corpId: string; corpName: string; status: string }>('GET', '/v1/wecom/corp');
    corpId = corp.body.corpId;
    expect(corp.body.status).toBe('installed');
    expect(page.url()).toBe(`${stack.baseUrl}/console#/wecom`);
    expect(await text('wecom-feedback')).toContain(`WeCom installed the app for corp ${corpId}.`);
    expect(await text('wecom-corp-name')).toBe(corp.body.corpName);
    expect(await text('wecom-status')).toBe('installed');
    expect(await text('wecom-range')).toMatch(/^[1-9]\d* departments? · \d+ members? · \d+ tags?$/);
  });

  it('已完成设置 syncs the customers, and the list shows one linked to a follower', async () => {
    // Act
    await page.getByTestId('wecom-sync').click();
    await page.locator('[data-testid=wecom-sync-progress][data-status=done]').waitFor();
    await page.getByTestId('wecom-linked-filter').selectOption('true');
    await page.locator('[data-testid=wecom-customer-row][data-linked=true]').first().waitFor();

    // Assess
    const rows = page.getByTestId('wecom-customer-row');
    expect(await rows.count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid=wecom-customer-row][data-linked=false]').count()).toBe(0);
    expect(await rows.first().getByTestId('wecom-customer-follower').locator('a').getAttribute('href')).toMatch(/^#\/contacts\/.+/);
    expect(await text('wecom-sync-status')).toMatch(/^done: \d+ members · [1-9][\d,]* customers · [1-9][\d,]* linked/);
    // The corp's facts follow the finished sync.
    expect(await text('wecom-customers')).toMatch(/^[1-9][\d,]* · last sync \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    expect(await text('wecom-links')).toMatch(/^[1-9][\d,]* linked · [\d,]+ pending$/);
    await page.screenshot({ path: join(SCREENSHOTS, 'wecom-customers.png'), fullPage: true });
  });

  it('says the screen in 中文', async () => {
    // Act
    await page.getByTestId('lang').selectOption('zh');
    await page.getByTestId('wecom-corp').waitFor();

    // Assess
    expect(await page.getByTestId('wecom-screen').locator('h2').textContent()).toBe('企业微信');
    expect(await text('nav-wecom')).toBe('企业微信');
    expect(await text('wecom-status')).toBe('已安装');
    expect(await text('wecom-sync')).toBe('已完成设置 · 同步客户');
    await page.getByTestId('lang').selectOption('en');
    await page.getByTestId('wecom-corp').waitFor();
  });

  it('refuses to remove the association while WeCom shows the app installed, and says where to uninstall', async () => {
    // Act
    await page.getByTestId('wecom-remove').click();
    await page.getByTestId('wecom-remove-confirm').click();
    await page.locator('[data-testid=wecom-remove-feedback][data-code=revoke_in_wechat_first]').waitFor();

    // Assess
    expect(await text('wecom-uninstall-where')).toContain('应用管理');
    expect((await hub('GET', '/v1/wecom/corp')).status).toBe(200);
  });

  it('removes it once the app was uninstalled in WeCom', async () => {
    // Prepare
    await stack.wecomSimulator!.uninstall(corpId);
    await until('cancel_auth applied', async () => (await hub<{ status: string }>('GET', '/v1/wecom/corp')).body.status === 'uninstalled');
    await page.reload();
    await page.getByTestId('wecom-remove').click();

    // Act
    await page.getByTestId('wecom-remove-confirm').click();
    await page.getByTestId('wecom-install-panel').waitFor();

    // Assess
    expect(await text('notice')).toContain('Removed the WeCom association of');
    expect((await hub('GET', '/v1/wecom/corp')).status).toBe(404);
  });
});
