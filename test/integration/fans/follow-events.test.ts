import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoFollowEvents } from '#shared/adapters/dynamodb/follow-history.ts';
import { FollowEvents } from '#shared/domain/fans/follow-events.ts';
import type { FollowerLinkRequests, FollowerWithUnionid } from '#shared/domain/fans/ports.ts';
import type { FollowEvent } from '#shared/domain/messages/account-message.ts';
import type { UserInfo } from '#shared/wechat/api-types.ts';
import { accountFans, bindFanAccount, startFanWorld, storedFollowers, type FanWorld } from '#test/integration/fans/support.ts';

describe('follow and unfollow events on the embedded engine', () => {
  let world: FanWorld;
  let store: DynamoFollowEvents;

  const events = (profile?: (appid: string, openid: string) => Promise<UserInfo>, links?: FollowerLinkRequests) =>
    new FollowEvents({
      store,
      profile: profile ?? ((appid, openid) => world.client.getUserInfo(world.tokens.forAccount(appid), { openId: openid })),
      ...(links ? { links } : {}),
    });
  const linkSpy = () => {
    const asked: Array<{ tenantId: string; followers: readonly FollowerWithUnionid[] }> = [];
    const links: FollowerLinkRequests = {
      followersWithUnionid: async (tenantId, followers) => {
        asked.push({ tenantId, followers });
      },
    };
    return { asked, links };
  };
  const event = (appid: string, openid: string, kind: FollowEvent['event'], createTime: number): FollowEvent => ({ appid, openid, event: kind, createTime });

  beforeAll(async () => {
    world = await startFanWorld('follow-events');
    store = new DynamoFollowEvents(world.table.client, world.table.name);
  });

  afterAll(async () => {
    await world?.close();
  });

  it('creates a new follower with its profile, records the event and counts it', async () => {
    // Prepare
    const account = await bindFanAccount(world, { followers: 0, unionidRatio: 1 });
    const [openid] = world.simulator.follow(account.appid, 1) as [string];

    // Act
    await events().accept(event(account.appid, openid, 'subscribe', 1_800_000_000));

    // Assess
    const [follower] = await storedFollowers(world, account.appid);
    expect(follower).toMatchObject({
      openid,
      subscribed: true,
      subscribedAt: new Date(1_800_000_000_000).toISOString(),
      unionid: expect.any(String),
      tenantId: account.tenantId,
    });
    expect(await store.history(account.appid, openid)).toEqual([
      expect.objectContaining({ event: 'subscribe', at: new Date(1_800_000_000_000).toISOString() }),
    ]);
    expect(await accountFans(world, account.appid)).toEqual({ total: 1, subscribed: 1 });
  });

  it('changes nothing when WeChat delivers the same event again', async () => {
    // Prepare
    const account = await bindFanAccount(world, { followers: 0 });
    const [openid] = world.simulator.follow(account.appid, 1) as [string];
    await events().accept(event(account.appid, openid, 'subscribe', 1_800_000_100));
    const before = { followers: await storedFollowers(world, account.appid), fans: await accountFans(world, account.appid) };

    // Act
    await Promise.all([1, 2, 3].map(() => events().accept(event(account.appid, openid, 'subscribe', 1_800_000_100))));

    // Assess
    expect({ followers: await storedFollowers(world, account.appid), fans: await accountFans(world, account.appid) }).toEqual(before);
    expect(await store.history(account.appid, openid)).toHaveLength(1);
  });

  it('marks an unfollow with its time, keeps the follower and its unionid, and lowers the count', async () => {
    // Prepare
    const account = await bindFanAccount(world, { followers: 0, unionidRatio: 1 });
    const [openid] = world.simulator.follow(account.appid, 1) as [string];
    await events().accept(event(account.appid, openid, 'subscribe', 1_800_000_200));

    // Act
    await events().accept(event(account.appid, openid, 'unsubscribe', 1_800_000_300));

    // Assess
    const [follower] = await storedFollowers(world, account.appid);
    expect(follower).toMatchObject({ openid, subscribed: false, unsubscribedAt: new Date(1_800_000_300_000).toISOString(), unionid: expect.any(String) });
    expect(await accountFans(world, account.appid)).toEqual({ total: 1, subscribed: 0 });
  });

  it('only records an older event that arrives after a newer one', async () => {
    // Prepare
    const account = await bindFanAccount(world, { followers: 0 });
    const [openid] = world.simulator.follow(account.appid, 1) as [string];
    await events().accept(event(account.appid, openid, 'subscribe', 1_800_000_400));
    await events().accept(event(account.appid, openid, 'unsubscribe', 1_800_000_500));

    // Act
    await events().accept(event(account.appid, openid, 'subscribe', 1_800_000_450));

    // Assess
    expect((await storedFollowers(world, account.appid))[0]).toMatchObject({ subscribed: false });
    expect((await store.history(account.appid, openid)).map((entry) => entry.event)).toEqual(['subscribe', 'subscribe', 'unsubscribe']);
  });

  it('stores a new follower without its profile when user/info fails', async () => {
    // Prepare
    const account = await bindFanAccount(world, { followers: 0 });
    const [openid] = world.simulator.follow(account.appid, 1) as [string];

    // Act
    await events(async () => Promise.reject(new Error('WeChat is down'))).accept(event(account.appid, openid, 'subscribe', 1_800_000_600));

    // Assess
    expect(await storedFollowers(world, account.appid)).toEqual([expect.objectContaining({ openid, subscribed: true, tagIds: [] })]);
  });

  it('keeps the count exact under many concurrent events of one account', async () => {
    // Prepare
    const account = await bindFanAccount(world, { followers: 0 });
    const openids = world.simulator.follow(account.appid, 12);

    // Act
    await Promise.all(openids.map((openid, i) => events().accept(event(account.appid, openid, 'subscribe', 1_800_001_000 + i))));
    await Promise.all(openids.slice(0, 5).map((openid, i) => events().accept(event(account.appid, openid, 'unsubscribe', 1_800_002_000 + i))));

    // Assess
    expect(await accountFans(world, account.appid)).toEqual({ total: 12, subscribed: 7 });
  });

  it('keeps nothing for an account the hub does not hold', async () => {
    // Act
    await events().accept(event('wx00000000000000aa', 'oNobody00000000000000000000a', 'subscribe', 1_800_000_700));

    // Assess
    expect(await storedFollowers(world, 'wx00000000000000aa')).toEqual([]);
    expect(await store.history('wx00000000000000aa', 'oNobody00000000000000000000a')).toEqual([]);
  });

  it('hands a follower that arrives with a unionid to the WeCom link once, however often WeChat repeats the event', async () => {
    // Prepare
    const account = await bindFanAccount(world, { followers: 0, unionidRatio: 1 });
    const [openid] = world.simulator.follow(account.appid, 1) as [string];
    const { asked, links } = linkSpy();

    // Act
    await Promise.all([1, 2, 3].map(() => events(undefined, links).accept(event(account.appid, openid, 'subscribe', 1_800_003_000))));

    // Assess
    const [follower] = await storedFollowers(world, account.appid);
    expect(asked).toEqual([{ tenantId: account.tenantId, followers: [{ appid: account.appid, openid, unionid: follower!.unionid }] }]);
  });

  it('does not hand over a follower whose unionid it already had', async () => {
    // Prepare
    const account = await bindFanAccount(world, { followers: 0, unionidRatio: 1 });
    const [openid] = world.simulator.follow(account.appid, 1) as [string];
    await events().accept(event(account.appid, openid, 'subscribe', 1_800_003_100));
    await events().accept(event(account.appid, openid, 'unsubscribe', 1_800_003_200));
    const { asked, links } = linkSpy();

    // Act
    await events(undefined, links).accept(event(account.appid, openid, 'subscribe', 1_800_003_300));

    // Assess
    expect(asked).toEqual([]);
  });

  it('stores the follower and answers the push when the link cannot be queued', async () => {
    // Prepare
    const account = await bindFanAccount(world, { followers: 0, unionidRatio: 1 });
    const [openid] = world.simulator.follow(account.appid, 1) as [string];
    const failing: FollowerLinkRequests = { followersWithUnionid: async () => Promise.reject(new Error('queue unavailable')) };

    // Act
    await events(undefined, failing).accept(event(account.appid, openid, 'subscribe', 1_800_003_400));

    // Assess
    expect(await storedFollowers(world, account.appid)).toEqual([expect.objectContaining({ openid, subscribed: true, unionid: expect.any(String) })]);
  });
});
