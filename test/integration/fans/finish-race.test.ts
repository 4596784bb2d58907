/**
 * Defect C of issue 17: a sync's finish wrote the account's fan summary from a tally of the follower
 * rows, over a follow push applied after the tally. The finish now writes only while the summary's
 * version is the one it read before its tally, and tallies again otherwise.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoFollowEvents } from '#shared/adapters/dynamodb/follow-history.ts';
import { FollowEvents } from '#shared/domain/fans/follow-events.ts';
import type { SyncFollowerStore } from '#shared/domain/fans/ports.ts';
import { accountFans, bindFanAccount, countersOf, drain, startFanWorld, storedFollowers, type FanWorld } from '#test/integration/fans/support.ts';

describe("a sync's finish racing a follow push on the embedded engine", () => {
  let world: FanWorld;
  let follows: FollowEvents;

  beforeAll(async () => {
    world = await startFanWorld('fan-finish-race');
    follows = new FollowEvents({
      store: new DynamoFollowEvents(world.table.client, world.table.name),
      profile: (appid, openid) => world.client.getUserInfo(world.tokens.forAccount(appid), { openId: openid }),
    });
  });

  afterAll(async () => {
    await world?.close();
  });

  beforeEach(() => {
    world.queue.waiting.length = 0;
  });

  /**
   * The followers' store, with a new follower's push applied right after the finish's first tally;
   * the push's CreateTime is now, or (`inStartSecond`) the whole second the sync started in — WeChat's
   * CreateTime has seconds only, so a push during a short sync can carry a time before its start.
   */
  function pushAfterFirstTally(appid: string, inStartSecond = false): { store: SyncFollowerStore; pushed: () => number } {
    let pushed = 0;
    const store: SyncFollowerStore = {
      hasAny: (id) => world.followers.hasAny(id),
      existing: (id, openids) => world.followers.existing(id, openids),
      putAll: (followers) => world.followers.putAll(followers),
      closeSync: async (id, jobId, options) => {
        const tally = await world.followers.closeSync(id, jobId, options);
        if (pushed === 0) {
          pushed += 1;
          const [openid] = world.simulator.follow(appid, 1) as [string];
          const createTime = Math.floor((inStartSecond ? Date.parse((await world.jobs.get(id, jobId))!.startedAt) : Date.now()) / 1000);
          await follows.accept({ appid, openid, event: 'subscribe', createTime });
        }
        return tally;
      },
    };
    return { store, pushed: () => pushed };
  }

  it('counts a follower whose push lands between the tally and the write of the counts', async () => {
    // Prepare
    const account = await bindFanAccount(world, { followers: 40 });
    const { store, pushed } = pushAfterFirstTally(account.appid);
    const jobId = await world.requests.queueFullSync(account.appid, new Date().toISOString());

    // Act
    await drain(world, world.worker({ followers: store }));

    // Assess
    const view = await world.jobs.view(account.appid, jobId);
    const stored = await storedFollowers(world, account.appid);
    expect([pushed(), view?.status, stored.length]).toEqual([1, 'done', 41]);
    expect(await accountFans(world, account.appid)).toMatchObject({ total: 41, subscribed: 41 });
  });

  it('keeps a follower whose push carries the second the sync started in', async () => {
    // Prepare
    const account = await bindFanAccount(world, { followers: 40 });
    const { store } = pushAfterFirstTally(account.appid, true);
    await world.requests.queueFullSync(account.appid, new Date().toISOString());

    // Act
    await drain(world, world.worker({ followers: store }));

    // Assess
    const stored = await storedFollowers(world, account.appid);
    expect(stored.filter((follower) => follower.subscribed)).toHaveLength(41);
    expect(await accountFans(world, account.appid)).toMatchObject({ total: 41, subscribed: 41 });
  });

  it('keeps the counts exact when every step is delivered twice and a push lands during the finish', async () => {
    // Prepare
    const account = await bindFanAccount(world, { followers: 40 });
    const { store } = pushAfterFirstTally(account.appid);
    const jobId = await world.requests.queueFullSync(account.appid, new Date().toISOString());

    // Act
    await drain(world, world.worker({ followers: store }), { copies: 2 });

    // Assess
    expect(countersOf(await world.jobs.view(account.appid, jobId))).toMatchObject({ status: 'done', listed: 40, synced: 40 });
    expect(await accountFans(world, account.appid)).toMatchObject({ total: 41, subscribed: 41 });
  });
});
