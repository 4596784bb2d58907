/**
 * The console as a Chinese operator uses it (issue 15 item 4): a headless Chromium that asks for
 * zh-CN in Asia/Shanghai on a 390×844 phone, against one in-process local stack with the WeChat
 * simulator. One step per test, in order, sharing the stack and the pages: the shell's footer is in
 * 中文; an operator signs in as 运营人员 (no token pasted), raises a tenant's quota and sets its binding
 * policy; the admin binds through the binding dialog (开放平台
 * left alone, 明文授权 ticked), an account bound without permission set 24 says its followers will have
 * no unionid (in 中文 and English), the admin grants one account to a department, and a member of it sees only that
 * account; the follower trend is drawn from follows and unfollows pushed through the simulator's admin
 * API; a recipient's community is offered as payment only the share that included it; a double click
 * on "生成共享码" makes one batch; destructive actions ask first. Every screen is
 * checked to fit 390 px (`document.documentElement.scrollWidth <= 390`) and photographed into
 * test/e2e/screenshots/ (gitignored).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '#infra/local/stack.ts';
import { launchBrowser, type LocalBrowser } from '#test/e2e/console/browser.ts';
import { bindThroughSimulator, DEFAULT_BIND_FUNC_IDS } from '#test/e2e/support/binding.ts';

const SCREENSHOTS = join(import.meta.dirname, '..', 'screenshots');
const TENANT = 'phone-tenant';
/** Redeems a share of each of TENANT's two accounts: one with the payment interface, one without. */
const RECIPIENT = 'phone-recipient';
const DEPARTMENT = 'sales';
const PHONE = { width: 390, height: 844 };
const STEP_MS = 20_000;
const DAY_S = 86_400;

describe('the console in 中文 on a 390 px phone', () => {
  let stack: LocalStack;
  let browser: LocalBrowser;
  let page: Page;
  /** Bound beforehand: granted to the department, followed and unfollowed, shared. */
  let boundAppid: string;
  /** Bound beforehand without permission set 24 (its open-platform step is skipped), never granted to the department. */
  let otherAppid: string;
  /** Bound through the console's binding dialog. */
  let dialogAppid: string;

  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `phone-${name}.png`), fullPage: true });
  const text = async (testid: string, on: Page = page) => ((await on.getByTestId(testid).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
  const pageWidth = (on: Page = page) => on.evaluate<number>('document.documentElement.scrollWidth');
  const sim = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${stack.simulator!.baseUrl}/__sim${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`${method} /__sim${path} answered ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  /** Signs out whoever was signed in on this page, then in with `token` (pasted, as a person with a token would). */
  const signInWith = async (on: Page, token: string) => {
    await on.goto(`${stack.baseUrl}/console`);
    await on.evaluate('sessionStorage.clear()');
    await on.reload();
    await on.getByTestId('token-input').fill(token);
    await on.getByTestId('token-signin').click();
  };
  /** Signs out, then in through the sign-in screen's local minting, as `role`. */
  const signInAs = async (on: Page, role: 'admin' | 'operator', tenant = TENANT) => {
    await on.goto(`${stack.baseUrl}/console`);
    await on.evaluate('sessionStorage.clear()');
    await on.reload();
    await on.getByTestId(`mint-${role}`).check();
    if (role !== 'operator') await on.getByTestId('mint-tenant').fill(tenant);
    await on.getByTestId('mint-submit').click();
  };

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    stack = await startLocalStack({ port: 0, inMemory: true, log: () => undefined });
    await stack.simulator!.pushTicket();
    const bound = async (nickname: string, funcIds?: number[]): Promise<string> => {
      const added = stack.simulator!.addAccount({ nickname, serviceType: 'service', verified: true, followers: 2, openPay: true });
      const { location } = await bindThroughSimulator(stack, { tenant: TENANT, appid: added.appid, user: '张三', ...(funcIds ? { funcIds } : {}) });
      if (location.searchParams.get('bind') !== 'ok') throw new Error(`binding ${added.appid} ended with ${location.search}`);
      return added.appid;
    };
    boundAppid = await bound('模拟服务号');
    otherAppid = await bound(
      '云朵咖啡',
      DEFAULT_BIND_FUNC_IDS.filter((id) => id !== 24),
    );
    dialogAppid = stack.simulator!.addAccount({ nickname: '星河书店', serviceType: 'service', verified: true, followers: 3 }).appid;
    browser = await launchBrowser({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai', viewport: PHONE });
    page = await browser.context.newPage();
    page.setDefaultTimeout(STEP_MS);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('opens in 中文 because the browser asks for it, and fits 390 px', async () => {
    // Act
    await page.goto(`${stack.baseUrl}/console`);
    await page.getByTestId('signin-screen').waitFor();

    // Assess
    expect(await page.getByTestId('signin-screen').locator('h2').textContent()).toBe('登录');
    expect(await page.getByTestId('lang').inputValue()).toBe('zh');
    expect(await pageWidth()).toBeLessThanOrEqual(PHONE.width);
  });

  it('says the page shell’s footer in 中文 too', async () => {
    // Assess
    const footer = await page.locator('#shell-footer').textContent();
    expect(footer).toContain('本地环境地址');
    expect(footer).toContain('微信模拟器');
    expect(footer).not.toMatch(/Local stack|OpenAPI document|tokens:|WeChat simulator/);
    await shot('signin');
  });

  it('an operator signs in as 运营人员, finds the tenant, raises its quota and sets its own policy: verified service accounts only', async () => {
    // Prepare
    await signInAs(page, 'operator');
    await page.getByTestId('operator-screen').waitFor();
    await page.getByTestId('operator-tenant').fill(TENANT);
    await page.getByTestId('operator-find').click();
    await page.getByTestId('operator-form').waitFor();

    // Act
    await page.getByTestId('operator-quota').fill('7');
    await page.getByTestId('operator-policy-default').uncheck();
    await page.getByTestId('operator-require-service').check();
    await page.getByTestId('operator-require-verified').check();
    await page.getByTestId('operator-save').click();
    await page.locator('[data-testid=operator-feedback].ok').waitFor();

    // Assess
    expect(await text('setting-quota')).toBe('7');
    expect(await text('setting-require-service')).toBe('开启');
    expect(await text('setting-require-verified')).toBe('开启');
    expect(await text('setting-policy-source')).toBe('本机构单独设置');
    expect(await page.getByTestId('nav').locator('a').count()).toBe(1);
    expect(await pageWidth()).toBeLessThanOrEqual(PHONE.width);
    await shot('operator');
  });

  it('an admin binds through the dialog with 开放平台 left alone and 明文授权 ticked', async () => {
    // Prepare
    await signInWith(page, await stack.consoleToken({ tenant: TENANT, admin: true, sub: '张三' }));
    await page.getByTestId('accounts-screen').waitFor();
    await page.getByTestId('bind-start').click();
    await page.getByTestId('bind-dialog').waitFor();
    expect(await pageWidth()).toBeLessThanOrEqual(PHONE.width);
    await shot('bind-dialog');

    // Act
    await page.getByTestId('bind-open-platform-none').check();
    await page.getByTestId('bind-plaintext').check();
    await page.getByTestId('bind-continue').click();
    await page.locator(`input[name=appid][value=${dialogAppid}]`).check();
    await page.locator('#authorize').click();
    await page.getByTestId(`account-row-${dialogAppid}`).waitFor();

    // Assess
    expect(await text('bind-result')).toContain('公众号已绑定');
    // The list refreshes itself once the sync the binding started has finished (no reload here).
    await page.getByTestId(`account-row-${dialogAppid}`).getByTestId('account-followers').filter({ hasText: '同步于' }).waitFor();
    await page.getByTestId(`account-row-${dialogAppid}`).getByTestId('account-link').click();
    await page.getByTestId('account-summary').waitFor();
    expect(await page.getByTestId('account-open-platform').getAttribute('data-status')).toBe('none');
    expect(await text('account-open-platform')).toBe('未绑定');
    expect(await text('account-plaintext')).toContain('已开启');
    expect(await pageWidth()).toBeLessThanOrEqual(PHONE.width);
    await shot('account');
  });

  it('says 粉丝将没有 unionid (followers will have no unionid) for the account whose open-platform step was skipped', async () => {
    // Act
    await page.goto(`${stack.baseUrl}/console#/accounts/${otherAppid}`);
    await page.getByTestId('account-summary').waitFor();
    const inChinese = await text('account-open-platform');
    await page.getByTestId('lang').selectOption('en');
    await page.getByTestId('account-open-platform').filter({ hasText: 'followers will have no unionid' }).waitFor();
    const inEnglish = await text('account-open-platform');
    await page.getByTestId('lang').selectOption('zh');

    // Assess
    expect(await page.getByTestId('account-open-platform').getAttribute('data-status')).toBe('skipped');
    expect([inChinese, inEnglish]).toEqual(['已跳过：粉丝将没有 unionid', 'skipped: followers will have no unionid']);
  });

  it('the tenant’s settings show the operator’s quota, read-only', async () => {
    // Act
    await page.goto(`${stack.baseUrl}/console#/tenant`);
    await page.getByTestId('tenant-screen').waitFor();

    // Assess
    expect(await text('setting-quota')).toBe('7');
    expect(await text('setting-owned')).toBe('3');
    expect(await page.getByTestId('tenant-screen').locator('input, button[type=submit]').count()).toBe(0);
    await shot('tenant');
  });

  it('an admin grants one account to a department, saying a parent’s grant is not a child’s', async () => {
    // Prepare
    await page.goto(`${stack.baseUrl}/console#/departments`);
    await page.getByTestId('department-id').fill(DEPARTMENT);
    await page.getByTestId('department-open').click();
    await page.getByTestId('grants-form').waitFor();

    // Act
    await page.locator(`[data-testid=grant-row][data-appid=${boundAppid}]`).getByTestId('grant-checkbox').check();
    await page.getByTestId('grants-save').click();
    await page.locator('[data-testid=departments-feedback].ok').waitFor();

    // Assess
    expect(await text('departments-parent-note')).toContain('上级部门的授权不会传给下级部门');
    expect(await text('whoami')).toContain('张三');
    expect(await text('departments-feedback')).toBe(`部门 ${DEPARTMENT} 已授权 1 个公众号。`);
    expect(await pageWidth()).toBeLessThanOrEqual(PHONE.width);
    await shot('departments');
  });

  it('a member of that department sees only the granted account', async () => {
    // Prepare
    const member = await browser.context.newPage();
    const token = await stack.consoleToken({ tenant: TENANT, admin: false, departments: [DEPARTMENT] });

    // Act
    await signInWith(member, token);
    await member.getByTestId('accounts-table').waitFor();

    // Assess
    expect(await member.getByTestId(`account-row-${boundAppid}`).count()).toBe(1);
    expect(await member.getByTestId(`account-row-${otherAppid}`).count()).toBe(0);
    expect(await member.getByTestId('nav-departments').count()).toBe(0);
    await member.close();
  });

  it('draws the follower trend from follows and unfollows pushed over the last days', async () => {
    // Prepare: 5 follows and 2 unfollows spread over three days, pushed as WeChat would.
    const now = Math.floor(Date.now() / 1000);
    const pushes: [string, number][] = [
      ['subscribe', now - 3 * DAY_S],
      ['subscribe', now - 3 * DAY_S + 60],
      ['subscribe', now - DAY_S],
      ['unsubscribe', now - DAY_S + 60],
      ['subscribe', now - 120],
      ['subscribe', now - 60],
      ['unsubscribe', now - 30],
    ];
    for (const [index, [event, createTime]] of pushes.entries()) {
      // The unfollow of the day before is the follow's follower: its history has both.
      await sim('POST', `/accounts/${boundAppid}/events`, { fromUserName: `oTrendFollower${index === 3 ? 2 : index}`, event, createTime });
    }

    // Act
    await page.goto(`${stack.baseUrl}/console#/accounts/${boundAppid}/trend`);
    const chart = page.getByTestId('trend-chart');
    await chart.waitFor();

    // Assess
    expect(await chart.getAttribute('data-follows')).toBe('5');
    expect(await chart.getAttribute('data-unfollows')).toBe('2');
    expect(await chart.getAttribute('aria-label')).toMatch(/关注 5 次，取关 2 次$/);
    expect(await page.locator('svg.trend-chart rect.follows').count()).toBe(3);
    expect(await pageWidth()).toBeLessThanOrEqual(PHONE.width);
    await shot('trend');
  });

  it('shows a follower’s follow and unfollow, newest first', async () => {
    // Prepare
    await page.goto(`${stack.baseUrl}/console#/accounts/${boundAppid}`);
    await page.getByTestId('fans-filter').selectOption('false');
    const row = page.getByTestId('fan-row').filter({ hasText: 'oTrendFollower2' });

    // Act
    await row.getByTestId('fan-history').click();
    await page.getByTestId('history-row').first().waitFor();

    // Assess
    expect(await page.getByTestId('history-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-event')))).toEqual(['unsubscribe', 'subscribe']);
    expect(await page.getByTestId('history-table').textContent()).toContain('取消关注');
    expect(await pageWidth()).toBeLessThanOrEqual(PHONE.width);
    await shot('history');
    await page.getByTestId('history-close').click();
  });

  it('finds a contact by unionid across the tenant’s accounts', async () => {
    // Prepare: a synced follower of the account that has a unionid.
    const token = await stack.consoleToken({ tenant: TENANT, admin: true });
    const response = await fetch(`${stack.baseUrl}/v1/accounts/${boundAppid}/fans?limit=100`, { headers: { authorization: `Bearer ${token}` } });
    const { fans } = (await response.json()) as { fans: { openid: string; unionid?: string }[] };
    const fan = fans.find((candidate) => candidate.unionid);
    if (!fan) throw new Error('no synced follower of the account has a unionid');

    // Act
    await page.goto(`${stack.baseUrl}/console#/contacts`);
    await page.getByTestId('contact-unionid').fill(fan.unionid!);
    await page.getByTestId('contact-find').click();
    await page.getByTestId('contact-row').first().waitFor();

    // Assess
    expect(await text('contact-table')).toContain(fan.openid);
    expect(await text('contact-table')).toContain('模拟服务号');
    expect(await pageWidth()).toBeLessThanOrEqual(PHONE.width);
    await shot('contacts');
  });

  it('offers as a community’s payment only the shared account whose share included payment', async () => {
    // Prepare: both accounts have WeChat Pay; the owner shares one with its payment interface, the other without.
    const owner = await stack.consoleToken({ tenant: TENANT, admin: true });
    const recipient = await stack.consoleToken({ tenant: RECIPIENT, admin: true });
    const call = async (token: string, path: string, body: unknown) => {
      const response = await fetch(`${stack.baseUrl}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`POST ${path} answered ${response.status} ${await response.text()}`);
      return (await response.json()) as { codes: string[] };
    };
    for (const [appid, includePayment] of [
      [boundAppid, true],
      [otherAppid, false],
    ] as const) {
      const { codes } = await call(owner, `/v1/accounts/${appid}/share-codes`, { count: 1, includePayment });
      await call(recipient, '/v1/shared-accounts', { code: codes[0] });
    }

    // Act
    await signInAs(page, 'admin', RECIPIENT);
    await page.getByTestId('accounts-screen').waitFor();
    await page.goto(`${stack.baseUrl}/console#/communities`);
    await page.getByTestId('community-form').waitFor();
    const options = (testid: string) =>
      page
        .getByTestId(testid)
        .locator('option')
        .evaluateAll((all) => all.map((option) => (option as unknown as { value: string }).value));

    // Assess
    expect(await options('community-account')).toEqual(expect.arrayContaining([boundAppid, otherAppid]));
    expect(await options('community-payment')).toEqual(['', boundAppid]);
    expect(await pageWidth()).toBeLessThanOrEqual(PHONE.width);
    await shot('communities');
  });

  it('makes one batch of share codes from a double click on 生成共享码', async () => {
    // Prepare
    await signInWith(page, await stack.consoleToken({ tenant: TENANT, admin: true, sub: '张三' }));
    await page.goto(`${stack.baseUrl}/console#/accounts/${boundAppid}`);
    await page.getByTestId('sharing-panel').waitFor();
    let batches = 0;
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith(`/v1/accounts/${boundAppid}/share-codes`)) batches++;
    });

    // Act
    await page.getByTestId('share-generate').dblclick();
    await page.getByTestId('share-code').first().waitFor();
    await page.waitForLoadState('networkidle');

    // Assess
    expect(batches).toBe(1);
    expect(await page.getByTestId('share-code').count()).toBe(1);
  });

  it('asks before revoking every share, and cancelling sends nothing', async () => {
    // Prepare
    let deletes = 0;
    page.on('request', (request) => {
      if (request.method() === 'DELETE') deletes++;
    });

    // Act
    await page.getByTestId('revoke-all-shares').click();
    await page.getByTestId('confirm-dialog').waitFor();
    expect(await pageWidth()).toBeLessThanOrEqual(PHONE.width);
    await shot('confirm');
    await page.getByTestId('confirm-cancel').click();

    // Assess
    expect(await page.getByTestId('confirm-dialog').count()).toBe(0);
    expect(deletes).toBe(0);
    expect(await page.getByTestId('share-codes-box').isVisible()).toBe(true);
  });

  it('tells the audit trail in sentences in 中文', async () => {
    // Act
    await page.goto(`${stack.baseUrl}/console#/audit`);
    await page.getByTestId('audit-row').first().waitFor();

    // Assess
    const bound = page.locator('[data-testid=audit-row][data-action="account.bound"]').filter({ hasText: '云朵咖啡' });
    expect(await bound.getByTestId('audit-sentence').textContent()).toBe('张三 绑定了公众号 云朵咖啡');
    expect(await pageWidth()).toBeLessThanOrEqual(PHONE.width);
    await shot('audit');
  });
});
