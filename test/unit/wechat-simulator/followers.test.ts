import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAccounts, type WeChatSimulator } from '#infra/local/wechat-simulator/simulator.ts';
import { authorizeAccount, get, post, startSimulator, type Json } from './support.ts';

describe('user/get paging at 25 000 followers', () => {
  let sim: WeChatSimulator;
  let token: string;

  beforeAll(async () => {
    sim = await startSimulator({ seedAccounts: false });
    const account = sim.addAccount({ nickname: 'Big', serviceType: 'service', verified: true, followers: 25_000 });
    token = (await authorizeAccount(sim, account.appid, [2])).accessToken;
  });
  afterAll(() => sim.stop());

  async function allPages(): Promise<Json[]> {
    const pages: Json[] = [];
    let next = '';
    do {
      const page = await get(sim, `/cgi-bin/user/get?access_token=${token}${next ? `&next_openid=${next}` : ''}`);
      pages.push(page);
      next = page.next_openid;
    } while (next);
    return pages;
  }

  it('pages 10 000, 10 000, 5 000 and then an empty page with an empty next_openid', async () => {
    // Act
    const pages = await allPages();

    // Assess
    expect(pages.map((page) => page.count)).toEqual([10_000, 10_000, 5_000, 0]);
    expect(pages.every((page) => page.total === 25_000)).toBe(true);
    expect(pages[3]).toEqual({ total: 25_000, count: 0, next_openid: '' });
  });

  it('hands out 25 000 distinct openids, each page continuing after the last one', async () => {
    // Act
    const pages = await allPages();

    // Assess
    const openids = pages.flatMap((page) => page.data?.openid ?? []);
    expect(new Set(openids).size).toBe(25_000);
    expect(pages[0]!.next_openid).toBe(pages[0]!.data.openid[9_999]);
  });

  it('answers 40003 for a next_openid that is not one of the account’s', async () => {
    // Act
    const answer = await get(sim, `/cgi-bin/user/get?access_token=${token}&next_openid=oForgedForgedForgedForged123`);

    // Assess
    expect(answer.errcode).toBe(40003);
  });
});

describe('followers who come and go', () => {
  let sim: WeChatSimulator;
  let token: string;
  let appid: string;

  beforeAll(async () => {
    sim = await startSimulator({ seedAccounts: false });
    appid = sim.addAccount({ nickname: 'Mid', serviceType: 'service', verified: true, followers: 500 }).appid;
    token = (await authorizeAccount(sim, appid, [2])).accessToken;
  });
  afterAll(() => sim.stop());

  const listed = async () => ((await get(sim, `/cgi-bin/user/get?access_token=${token}`)) as Json).data.openid as string[];

  it('leaves the unfollowed out of user/get and lowers the total', async () => {
    // Act
    const gone = sim.unfollow(appid, 20);

    // Assess
    const page = await get(sim, `/cgi-bin/user/get?access_token=${token}`);
    expect(page.total).toBe(480);
    expect(page.data.openid.filter((openid: string) => gone.includes(openid))).toEqual([]);
    expect(sim.account(appid)?.followerCount).toBe(480);
  });

  it('answers subscribe 0 in user/info for someone who unfollowed', async () => {
    // Prepare
    const [gone] = sim.unfollow(appid, 1);

    // Act
    const answer = await get(sim, `/cgi-bin/user/info?access_token=${token}&openid=${gone}&lang=zh_CN`);

    // Assess
    expect(answer).toEqual({ subscribe: 0, openid: gone });
  });

  it('lists new followers at the end with their follow time', async () => {
    // Prepare
    const before = await listed();

    // Act
    const joined = sim.follow(appid, 3);

    // Assess
    const after = await listed();
    expect(after.slice(before.length)).toEqual(joined);
    const info = await get(sim, `/cgi-bin/user/info?access_token=${token}&openid=${joined[0]}`);
    expect(info.subscribe).toBe(1);
    expect(Math.abs(info.subscribe_time - Date.now() / 1000)).toBeLessThan(3600);
  });

  it('refuses to let more followers leave than there are', () => {
    // Act
    const tooMany = () => sim.unfollow(appid, 1_000_000);

    // Assess
    expect(tooMany).toThrow(/followers can leave/);
  });
});

describe('user/info/batchget', () => {
  let sim: WeChatSimulator;
  let serviceToken: string;
  let unboundToken: string;
  let openids: string[];

  beforeAll(async () => {
    sim = await startSimulator();
    serviceToken = (await authorizeAccount(sim, demoAccounts.verifiedService.appid, [2])).accessToken;
    const unbound = sim.addAccount({ nickname: 'Unbound', serviceType: 'service', verified: true, followers: 100 });
    unboundToken = (await authorizeAccount(sim, unbound.appid, [2])).accessToken;
    openids = ((await get(sim, `/cgi-bin/user/get?access_token=${serviceToken}`)) as Json).data.openid;
  });
  afterAll(() => sim.stop());

  const batch = (token: string, list: string[]) =>
    post(sim, `/cgi-bin/user/info/batchget?access_token=${token}`, { user_list: list.map((openid) => ({ openid, lang: 'zh_CN' })) });

  it('describes up to 100 followers with WeChat’s fields', async () => {
    // Act
    const answer = await batch(serviceToken, openids.slice(0, 100));

    // Assess
    expect(answer.user_info_list).toHaveLength(100);
    expect(answer.user_info_list[0]).toMatchObject({ subscribe: 1, openid: openids[0], remark: '', groupid: 0 });
    expect(answer.user_info_list[0]).toHaveProperty('subscribe_scene');
    expect(answer.user_info_list[0]).toHaveProperty('tagid_list');
    expect(answer.user_info_list[0]).not.toHaveProperty('nickname');
  });

  it('answers 40032 for more than 100 openids', async () => {
    // Act
    const answer = await batch(serviceToken, openids.slice(0, 101));

    // Assess
    expect(answer.errcode).toBe(40032);
  });

  it('answers 40003 for an openid of another account', async () => {
    // Prepare
    const foreign = ((await get(sim, `/cgi-bin/user/get?access_token=${unboundToken}`)) as Json).data.openid[0];

    // Act
    const answer = await batch(serviceToken, [foreign]);

    // Assess
    expect(answer.errcode).toBe(40003);
  });

  it('gives a unionid to about the configured share of a bound account’s followers', async () => {
    // Prepare
    const profiles: Json[] = [];
    for (let i = 0; i < 1_200; i += 100) profiles.push(...(await batch(serviceToken, openids.slice(i, i + 100))).user_info_list);

    // Act
    const withUnionid = profiles.filter((profile) => typeof profile.unionid === 'string').length;

    // Assess
    expect(withUnionid / profiles.length).toBeGreaterThan(0.2);
    expect(withUnionid / profiles.length).toBeLessThan(0.4);
  });

  it('gives no unionid while the account is not bound to an open platform account', async () => {
    // Prepare
    const list = ((await get(sim, `/cgi-bin/user/get?access_token=${unboundToken}`)) as Json).data.openid;

    // Act
    const answer = await batch(unboundToken, list);

    // Assess
    expect(answer.user_info_list.some((profile: Json) => 'unionid' in profile)).toBe(false);
  });

  it('answers 61007 when the account did not grant permission set 2', async () => {
    // Prepare
    const other = sim.addAccount({ nickname: 'No users', serviceType: 'service', verified: true, followers: 5 });
    const token = (await authorizeAccount(sim, other.appid, [1])).accessToken;

    // Act
    const answer = await get(sim, `/cgi-bin/user/get?access_token=${token}`);

    // Assess
    expect(answer.errcode).toBe(61007);
  });

  it('answers 48001 for an unverified account', async () => {
    // Prepare
    const token = (await authorizeAccount(sim, demoAccounts.unverifiedService.appid, [2])).accessToken;

    // Act
    const answer = await get(sim, `/cgi-bin/user/get?access_token=${token}`);

    // Assess
    expect(answer.errcode).toBe(48001);
  });
});
