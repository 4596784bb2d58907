/**
 * Auto-replies and menus over real HTTP: the console API of the local stack, the message URL and the
 * simulated WeChat, whose user sends the pushes and reads the passive replies (issue 13, items 3, 4, 6).
 * Each account gets its rules before its first push: the reply step trusts a version it checked less
 * than a second ago (shared/domain/replies/auto-replies.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '#infra/local/stack.ts';
import { call } from '#test/e2e/accounts/support.ts';
import { bindThroughSimulator, DEFAULT_BIND_FUNC_IDS } from '#test/e2e/support/binding.ts';

const TENANT = 't-replies';

const menu = {
  button: [
    { type: 'click', name: '今日歌曲', key: 'V1001_TODAY_MUSIC' },
    {
      name: '菜单',
      sub_button: [
        { type: 'view', name: '搜索', url: 'https://www.soso.com/' },
        { type: 'click', name: '赞一下我们', key: 'V1001_GOOD' },
      ],
    },
  ],
};

const rules = [
  { id: 'welcome', trigger: { type: 'subscribe' }, reply: { type: 'text', content: '欢迎关注！' } },
  { id: 'hours', trigger: { type: 'keyword', keywords: ['hours'], match: 'contains' }, reply: { type: 'text', content: 'We open at 9.' } },
  { id: 'photo', trigger: { type: 'keyword', keywords: ['photo'], match: 'exact' }, reply: { type: 'image', mediaId: 'MEDIA_ID_1' } },
  {
    id: 'article',
    trigger: { type: 'keyword', keywords: ['news'], match: 'exact' },
    reply: { type: 'news', article: { title: 'Today', url: 'https://example.com/today' } },
  },
  { id: 'good', trigger: { type: 'click', eventKey: 'V1001_GOOD' }, reply: { type: 'text', content: 'Thanks for the like' } },
  { id: 'fallback', trigger: { type: 'default' }, reply: { type: 'text', content: 'Sorry, I did not get that.' } },
];

describe('auto-replies and menus over HTTP', () => {
  let stack: LocalStack;
  let admin: string;

  const send = (method: string, path: string, body?: unknown) =>
    call(stack, { method, path, token: admin, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const account = async (funcIds: readonly number[] = DEFAULT_BIND_FUNC_IDS): Promise<string> => {
    const added = stack.simulator!.addAccount({ nickname: 'replies e2e', serviceType: 'service', verified: true, followers: 3 });
    const { location } = await bindThroughSimulator(stack, { tenant: TENANT, appid: added.appid, funcIds: [...funcIds] });
    if (location.searchParams.get('bind') !== 'ok') throw new Error(`binding ${added.appid} ended with ${location.search}`);
    return added.appid;
  };
  const menuCreateCalls = () => stack.simulator!.calls()['/cgi-bin/menu/create'] ?? 0;

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, inMemory: true, log: () => undefined });
    admin = await stack.consoleToken({ tenant: TENANT, admin: true, sub: 'replies-admin' });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  describe('a rule set put by the console', () => {
    let appid: string;

    beforeAll(async () => {
      appid = await account();
      const put = await send('PUT', `/v1/accounts/${appid}/auto-replies`, { rules });
      if (put.status !== 200) throw new Error(`PUT auto-replies answered ${put.status} ${put.text}`);
    });

    it('answers the simulated user’s next message', async () => {
      // Act
      const result = await stack.simulator!.userAction(appid, { kind: 'text', content: 'What are your HOURS?' });

      // Assess
      expect(result.reply).toMatchObject({ msgType: 'text', content: 'We open at 9.' });
    });

    it('greets a new follower', async () => {
      // Act
      const result = await stack.simulator!.userAction(appid, { kind: 'follow' });

      // Assess
      expect(result.reply?.content).toBe('欢迎关注！');
    });

    it('answers with an image reply that decrypts to its XML', async () => {
      // Act
      const result = await stack.simulator!.userAction(appid, { kind: 'text', content: 'photo' });

      // Assess
      expect(result.reply?.xml).toMatch(
        new RegExp(
          `^<xml><ToUserName><!\\[CDATA\\[${result.openid}\\]\\]></ToUserName><FromUserName><!\\[CDATA\\[gh_[0-9a-f]+\\]\\]></FromUserName><CreateTime>\\d+</CreateTime><MsgType><!\\[CDATA\\[image\\]\\]></MsgType><Image><MediaId><!\\[CDATA\\[MEDIA_ID_1\\]\\]></MediaId></Image></xml>$`,
        ),
      );
    });

    it('answers with a one-article news reply', async () => {
      // Act
      const result = await stack.simulator!.userAction(appid, { kind: 'text', content: 'news' });

      // Assess
      expect(result.reply?.xml).toContain('<MsgType><![CDATA[news]]></MsgType><ArticleCount>1</ArticleCount><Articles><item><Title><![CDATA[Today]]></Title>');
    });

    it('answers anything else with the default rule', async () => {
      // Act
      const result = await stack.simulator!.userAction(appid, { kind: 'text', content: '???' });

      // Assess
      expect(result.reply?.content).toBe('Sorry, I did not get that.');
    });

    it('answers a location with success: no rule takes it', async () => {
      // Act
      const result = await stack.simulator!.userAction(appid, { kind: 'location', latitude: 31.23, longitude: 121.47 });

      // Assess
      expect([result.status, result.body, result.reply]).toEqual([200, 'success', null]);
    });

    it('reads back what was put', async () => {
      // Act
      const answer = await send('GET', `/v1/accounts/${appid}/auto-replies`);

      // Assess
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual({ rules, updatedAt: expect.any(String) });
    });
  });

  describe('a menu put by the console', () => {
    let appid: string;

    beforeAll(async () => {
      appid = await account();
    });

    it('reads as null before any menu', async () => {
      // Act
      const answer = await send('GET', `/v1/accounts/${appid}/menu`);

      // Assess
      expect([answer.status, answer.json]).toEqual([200, { menu: null }]);
    });

    it('is what the simulated WeChat then holds', async () => {
      // Act
      const answer = await send('PUT', `/v1/accounts/${appid}/menu`, menu);

      // Assess
      expect([answer.status, answer.json]).toEqual([200, { menu }]);
      expect(stack.simulator!.menu(appid)).toEqual(menu);
      expect((await send('GET', `/v1/accounts/${appid}/menu`)).json).toEqual({ menu });
    });

    it('gets the click rule’s reply when its button is tapped', async () => {
      // Prepare
      await send('PUT', `/v1/accounts/${appid}/menu`, menu);
      await send('PUT', `/v1/accounts/${appid}/auto-replies`, { rules });

      // Act
      const result = await stack.simulator!.userAction(appid, { kind: 'click', position: [1, 1] });

      // Assess
      expect(result.push).toMatchObject({ Event: 'CLICK', EventKey: 'V1001_GOOD' });
      expect(result.reply?.content).toBe('Thanks for the like');
    });

    it('is gone in WeChat after DELETE', async () => {
      // Prepare
      await send('PUT', `/v1/accounts/${appid}/menu`, menu);

      // Act
      const answer = await send('DELETE', `/v1/accounts/${appid}/menu`);

      // Assess
      expect(answer.status).toBe(204);
      expect(stack.simulator!.menu(appid)).toBeNull();
      expect((await send('GET', `/v1/accounts/${appid}/menu`)).json).toEqual({ menu: null });
    });

    it('answers WeChat’s refusal with 502 wechat_error and its errcode', async () => {
      // Prepare
      stack.simulator!.injectFault({ path: '/cgi-bin/menu/create', errcode: 45009, times: 1 });

      // Act
      const answer = await send('PUT', `/v1/accounts/${appid}/menu`, menu);

      // Assess
      expect([answer.status, answer.json?.error?.code, answer.json?.error?.details?.errcode]).toEqual([502, 'wechat_error', 45009]);
    });
  });

  describe('WeChat’s menu limits, checked before any call', () => {
    let appid: string;
    const click = (name: string, key = 'K') => ({ type: 'click', name, key });
    const view = (name: string, url: string) => ({ type: 'view', name, url });

    beforeAll(async () => {
      appid = await account();
    });

    it.each([
      ['no top button', { button: [] }, 'body.button'],
      ['four top buttons', { button: [click('a'), click('b'), click('c'), click('d')] }, 'body.button'],
      ['six sub-buttons', { button: [{ name: 'a', sub_button: [1, 2, 3, 4, 5, 6].map((i) => click(`s${i}`)) }] }, 'body.button.0.sub_button'],
      ['no sub-button under a parent', { button: [{ name: 'a', sub_button: [] }] }, 'body.button.0.sub_button'],
      ['a top name over 16 bytes (6 CJK characters)', { button: [click('一二三四五六')] }, 'body.button.0.name'],
      ['a sub name over 60 bytes', { button: [{ name: 'a', sub_button: [click('x'.repeat(61))] }] }, 'body.button.0.sub_button.0.name'],
      ['an empty name', { button: [click('')] }, 'body.button.0.name'],
      ['an unknown type', { button: [{ type: 'dance', name: 'a', key: 'k' }] }, 'body.button.0.type'],
      ['a click without its key', { button: [{ type: 'click', name: 'a' }] }, 'body.button.0.key'],
      ['a key over 128 bytes', { button: [click('a', 'k'.repeat(129))] }, 'body.button.0.key'],
      ['a view without its url', { button: [{ type: 'view', name: 'a' }] }, 'body.button.0.url'],
      ['a url over 1024 bytes', { button: [view('a', `https://example.com/${'p'.repeat(1010)}`)] }, 'body.button.0.url'],
      ['a url that is not http(s)', { button: [view('a', 'ftp://example.com/')] }, 'body.button.0.url'],
      [
        'a miniprogram without its pagepath',
        { button: [{ type: 'miniprogram', name: 'a', url: 'https://example.com/', appid: 'wx286b93c14bbf93aa' }] },
        'body.button.0.pagepath',
      ],
      ['a media_id button without media_id', { button: [{ type: 'media_id', name: 'a' }] }, 'body.button.0.media_id'],
      ['an article_id button without article_id', { button: [{ type: 'article_id', name: 'a' }] }, 'body.button.0.article_id'],
      ['a type on a button with sub-buttons', { button: [{ type: 'click', name: 'a', sub_button: [click('b')] }] }, 'body.button.0.sub_button'],
      ['a key on a button with sub-buttons', { button: [{ name: 'a', key: 'k', sub_button: [click('b')] }] }, 'body.button.0.key'],
      ['a third level', { button: [{ name: 'a', sub_button: [{ ...click('b'), sub_button: [click('c')] }] }] }, 'body.button.0.sub_button.0.sub_button'],
      ['a field of another type', { button: [{ ...click('a'), url: 'https://example.com/' }] }, 'body.button.0.url'],
      ['four view domains', { button: [{ name: 'a', sub_button: ['a', 'b', 'c', 'd'].map((h) => view(h, `https://${h}.example.com/`)) }] }, 'body.button'],
    ])('refuses %s with 400 validation_failed naming the field, calling WeChat never', async (_name, body, field) => {
      // Prepare
      const before = menuCreateCalls();

      // Act
      const answer = await send('PUT', `/v1/accounts/${appid}/menu`, body);

      // Assess
      expect([answer.status, answer.json?.error?.code]).toEqual([400, 'validation_failed']);
      expect((answer.json.error.details.fields as { field: string }[]).map((f) => f.field)).toContain(field);
      expect(menuCreateCalls()).toBe(before);
    });

    it('accepts names at the byte limits (5 CJK characters on top, 20 below)', async () => {
      // Act
      const answer = await send('PUT', `/v1/accounts/${appid}/menu`, {
        button: [{ name: '一二三四五', sub_button: [click('一二三四五六七八九十一二三四五六七八九十')] }],
      });

      // Assess
      expect(answer.status).toBe(200);
    });
  });

  it('refuses a menu of an account without permission set 15 with 422 missing_permissions, calling WeChat never', async () => {
    // Prepare
    const appid = await account(DEFAULT_BIND_FUNC_IDS.filter((id) => id !== 15));
    const before = menuCreateCalls();

    // Act
    const answer = await send('PUT', `/v1/accounts/${appid}/menu`, menu);

    // Assess
    expect([answer.status, answer.json?.error?.code, answer.json?.error?.details]).toEqual([
      422,
      'missing_permissions',
      { missing: [{ id: 15, name: '菜单管理' }] },
    ]);
    expect(menuCreateCalls()).toBe(before);
  });

  it('refuses auto-reply rules naming the rule and the field', async () => {
    // Prepare
    const appid = 'wx00000000replies1';
    const bad = [
      { id: 'ok', trigger: { type: 'subscribe' }, reply: { type: 'text', content: 'hi' } },
      { id: 'ok', trigger: { type: 'keyword', keywords: [], match: 'exact' }, reply: { type: 'text', content: '' } },
      { id: 'x', trigger: { type: 'click', eventKey: 'k'.repeat(129) }, reply: { type: 'news', article: { title: 't', url: 'javascript:alert(1)' } } },
    ];

    // Act
    const answer = await send('PUT', `/v1/accounts/${appid}/auto-replies`, { rules: bad });

    // Assess
    expect([answer.status, answer.json?.error?.code]).toEqual([400, 'validation_failed']);
    expect((answer.json.error.details.fields as { field: string }[]).map((f) => f.field).sort()).toEqual(
      [
        'body.rules.1.id',
        'body.rules.1.reply.content',
        'body.rules.1.trigger.keywords',
        'body.rules.2.reply.article.url',
        'body.rules.2.trigger.eventKey',
      ].sort(),
    );
  });
});
