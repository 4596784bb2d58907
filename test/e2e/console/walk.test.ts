/**
 * The console in a real browser (a headless Chromium through playwright-core, picked and given a CJK
 * font by ./browser.ts) against an in-process local stack with the WeChat simulator: the walk of
 * issue 8, one step per test, in order, sharing the two tenants' pages. Screenshots of the main
 * screens land in test/e2e/screenshots/ (gitignored).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '#infra/local/stack.ts';
import { demoAccounts } from '#infra/local/wechat-simulator/simulator.ts';
import { CJK_FONT_FAMILY, launchBrowser, type LocalBrowser } from '#test/e2e/console/browser.ts';

const SCREENSHOTS = join(import.meta.dirname, '..', 'screenshots');
const APPID = demoAccounts.verifiedService.appid;
const OWNER = 'walk-owner';
const RECIPIENT = 'walk-recipient';
const COMMUNITY = 'garden-court';
/** The browser's own waits; the walk as a whole stays well under a minute. */
const STEP_MS = 20_000;
const SYNC_MS = 180_000;

describe('the console walk: bind, sync, share, redeem, link, revoke, unbind', () => {
  let stack: LocalStack;
  let browser: LocalBrowser;
  let owner: Page;
  let recipient: Page;
  let shareCode = '';

  const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  const text = async (page: Page, testid: string) => ((await page.getByTestId(testid).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();

  async function signIn(page: Page, tenant: string): Promise<void> {
    await page.goto(`${stack.baseUrl}/console`);
    await page.getByTestId('signin-screen').waitFor();
    if (tenant === OWNER) await shot(page, 'sign-in');
    await page.getByTestId('mint-tenant').fill(tenant);
    await page.getByTestId('mint-admin').check();
    await page.getByTestId('mint-submit').click();
    await page.getByTestId('accounts-screen').waitFor({ timeout: STEP_MS });
  }

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    stack = await startLocalStack({ port: 0, inMemory: true, log: () => undefined });
    // Until the hub holds a ticket it answers 503 wechat_not_ready; push one now rather than wait for the first.
    await stack.simulator!.pushTicket();
    browser = await launchBrowser();
    owner = await browser.context.newPage();
    recipient = await browser.context.newPage();
    for (const page of [owner, recipient]) page.setDefaultTimeout(STEP_MS);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('signs the owner in with a token minted by the local stack', async () => {
    // Act
    await signIn(owner, OWNER);

    // Assess
    expect(await text(owner, 'whoami')).toContain(`${OWNER} · admin`);
    expect(await owner.getByTestId('accounts-empty').isVisible()).toBe(true);
  });

  it('binds an account through the simulator’s consent page and shows the result in words', async () => {
    // Act
    await owner.getByTestId('bind-start').click();
    // The dialog's defaults: create an open platform account, 明文授权 on.
    await owner.getByTestId('bind-continue').click();
    await owner.locator(`input[name=appid][value=${APPID}]`).check();
    await owner.locator('#authorize').click();
    await owner.getByTestId(`account-row-${APPID}`).waitFor();

    // Assess
    expect(new URL(owner.url()).search).toBe('');
    expect(await text(owner, 'bind-result')).toContain('The Official Account is bound');
    expect(await text(owner, 'bind-result')).toContain(APPID);
  });

  it('lists the bound account with its status, type, verification, capabilities and permissions', async () => {
    // Act
    const row = await text(owner, `account-row-${APPID}`);

    // Assess
    expect(row).toContain('模拟服务号 Demo Service');
    expect(row).toContain('active');
    expect(row).toContain('服务号 service');
    expect(row).toContain('已认证 verified');
    expect(row).toContain('payment');
    expect(row).toMatch(/\d+ sets/);
  });

  it('draws the account’s Chinese name with the CJK font the launcher provides, not as boxes', async () => {
    // Prepare
    const cdp = await browser.context.newCDPSession(owner);
    await cdp.send('DOM.enable');
    await cdp.send('CSS.enable');
    const { root } = await cdp.send('DOM.getDocument');
    const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector: `[data-testid=account-row-${APPID}] [data-testid=account-link]` });

    // Act
    const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
    await cdp.detach();

    // Assess
    // One font for every glyph, the launcher's (its bold face here: the name is a strong link).
    expect(fonts.map((font) => font.familyName)).toEqual([expect.stringMatching(new RegExp(`^${CJK_FONT_FAMILY}`))]);
  });

  it(
    'syncs the followers with a progress bar that reaches 100 %',
    async () => {
      // Prepare
      await owner.getByTestId(`account-row-${APPID}`).getByTestId('account-link').click();
      await owner.getByTestId('account-screen').waitFor();

      // Act
      await owner.getByTestId('fan-sync-start').click();
      // The sync's speed depends on the machine's load: allow far more than a page step (a liveness guard, not a figure).
      await owner.locator('[data-testid=fan-sync-progress][data-status=done]').waitFor({ state: 'attached', timeout: SYNC_MS });

      // Assess
      expect(await owner.getByTestId('fan-sync-progress').getAttribute('data-percent')).toBe('100');
      expect(await text(owner, 'fan-sync-status')).toMatch(/^Done · 100 % · 1,200 of 1,200 followers synced/);
      await owner.getByTestId('fan-row').first().waitFor();
      await shot(owner, 'account-followers');
    },
    SYNC_MS + 30_000,
  );

  it('shows the synced follower counts in the accounts list', async () => {
    // Act
    await owner.getByTestId('nav-accounts').click();
    await owner.getByTestId(`account-row-${APPID}`).waitFor();
    await shot(owner, 'accounts');

    // Assess
    expect(await text(owner, 'account-followers')).toMatch(/^1,200 \/ 1,200 ?synced \d{4}-/);
  });

  it('generates a share code shown once with its copy button and expiry', async () => {
    // Prepare
    await owner.getByTestId(`account-row-${APPID}`).getByTestId('account-link').click();
    await owner.getByTestId('sharing-panel').waitFor();

    // Act
    await owner.getByTestId('share-count').fill('1');
    // Sharing the payment interface is a deliberate choice (off by default): the recipient links its community's payment below.
    await owner.getByTestId('share-include-payment').check();
    await owner.getByTestId('share-generate').click();
    await owner.getByTestId('share-code').waitFor();
    shareCode = await text(owner, 'share-code');

    // Assess
    expect(shareCode).not.toBe('');
    expect(await owner.getByTestId('copy-code').isVisible()).toBe(true);
    expect(await text(owner, 'share-expiry')).toMatch(/^Valid until \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
    await owner.getByTestId('sharing-panel').screenshot({ path: join(SCREENSHOTS, 'share-codes.png') });
  });

  it('shows a second tenant the API’s message, not its JSON, for a code that does not work', async () => {
    // Prepare
    await signIn(recipient, RECIPIENT);
    await recipient.getByTestId('nav-redeem').click();

    // Act
    await recipient.getByTestId('redeem-code').fill('NOT-A-REAL-CODE');
    await recipient.getByTestId('redeem-submit').click();
    await recipient.getByTestId('redeem-feedback').getByTestId('error-message').waitFor();

    // Assess
    const shown = await text(recipient, 'redeem-feedback');
    expect(shown.length).toBeGreaterThan(10);
    expect(shown).not.toMatch(/[{}]|share_code_invalid/);
  });

  it('lets the second tenant redeem the code and see the account as shared', async () => {
    // Act
    await recipient.getByTestId('redeem-code').fill(shareCode);
    await recipient.getByTestId('redeem-submit').click();
    await recipient.getByTestId('account-screen').waitFor();

    // Assess
    expect(await text(recipient, 'notice')).toContain('is now shared with your tenant');
    expect(await text(recipient, 'account-summary')).toContain('shared with you');
  });

  it('links a community of the second tenant to the shared account and its payment interface', async () => {
    // Prepare
    await recipient.getByTestId('nav-communities').click();
    await recipient.getByTestId('communities-screen').waitFor();

    // Act
    await recipient.getByTestId('community-id').fill(COMMUNITY);
    await recipient.getByTestId('community-account').selectOption(APPID);
    await recipient.getByTestId('community-payment').selectOption(APPID);
    await recipient.getByTestId('community-save').click();
    await recipient.locator(`[data-testid=community-row][data-community=${COMMUNITY}]`).waitFor();

    // Assess
    const row = recipient.locator(`[data-testid=community-row][data-community=${COMMUNITY}]`);
    expect(await row.getByTestId('community-row-account').inputValue()).toBe(APPID);
    expect(await row.getByTestId('community-row-payment').inputValue()).toBe(APPID);
    await shot(recipient, 'communities');
  });

  it('shows the owner the recipient with its community, and revokes its share', async () => {
    // Prepare
    await owner.reload();
    const share = owner.locator(`[data-testid=share-row][data-tenant=${RECIPIENT}]`);
    await share.waitFor();
    const communities = ((await share.locator('td').nth(3).textContent()) ?? '').trim();

    // Act
    await share.getByTestId('revoke-share').click();
    await owner.getByTestId('revoke-share-confirm').click();
    await owner.getByTestId('shares-empty').waitFor();

    // Assess
    expect(communities).toBe('1');
    expect(await text(owner, 'sharing-feedback')).toContain(`Revoked ${RECIPIENT}'s share`);
  });

  it('explains that the authorization must be revoked in WeChat before unbinding', async () => {
    // Act
    await owner.getByTestId('unbind').click();
    await owner.getByTestId('unbind-confirm').click();
    await owner.locator('[data-testid=unbind-feedback][data-code=revoke_in_wechat_first]').waitFor();

    // Assess
    const explanation = await text(owner, 'unbind-feedback');
    expect(explanation).toContain('WeChat still shows');
    expect(explanation).toContain('授权管理');
    expect(await owner.getByTestId('unbind-feedback').getByTestId('error-steps').locator('li').count()).toBeGreaterThan(1);
    expect(explanation).not.toContain('{');
    await owner.getByTestId('unbind-panel').screenshot({ path: join(SCREENSHOTS, 'unbind-revoke-first.png') });
  });

  it('unbinds once the simulated admin has revoked the authorization in WeChat', async () => {
    // Prepare
    await stack.simulator!.revoke(APPID);

    // Act
    await owner.getByTestId('unbind').click();
    await owner.getByTestId('unbind-confirm').click();
    await owner.getByTestId('accounts-screen').waitFor();

    // Assess
    expect(await text(owner, 'notice')).toContain('is unbound');
    expect(await owner.getByTestId(`account-row-${APPID}`).count()).toBe(0);
  });

  it('records the walk in the owner’s audit trail', async () => {
    // Act
    await owner.getByTestId('nav-audit').click();
    await owner.getByTestId('audit-row').first().waitFor();
    const trail = await text(owner, 'audit-table');
    await shot(owner, 'audit');

    // Assess
    expect(trail).toContain(APPID);
    expect(await owner.getByTestId('audit-row').count()).toBeGreaterThan(3);
  });
});
