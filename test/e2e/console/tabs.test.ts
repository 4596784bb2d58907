/**
 * The account's Auto-replies, Menu and Messages tabs in a real browser (issue 13 item 6), against an
 * in-process local stack whose simulated WeChat user sends the pushes: a rule made in the console
 * answers the user's next message (read back decrypted through the simulator's admin API), a menu saved
 * in the console is the one the simulator's WeChat holds, and the Messages tab shows a text the user
 * sent. Screenshots of the three tabs land in test/e2e/screenshots/ (gitignored).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '#infra/local/stack.ts';
import { launchBrowser, type LocalBrowser } from '#test/e2e/console/browser.ts';
import { bindThroughSimulator, DEFAULT_BIND_FUNC_IDS } from '#test/e2e/support/binding.ts';

const SCREENSHOTS = join(import.meta.dirname, '..', 'screenshots');
const TENANT = 'tabs-owner';
/** The browser's own waits. */
const STEP_MS = 20_000;

interface UserActionAnswer {
  status: number;
  reply: { xml: string; msgType?: string; content?: string } | null;
}

describe('the account’s Auto-replies, Menu and Messages tabs', () => {
  let stack: LocalStack;
  let browser: LocalBrowser;
  let page: Page;
  let appid: string;
  /** An account bound without 自定义菜单 (15). */
  let noMenuAppid: string;

  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  const text = async (testid: string) => ((await page.getByTestId(testid).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
  const sim = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${stack.simulator!.baseUrl}/__sim${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`${method} /__sim${path} answered ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const bound = async (funcIds: number[]): Promise<string> => {
    const added = stack.simulator!.addAccount({ nickname: '云朵咖啡 Cloud Café', serviceType: 'service', verified: true, followers: 3 });
    const { location } = await bindThroughSimulator(stack, { tenant: TENANT, appid: added.appid, funcIds });
    if (location.searchParams.get('bind') !== 'ok') throw new Error(`binding ${added.appid} ended with ${location.search}`);
    return added.appid;
  };
  /** Through the accounts list, so that a tab already open is rendered afresh (a same-URL goto changes nothing). */
  const openTab = async (account: string, tab: string) => {
    await page.goto(`${stack.baseUrl}/console#/accounts`);
    await page.getByTestId('accounts-screen').waitFor();
    await page.goto(`${stack.baseUrl}/console#/accounts/${account}/${tab}`);
    await page.locator(`[data-testid=account-screen][data-tab=${tab}]`).waitFor();
  };
  const rule = (index: number) => page.locator(`[data-testid=rule-card][data-index="${index}"]`);

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    stack = await startLocalStack({ port: 0, inMemory: true, log: () => undefined });
    await stack.simulator!.pushTicket();
    appid = await bound([...DEFAULT_BIND_FUNC_IDS]);
    noMenuAppid = await bound(DEFAULT_BIND_FUNC_IDS.filter((id) => id !== 15));
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.setDefaultTimeout(STEP_MS);
    await page.goto(`${stack.baseUrl}/console`);
    await page.getByTestId('mint-tenant').fill(TENANT);
    await page.getByTestId('mint-admin').check();
    await page.getByTestId('mint-submit').click();
    await page.getByTestId('accounts-screen').waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  describe('Auto-replies', () => {
    it('saves a keyword rule made in the editor and the simulated user’s next message gets its reply', async () => {
      // Prepare
      await openTab(appid, 'auto-replies');
      await page.getByTestId('rule-add').click();
      await rule(0).getByTestId('rule-trigger-keywords').fill('hours, 营业时间');
      await rule(0).getByTestId('rule-reply-content').fill('We open at 9. 九点开门。');

      // Act
      await page.getByTestId('auto-replies-save').click();
      await page.locator('[data-testid=auto-replies-feedback].ok').waitFor();
      // The reply step trusts a rule-set version it checked less than a second ago (README "Auto-replies and menus").
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const answer = await sim<UserActionAnswer>('POST', `/accounts/${appid}/user/text`, { content: 'What are your HOURS?' });

      // Assess
      expect(answer.reply).toMatchObject({ msgType: 'text', content: 'We open at 9. 九点开门。' });
    });

    it('previews the reply as a chat bubble while it is typed', async () => {
      // Act
      await rule(0).getByTestId('rule-reply-content').fill('Open from nine');

      // Assess
      expect(await rule(0).getByTestId('preview-text').textContent()).toBe('Open from nine');
      expect(await rule(0).getByTestId('rule-preview').locator('.bubble.user').textContent()).toBe('hours');
    });

    it('puts a rule moved up ahead of the one that answered before', async () => {
      // Prepare
      await page.getByTestId('rule-add').click();
      await rule(1).getByTestId('rule-trigger-match').selectOption('exact');
      await rule(1).getByTestId('rule-trigger-keywords').fill('hours');
      await rule(1).getByTestId('rule-reply-type').selectOption('news');
      await rule(1).getByTestId('rule-reply-article-title').fill('Our hours');
      await rule(1).getByTestId('rule-reply-article-description').fill('Every day but Monday');
      await rule(1).getByTestId('rule-reply-article-url').fill('https://example.com/hours');
      await rule(1).getByTestId('rule-up').click();
      await page.getByTestId('auto-replies-save').click();
      await page.locator('[data-testid=auto-replies-feedback].ok').waitFor();
      await new Promise((resolve) => setTimeout(resolve, 1_100));

      // Act
      const answer = await sim<UserActionAnswer>('POST', `/accounts/${appid}/user/text`, { content: 'hours' });

      // Assess
      expect(answer.reply?.xml).toContain('<Title><![CDATA[Our hours]]></Title>');
    });

    it('lets a disabled rule pass the message on to the next one', async () => {
      // Prepare
      await rule(0).getByTestId('rule-enabled').uncheck();
      await page.getByTestId('auto-replies-save').click();
      await page.locator('[data-testid=auto-replies-feedback].ok').waitFor();
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      await shot('tab-auto-replies');

      // Act
      const answer = await sim<UserActionAnswer>('POST', `/accounts/${appid}/user/text`, { content: 'hours' });

      // Assess
      expect(answer.reply?.content).toBe('Open from nine');
    });

    it('disables every button while the save runs', async () => {
      // Prepare
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      await page.route('**/auto-replies', async (route) => {
        if (route.request().method() === 'PUT') await held;
        await route.continue();
      });

      // Act
      await page.getByTestId('auto-replies-save').click();
      const disabledWhileRunning = await page.getByTestId('auto-replies-panel').locator('button:enabled').count();
      release();
      await page.locator('[data-testid=auto-replies-feedback].ok').waitFor();
      await page.unroute('**/auto-replies');

      // Assess
      expect(disabledWhileRunning).toBe(0);
      expect(await page.getByTestId('auto-replies-save').isEnabled()).toBe(true);
    });

    it('shows the server’s validation_failed detail under the field it names', async () => {
      // Prepare
      await rule(0).getByTestId('rule-reply-article-url').fill('not a link');

      // Act
      await page.getByTestId('auto-replies-save').click();
      await page.locator('[data-testid=auto-replies-feedback].error').waitFor();

      // Assess
      const notes = rule(0).locator('[data-testid=field-error][data-field="rules.0.reply.article.url"]');
      // The server's two issues of that one field, under it in the server's order, counted as one field.
      expect(await notes.allTextContents()).toEqual(['must be an absolute URL', 'must be an http or https URL']);
      expect(await text('auto-replies-feedback')).toBe('Not saved: one field needs a change (marked below).');
      expect(await rule(0).getByTestId('rule-reply-article-url').getAttribute('aria-invalid')).toBe('true');
      await page.getByTestId('auto-replies-panel').screenshot({ path: join(SCREENSHOTS, 'tab-auto-replies-invalid.png') });
    });
  });

  describe('Menu', () => {
    it('saves a menu built in the drawing and the simulator’s WeChat holds exactly it', async () => {
      // Prepare
      await openTab(appid, 'menu');
      await page.getByTestId('menu-add-top').click();
      await page.getByTestId('menu-name').fill('今日歌曲');
      await page.getByTestId('menu-key').fill('V1001_TODAY_MUSIC');
      await page.getByTestId('menu-add-top').click();
      await page.getByTestId('menu-name').fill('菜单');
      await page.getByTestId('menu-add-sub').nth(1).click();
      await page.getByTestId('menu-name').fill('搜索');
      await page.getByTestId('menu-type').selectOption('view');
      await page.getByTestId('menu-url').fill('https://www.soso.com/');
      await page.getByTestId('menu-add-sub').nth(1).click();
      await page.getByTestId('menu-name').fill('赞一下我们');
      await page.getByTestId('menu-key').fill('V1001_GOOD');

      // Act
      await page.getByTestId('menu-save').click();
      await page.locator('[data-testid=menu-feedback].ok').waitFor();
      await shot('tab-menu');
      const held = await sim<{ menu: { button: unknown[] } | null }>('GET', `/accounts/${appid}/menu`);

      // Assess
      expect(held.menu?.button).toEqual([
        { type: 'click', name: '今日歌曲', key: 'V1001_TODAY_MUSIC' },
        {
          name: '菜单',
          sub_button: [
            { type: 'view', name: '搜索', url: 'https://www.soso.com/' },
            { type: 'click', name: '赞一下我们', key: 'V1001_GOOD' },
          ],
        },
      ]);
    });

    it('draws the saved menu as WeChat does: buttons along the bottom, sub-buttons stacked above', async () => {
      // Act
      await page.reload();
      await page.getByTestId('menu-top').first().waitFor();

      // Assess
      expect(await page.getByTestId('menu-top').allTextContents()).toEqual(['今日歌曲', '≡ 菜单']);
      expect(await page.getByTestId('menu-column').nth(1).getByTestId('menu-sub').allTextContents()).toEqual(['搜索', '赞一下我们']);
      const top = await page.getByTestId('menu-top').nth(1).boundingBox();
      const sub = await page.getByTestId('menu-sub').first().boundingBox();
      expect(sub!.y).toBeLessThan(top!.y);
    });

    it('names the button WeChat would refuse and does not call WeChat', async () => {
      // Prepare
      const creates = stack.simulator!.calls()['/cgi-bin/menu/create'] ?? 0;
      await page.getByTestId('menu-top').first().click();
      await page.getByTestId('menu-name').fill('一个太长的菜单名字');

      // Act
      await page.getByTestId('menu-save').click();
      await page.locator('[data-testid=menu-feedback][data-code=validation_failed]').waitFor();

      // Assess
      expect(await text('menu-issues')).toContain('Button 1 “一个太长的菜单名字” · name: must be at most 16 UTF-8 bytes');
      expect(await page.locator('[data-testid=field-error][data-field="button.0.name"]').count()).toBe(1);
      expect(await page.getByTestId('menu-top').first().getAttribute('class')).toContain('invalid');
      expect(stack.simulator!.calls()['/cgi-bin/menu/create'] ?? 0).toBe(creates);
    });

    it('deletes the menu in WeChat after asking first', async () => {
      // Prepare
      await page.getByTestId('menu-delete').click();
      const askedFirst = await page.getByTestId('menu-delete-confirm').isVisible();

      // Act
      await page.getByTestId('menu-delete-confirm').click();
      await page.locator('[data-testid=menu-feedback].ok').waitFor();

      // Assess
      expect(askedFirst).toBe(true);
      expect(await sim('GET', `/accounts/${appid}/menu`)).toEqual({ menu: null });
    });

    it('explains that an account without 自定义菜单 (15) has no menu to edit', async () => {
      // Act
      await openTab(noMenuAppid, 'menu');
      await page.locator('[data-testid=menu-feedback][data-code=missing_permissions]').waitFor();

      // Assess
      expect(await text('menu-feedback')).toContain('The account did not grant 自定义菜单 (15)');
    });
  });

  describe('Messages', () => {
    /** Pushes shaped as API.md §6 `WeChatPush`, newest first, for the tests that answer the route themselves. */
    const push = (n: number, over: Record<string, unknown>) => ({
      eventId: `msg:${appid}:${n}`,
      appid,
      ownerTenantId: TENANT,
      sharedTenantIds: [],
      openid: 'oTabsUser000000000000000001',
      msgType: 'text',
      createTime: 1_780_000_000 + n * 60,
      receivedAt: new Date((1_780_000_000 + n * 60) * 1000).toISOString(),
      fields: {},
      ...over,
    });
    // Built when a test runs: appid is known only after beforeAll.
    const answered = () => [
      push(4, { msgType: 'text', fields: { Content: 'hours', MsgId: '4' }, autoReplyRuleId: 'rule-2' }),
      push(3, { eventId: 'evt:3', msgType: 'event', event: 'CLICK', eventKey: 'V1001_GOOD' }),
      push(2, { msgType: 'location', fields: { Location_X: '31.23', Location_Y: '121.47', Label: '上海市黄浦区', Scale: '15' } }),
      push(1, { eventId: 'evt:1', msgType: 'event', event: 'subscribe', eventKey: 'qrscene_spring-flyer' }),
    ];

    it('shows each push with its time, short openid, what it was and its content', async () => {
      // Prepare
      await page.route('**/messages?*', (route) => route.fulfill({ json: { messages: answered(), nextCursor: null } }));

      // Act
      await openTab(appid, 'messages');
      await page.getByTestId('message-row').nth(3).waitFor();
      const rows = await page
        .getByTestId('message-row')
        .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim())));
      await shot('tab-messages');
      await page.unroute('**/messages?*');

      // Assess (the browser runs in UTC: the viewer's zone)
      expect(rows).toEqual([
        ['05/28/2026, 20:30:40', 'oTabsU…0001', 'Text text', 'hoursauto-reply rule-2'],
        ['05/28/2026, 20:29:40', 'oTabsU…0001', 'Tapped a menu button CLICK', 'key V1001_GOOD'],
        ['05/28/2026, 20:28:40', 'oTabsU…0001', 'Location location', '上海市黄浦区 (31.23, 121.47)'],
        ['05/28/2026, 20:27:40', 'oTabsU…0001', 'Followed subscribe', 'through the QR code of scene spring-flyer'],
      ]);
    });

    it('asks for events only when the filter says events', async () => {
      // Prepare
      const asked: string[] = [];
      await page.route('**/messages?*', (route) => {
        asked.push(new URL(route.request().url()).searchParams.get('type') ?? '');
        return route.fulfill({ json: { messages: answered().filter((p) => p.msgType === 'event'), nextCursor: null } });
      });
      await openTab(appid, 'messages');

      // Act
      await page.getByTestId('messages-filter').selectOption('event');
      await page.locator('[data-testid=message-row]').nth(1).waitFor();
      await page.unroute('**/messages?*');

      // Assess
      expect(asked).toContain('event');
      expect(await page.getByTestId('message-row').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-msg-type')))).toEqual(['event', 'event']);
    });

    it('puts a push that arrives while the tab is open on top without a reload', async () => {
      // Prepare
      let messages = answered().slice(1);
      await page.route('**/messages?*', (route) => route.fulfill({ json: { messages, nextCursor: null } }));
      await openTab(appid, 'messages');
      await page.getByTestId('message-row').nth(2).waitFor();

      // Act
      messages = answered();
      await page.locator(`[data-testid=message-row][data-event-id="msg:${appid}:4"]`).waitFor();
      await page.unroute('**/messages?*');

      // Assess
      expect(await page.getByTestId('message-row').first().getAttribute('data-event-id')).toBe(`msg:${appid}:4`);
      expect(await page.getByTestId('message-row').count()).toBe(4);
    });

    it('shows a text the simulated user sent while the tab is open', async () => {
      // Prepare
      await openTab(appid, 'messages');
      await page.getByTestId('messages-live').filter({ hasText: 'Live' }).waitFor();

      // Act
      await sim('POST', `/accounts/${appid}/user/text`, { content: 'Is the terrace open today?' });
      const row = page.getByTestId('message-row').filter({ hasText: 'Is the terrace open today?' });
      // The tab polls every 2 s; the generous bound only keeps a stuck poll from hanging the run.
      await row.waitFor({ timeout: 60_000 });
      await shot('tab-messages-live');

      // Assess
      expect(await page.getByTestId('message-row').first().getAttribute('data-msg-type')).toBe('text');
      expect(await row.locator('td').nth(2).textContent()).toContain('Text');
    });
  });
});
