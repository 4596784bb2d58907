/**
 * The simulated corp's customers through WeCom's APIs (WECOM.md §3.9, §3.10, §4.2): cursor paging
 * that returns every customer, the visible range, the link to the WeChat simulator's followers and
 * the frequency limits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAccounts, demoAccountSpecs } from '#infra/local/wechat-simulator/accounts.ts';
import { FollowerBook } from '#infra/local/wechat-simulator/followers.ts';
import type { WeComSimulator } from '#infra/local/wecom-simulator/simulator.ts';
import { get, installCorp, post, startSimulator, type Installed } from './support.ts';

const linkedAccount = { appid: demoAccounts.verifiedService.appid, followers: 1_200, unionidRatio: 0.3, share: 0.5 };

/** The whole sync as the hub does it: follow users, by 100, cursor pages of `limit`. */
async function syncAll(
  sim: WeComSimulator,
  token: string,
  limit = 100,
): Promise<{ byCustomer: Map<string, string[]>; pages: number; chunkRelations: number[] }> {
  const { follow_user: members } = await get(sim, `/cgi-bin/externalcontact/get_follow_user_list?access_token=${token}`);
  const byCustomer = new Map<string, string[]>();
  let pages = 0;
  const chunkRelations: number[] = [];
  for (let i = 0; i < members.length; i += 100) {
    let cursor = '';
    chunkRelations.push(0);
    do {
      const page = await post(sim, `/cgi-bin/externalcontact/batch/get_by_user?access_token=${token}`, {
        userid_list: members.slice(i, i + 100),
        cursor,
        limit,
      });
      if (page.errcode !== 0) throw new Error(JSON.stringify(page));
      pages += 1;
      chunkRelations[chunkRelations.length - 1]! += page.external_contact_list.length;
      for (const { external_contact: contact, follow_info: follow } of page.external_contact_list) {
        byCustomer.set(contact.external_userid, [...(byCustomer.get(contact.external_userid) ?? []), follow.userid]);
      }
      cursor = page.next_cursor;
    } while (cursor);
  }
  return { byCustomer, pages, chunkRelations };
}

describe('customer paging', () => {
  let sim: WeComSimulator;
  let installed: Installed;

  beforeAll(async () => {
    sim = await startSimulator({ seedCorp: { corpName: 'Paging Corp', members: 150, departments: 3, customers: 2_000, multiFollowRatio: 0.2, linkedAccount } });
    installed = await installCorp(sim, sim.corps()[0]!.corpId);
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('returns every customer, each once per member following them, over 100-member chunks and cursor pages', async () => {
    // Act
    const { byCustomer, pages, chunkRelations } = await syncAll(sim, installed.corpToken);

    // Assess
    expect(byCustomer.size).toBe(2_000);
    for (const followers of byCustomer.values()) expect(new Set(followers).size).toBe(followers.length);
    expect([...byCustomer.values()].some((followers) => followers.length > 1)).toBe(true);
    // Full pages: the fewest calls a sync can make (the bench's floor).
    expect(chunkRelations).toHaveLength(2);
    expect(pages).toBe(chunkRelations.reduce((sum, relations) => sum + Math.ceil(relations / 100), 0));
  });

  it('pages the same customers with a smaller limit', async () => {
    // Act
    const { byCustomer } = await syncAll(sim, installed.corpToken, 37);

    // Assess
    expect(byCustomer.size).toBe(2_000);
  });

  it('refuses more than 100 userids and a limit above 100 with 40058', async () => {
    // Prepare
    const { follow_user: members } = await get(sim, `/cgi-bin/externalcontact/get_follow_user_list?access_token=${installed.corpToken}`);

    // Act
    const tooMany = await post(sim, `/cgi-bin/externalcontact/batch/get_by_user?access_token=${installed.corpToken}`, {
      userid_list: members.slice(0, 101),
      limit: 100,
    });
    const tooLarge = await post(sim, `/cgi-bin/externalcontact/batch/get_by_user?access_token=${installed.corpToken}`, {
      userid_list: members.slice(0, 1),
      limit: 101,
    });

    // Assess
    expect([tooMany.errcode, tooLarge.errcode]).toEqual([40058, 40058]);
  });

  it('answers externalcontact/get with every member following the customer', async () => {
    // Prepare
    const { byCustomer } = await syncAll(sim, installed.corpToken);
    const [externalUserid, followers] = [...byCustomer].find(([, list]) => list.length > 1)!;

    // Act
    const answer = await get(sim, `/cgi-bin/externalcontact/get?access_token=${installed.corpToken}&external_userid=${externalUserid}`);

    // Assess
    expect(answer.external_contact.external_userid).toBe(externalUserid);
    expect(answer.follow_user.map((f: { userid: string }) => f.userid).sort()).toEqual([...followers].sort());
  });

  it('answers 40096 for an external_userid of no customer', async () => {
    // Act
    const answer = await get(sim, `/cgi-bin/externalcontact/get?access_token=${installed.corpToken}&external_userid=wmNOPE`);

    // Assess
    expect(answer.errcode).toBe(40096);
  });
});

describe('the visible range', () => {
  let sim: WeComSimulator;
  let installed: Installed;
  let corpId: string;

  beforeAll(async () => {
    sim = await startSimulator({ seedCorp: { corpName: 'Range Corp', members: 9, departments: 3, customers: 90 } });
    corpId = sim.corps()[0]!.corpId;
    installed = await installCorp(sim, corpId, { departments: [2] });
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('lists only the members inside the range as follow users', async () => {
    // Act
    const answer = await get(sim, `/cgi-bin/externalcontact/get_follow_user_list?access_token=${installed.corpToken}`);

    // Assess
    const inDepartment2 = sim.members(corpId).filter((m) => m.department.includes(2));
    expect(answer.follow_user).toEqual(inDepartment2.map((m) => m.userid));
  });

  it('refuses a member outside the range with 60011', async () => {
    // Prepare
    const outside = sim.members(corpId).find((m) => !m.department.includes(2))!;

    // Act
    const answer = await post(sim, `/cgi-bin/externalcontact/batch/get_by_user?access_token=${installed.corpToken}`, {
      userid_list: [outside.userid],
      limit: 10,
    });

    // Assess
    expect(answer.errcode).toBe(60011);
  });
});

describe('unionid_to_external_userid', () => {
  let sim: WeComSimulator;
  let installed: Installed;
  let corpId: string;
  const convert = (body: object) => post(sim, `/cgi-bin/idconvert/unionid_to_external_userid?access_token=${installed.corpToken}`, body);

  beforeAll(async () => {
    sim = await startSimulator({ seedCorp: { corpName: 'Link Corp', members: 10, customers: 500, linkedAccount } });
    corpId = sim.corps()[0]!.corpId;
    installed = await installCorp(sim, corpId);
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('finds the customer behind a follower of the WeChat simulator’s account, by the unionid that simulator gives them', async () => {
    // Prepare: the follower as the WeChat simulator's user/info shows them.
    const book = new FollowerBook({
      appid: linkedAccount.appid,
      baseline: demoAccountSpecs[0]!.followers!,
      unionidRatio: demoAccountSpecs[0]!.unionidRatio!,
      baselineEpoch: 0,
    });
    const linked = sim.linkedFollowers(corpId);
    const index = book.indexOf(linked[0]!.openid)!;
    const profile = book.profile(index, { boundToOpenAccount: true });

    // Act
    const answer = await convert({ unionid: profile.unionid, openid: profile.openid, subject_type: 0 });

    // Assess
    expect(linked.length).toBeGreaterThan(100);
    expect(answer).toEqual({ errcode: 0, errmsg: 'ok', external_userid: linked[0]!.externalUserid });
  });

  it('gives a stable pending_id for a WeChat user who is no customer', async () => {
    // Act
    const first = await convert({ unionid: 'oUnknownUnionid0000000000000', openid: 'oUnknownOpenid', subject_type: 0 });
    const second = await convert({ unionid: 'oUnknownUnionid0000000000000', openid: 'oUnknownOpenid', subject_type: 0 });

    // Assess
    expect(first.external_userid).toBeUndefined();
    expect(first.pending_id).toEqual(expect.any(String));
    expect(second.pending_id).toBe(first.pending_id);
  });

  it('gives a pending_id when the openid is not the one that goes with the unionid', async () => {
    // Prepare
    const [a, b] = sim.linkedFollowers(corpId);

    // Act
    const answer = await convert({ unionid: a!.unionid, openid: b!.openid, subject_type: 0 });

    // Assess
    expect(answer.pending_id).toEqual(expect.any(String));
  });

  it('links a follower who becomes a customer through the admin API', async () => {
    // Prepare
    const member = sim.members(corpId)[0]!.userid;
    const { externalUserid } = await sim.addCustomer(corpId, { name: 'New fan', followers: [member], unionid: 'oNewFanUnionid', openid: 'oNewFanOpenid' });

    // Act
    const answer = await convert({ unionid: 'oNewFanUnionid', openid: 'oNewFanOpenid', subject_type: 0 });

    // Assess
    expect(answer.external_userid).toBe(externalUserid);
  });
  it('tells the pending_id of a WeChat user looked up before they became a customer', async () => {
    // Prepare
    const { pending_id: pendingId } = await convert({ unionid: 'oLaterUnionid', openid: 'oLaterOpenid', subject_type: 0 });
    const member = sim.members(corpId)[1]!.userid;
    const { externalUserid } = await sim.addCustomer(corpId, { name: 'Later fan', followers: [member], unionid: 'oLaterUnionid', openid: 'oLaterOpenid' });

    // Act
    const answer = await post(sim, `/cgi-bin/idconvert/batch/external_userid_to_pending_id?access_token=${installed.corpToken}`, {
      external_userid: [externalUserid, sim.linkedFollowers(corpId)[5]!.externalUserid],
    });

    // Assess
    expect(answer).toEqual({ errcode: 0, errmsg: 'ok', result: [{ external_userid: externalUserid, pending_id: pendingId }] });
  });
});

describe('frequency limits', () => {
  let sim: WeComSimulator;
  let installed: Installed;

  beforeAll(async () => {
    sim = await startSimulator({ seedCorp: { corpName: 'Limits Corp', members: 3, customers: 10 } });
    installed = await installCorp(sim, sim.corps()[0]!.corpId);
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('answers 45009 past the per-minute limit and blocks the API for 60 s', async () => {
    // Prepare
    sim.resetLimits();
    sim.setLimits({ perMinute: 3 });
    const call = () => get(sim, `/cgi-bin/externalcontact/get_follow_user_list?access_token=${installed.corpToken}`);
    for (let i = 0; i < 3; i++) await call();

    // Act
    const over = await call();
    sim.advanceClock(59_000);
    const stillBlocked = await call();
    sim.advanceClock(2_000);
    const again = await call();

    // Assess
    expect([over.errcode, stillBlocked.errcode, again.errcode]).toEqual([45009, 45009, 0]);
  });

  it('counts the conversion API against its own hourly budget', async () => {
    // Prepare
    sim.resetLimits();
    sim.setLimits({ perMinute: 10_000, idconvertPerHour: 2 });
    const convert = () =>
      post(sim, `/cgi-bin/idconvert/unionid_to_external_userid?access_token=${installed.corpToken}`, { unionid: 'oU', openid: 'oO', subject_type: 0 });
    await convert();
    await convert();

    // Act
    const over = await convert();

    // Assess
    expect(over.errcode).toBe(45009);
  });

  it('lifts the conversion budget for calls carrying the corp’s mass_call_ticket, which it gives once', async () => {
    // Prepare
    sim.resetLimits();
    sim.setLimits({ idconvertPerHour: 1 });
    const convert = (extra: object = {}) =>
      post(sim, `/cgi-bin/idconvert/unionid_to_external_userid?access_token=${installed.corpToken}`, {
        unionid: 'oU',
        openid: 'oO',
        subject_type: 0,
        ...extra,
      });
    await convert();
    const { mass_call_ticket: ticket } = await get(sim, `/cgi-bin/corp/apply_mass_call_ticket?access_token=${installed.corpToken}`);

    // Act
    const without = await convert();
    const withTicket = await convert({ mass_call_ticket: ticket });
    const secondTicket = await get(sim, `/cgi-bin/corp/apply_mass_call_ticket?access_token=${installed.corpToken}`);

    // Assess
    expect([without.errcode, withTicket.errcode, secondTicket.errcode]).toEqual([45009, 0, 40058]);
  });

  it('counts calls per endpoint for the admin API', async () => {
    // Prepare
    sim.resetCalls();
    sim.resetLimits();

    // Act
    await get(sim, `/cgi-bin/externalcontact/get_follow_user_list?access_token=${installed.corpToken}`);
    const admin = (await (await fetch(`${sim.baseUrl}/__sim/calls`)).json()) as { calls: Record<string, number> };

    // Assess
    expect(admin.calls).toEqual({ '/cgi-bin/externalcontact/get_follow_user_list': 1 });
  });
});
