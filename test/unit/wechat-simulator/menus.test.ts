/**
 * The simulated WeChat's custom menu (infra/local/wechat-simulator/menus.ts, WECHAT.md §15):
 * menu/create refuses what WeChat refuses with WeChat's errcodes, stores what it accepts, and
 * menu/get, get_current_selfmenu_info and menu/delete answer in WeChat's shapes. The menu is saved
 * with the rest of the world.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAccounts, type WeChatSimulator } from '#infra/local/wechat-simulator/simulator.ts';
import { authorizeAccount, get, post, startSimulator } from './support.ts';

const appid = demoAccounts.verifiedService.appid;
const click = (name: string, key = 'K') => ({ type: 'click', name, key });
const view = (name: string, url: string) => ({ type: 'view', name, url });
const menu = {
  button: [click('今日歌曲', 'V1001_TODAY'), { name: '菜单', sub_button: [view('搜索', 'https://www.soso.com/'), click('赞一下我们', 'V1001_GOOD')] }],
};

describe('the simulated custom menu', () => {
  let sim: WeChatSimulator;
  let token: string;
  const create = (body: unknown, accessToken = token) => post(sim, `/cgi-bin/menu/create?access_token=${accessToken}`, body);

  beforeAll(async () => {
    sim = await startSimulator();
    token = (await authorizeAccount(sim, appid, [1, 2, 15])).accessToken;
  });
  afterAll(() => sim.stop());

  it.each([
    ['no top button', { button: [] }, 40016],
    ['four top buttons', { button: [click('a'), click('b'), click('c'), click('d')] }, 40016],
    ['six sub-buttons', { button: [{ name: 'a', sub_button: [1, 2, 3, 4, 5, 6].map((i) => click(`s${i}`)) }] }, 40023],
    ['a top name over 16 bytes', { button: [click('一二三四五六')] }, 40018],
    ['a sub name over 60 bytes', { button: [{ name: 'a', sub_button: [click('x'.repeat(61))] }] }, 40025],
    ['an unknown top type', { button: [{ type: 'dance', name: 'a', key: 'k' }] }, 40017],
    ['an unknown sub type', { button: [{ name: 'a', sub_button: [{ type: 'dance', name: 'b', key: 'k' }] }] }, 40024],
    ['a click without a key', { button: [{ type: 'click', name: 'a' }] }, 40019],
    ['a top key over 128 bytes', { button: [click('a', 'k'.repeat(129))] }, 40019],
    ['a sub key over 128 bytes', { button: [{ name: 'a', sub_button: [click('b', 'k'.repeat(129))] }] }, 40026],
    ['a top url over 1024 bytes', { button: [view('a', `https://example.com/${'p'.repeat(1020)}`)] }, 40020],
    ['a sub url over 1024 bytes', { button: [{ name: 'a', sub_button: [view('b', `https://example.com/${'p'.repeat(1020)}`)] }] }, 40027],
    ['a top button with neither type nor sub-buttons', { button: [{ name: 'a' }] }, 41007],
    ['a third level', { button: [{ name: 'a', sub_button: [{ ...click('b'), sub_button: [click('c')] }] }] }, 40022],
    ['a url that is not http(s)', { button: [view('a', 'ftp://example.com/')] }, 65317],
    ['four view domains', { button: [{ name: 'a', sub_button: ['a', 'b', 'c', 'd'].map((h) => view(h, `https://${h}.example.com/`)) }] }, 65316],
  ])('refuses %s with errcode %i', async (_name, body, errcode) => {
    // Act
    const answer = await create(body);

    // Assess
    expect(answer.errcode).toBe(errcode);
  });

  it('refuses every menu API without permission set 15 (61007)', async () => {
    // Prepare
    const other = demoAccounts.subscription.appid;
    const otherToken = (await authorizeAccount(sim, other, [1, 2])).accessToken;

    // Act
    const answers = await Promise.all([
      create(menu, otherToken),
      get(sim, `/cgi-bin/menu/get?access_token=${otherToken}`),
      get(sim, `/cgi-bin/menu/delete?access_token=${otherToken}`),
    ]);

    // Assess
    expect(answers.map((answer) => answer.errcode)).toEqual([61007, 61007, 61007]);
  });

  it('answers menu/get with the menu it accepted, sub_button arrays on every button', async () => {
    // Prepare
    expect(await create(menu)).toEqual({ errcode: 0, errmsg: 'ok' });

    // Act
    const answer = await get(sim, `/cgi-bin/menu/get?access_token=${token}`);

    // Assess
    expect(answer.menu.button).toEqual([
      { ...click('今日歌曲', 'V1001_TODAY'), sub_button: [] },
      {
        name: '菜单',
        sub_button: [
          { ...view('搜索', 'https://www.soso.com/'), sub_button: [] },
          { ...click('赞一下我们', 'V1001_GOOD'), sub_button: [] },
        ],
      },
    ]);
    expect(answer.menu.menuid).toEqual(expect.any(Number));
  });

  it('answers get_current_selfmenu_info with sub_button as { list }', async () => {
    // Prepare
    await create(menu);

    // Act
    const answer = await get(sim, `/cgi-bin/get_current_selfmenu_info?access_token=${token}`);

    // Assess
    expect(answer.is_menu_open).toBe(1);
    expect(answer.selfmenu_info.button[1]).toEqual({
      name: '菜单',
      sub_button: { list: [view('搜索', 'https://www.soso.com/'), click('赞一下我们', 'V1001_GOOD')] },
    });
  });

  it('answers menu/get with 46003 after menu/delete', async () => {
    // Prepare
    await create(menu);

    // Act
    const deleted = await get(sim, `/cgi-bin/menu/delete?access_token=${token}`);
    const answer = await get(sim, `/cgi-bin/menu/get?access_token=${token}`);

    // Assess
    expect(deleted).toEqual({ errcode: 0, errmsg: 'ok' });
    expect(answer.errcode).toBe(46003);
    expect(sim.menu(appid)).toBeNull();
  });
});

describe('a simulated menu across a restart', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sim-menu-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is still there after the simulator saved and loaded its world', async () => {
    // Prepare
    const stateFile = join(dir, 'wechat-simulator.json');
    const first = await startSimulator({ stateFile });
    const { accessToken } = await authorizeAccount(first, appid, [15]);
    await post(first, `/cgi-bin/menu/create?access_token=${accessToken}`, menu);
    await first.stop();

    // Act
    const second = await startSimulator({ stateFile });
    const saved = second.menu(appid);
    await second.stop();

    // Assess
    expect(saved).toEqual(menu);
  });
});
