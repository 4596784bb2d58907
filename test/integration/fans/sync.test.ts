import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import { followerWeChat } from '#shared/domain/fans/sync.ts';
import { WeChatApiError } from '#shared/wechat/api-errors.ts';
import { resumePausedSyncs } from '#shared/domain/fans/resume.ts';
import type { Follower } from '#shared/domain/fans/model.ts';
import type { FollowerLinkRequests, FollowerWithUnionid, SyncFollowerStore } from '#shared/domain/fans/ports.ts';
import { accountFans, bindFanAccount, countersOf, drain, jobItem, startFanWorld, storedFollowers, type FanWorld } from '#test/integration/fans/support.ts';

describe('the follower sync on the embedded engine against the WeChat simulator', () => {
  let world: FanWorld;

  const syncOnce = async (appid: string, options: Parameters<typeof drain>[2] = {}) => {
    const jobId = await world.requests.queueFullSync(appid, new Date().toISOString());
    const result = await drain(world, world.worker(), options);
    return { jobId, ...result, view: await world.jobs.view(appid, jobId) };
  };

  beforeAll(async () => {
    world = await startFanWorld('fan-sync');
  });

  afterAll(async () => {
    await world?.close();
  });

  beforeEach(() => {
    world.simulator.clearFaults();
    world.queue.waiting.length = 0;
  });

  it('stores every follower once and ends done with exact counters', async () => {
    // Prepare
    const account = await bindFanAccount(world, { followers: 1_234 });

    // Act
    const { view } = await syncOnce(account.appid);

    // Assess
    const followers = await storedFollowers(world, account.appid);
    expect(countersOf(view)).toEqual({ status: 'done', listed: 1_234, synced: 1_234, failed: 0, unsubscribedMarked: 0 });
    expect(new Set(followers.map((f) => f.openid)).size).toBe(1_234);
    expect(followers.every((f) => f.subscribed && f.tenantId === account.tenantId)).toBe(true);
    expect(await accountFans(world, account.appid)).toEqual({ total: 1_234, subscribed: 1_234, lastSyncAt: view!.finishedAt });
  });

  it('hands the followers with a unionid to the WeCom link once each, and only on the sync that found it', async () => {
    // Prepare
    const account = await bindFanAccount(world, { followers: 150, unionidRatio: 0.5 });
    const asked: Array<{ tenantId: string; followers: readonly FollowerWithUnionid[] }> = [];
    const links: FollowerLinkRequests = {
      followersWithUnionid: async (tenantId, followers) => {
        asked.push({ tenantId, followers });
      },
    };
    const sync = async () => {
      await world.requests.queueFullSync(account.appid, new Date().toISOString());
      await drain(world, world.worker({ links }));
    };

    // Act
    await sync();
    const firstSync = asked.flatMap((request) => request.followers.map((f) => f.openid)).sort();
    await sync();

    // Assess
    const withUnionid = (await storedFollowers(world, account.appid))
      .filter((f) => f.unionid)
      .map((f) => f.openid)
      .sort();
    expect(firstSync).toEqual(withUnionid);
    expect(asked.every((request) => request.tenantId === account.tenantId)).toBe(true);
    expect(asked.flatMap((request) => request.followers)).toHaveLength(withUnionid.length);
  });

  it('keeps the unionid WeChat gives for the share of followers that have one', async () => {
    // Prepare
    const account = await bindFanAccount(world, { followers: 500, unionidRatio: 0.3 });

    // Act
    await syncOnce(account.appid);

    // Assess
    const withUnionid = (await storedFollowers(world, account.appid)).filter((f) => f.unionid).length;
    expect(withUnionid).toBeGreaterThan(100);
    expect(withUnionid).toBeLessThan(200);
  });

  it('changes no counter when every message is delivered twice at once', async () => {
    // Prepare
    const account = await bindFanAccount(world, { followers: 777 });

    // Act
    const { view } = await syncOnce(account.appid, { copies: 2 });

    // Assess
    expect(countersOf(view)).toEqual({ status: 'done', listed: 777, synced: 777, failed: 0, unsubscribedMarked: 0 });
    expect(await storedFollowers(world, account.appid)).toHaveLength(777);
  });

  it('changes no counter when every message is delivered again after the sync finished', async () => {
    // Prepare
    const account = await bindFanAccount(world, { followers: 321 });
    const { jobId } = await syncOnce(account.appid);
    const before = await world.jobs.view(account.appid, jobId);
    const everything = world.queue.sent.filter((message) => message.appid === account.appid);

    // Act
    world.queue.waiting.push(...everything.map((message) => structuredClone(message)));
    await drain(world, world.worker());

    // Assess
    expect(await world.jobs.view(account.appid, jobId)).toEqual(before);
  });

  it('loses nothing when a worker dies after writing part of a chunk', async () => {
    // Prepare
    const account = await bindFanAccount(world, { followers: 450 });
    let deaths = 0;
    const dying: SyncFollowerStore = {
      hasAny: (appid) => world.followers.hasAny(appid),
      existing: (appid, openids) => world.followers.existing(appid, openids),
      closeSync: (appid, jobId, options) => world.followers.closeSync(appid, jobId, options),
      putAll: async (followers: readonly Follower[]) => {
        if (deaths < 3) {
          deaths += 1;
          await world.followers.putAll(followers.slice(0, 30));
          throw new Error('the worker died mid-chunk');
        }
        await world.followers.putAll(followers);
      },
    };
    const jobId = await world.requests.queueFullSync(account.appid, new Date().toISOString());

    // Act
    await drain(world, world.worker({ followers: dying }));

    // Assess
    expect(deaths).toBe(3);
    expect(countersOf(await world.jobs.view(account.appid, jobId))).toEqual({ status: 'done', listed: 450, synced: 450, failed: 0, unsubscribedMarked: 0 });
    expect(await storedFollowers(world, account.appid)).toHaveLength(450);
  });

  it('marks exactly the followers who left since the last sync unsubscribed, keeping them', async () => {
    // Prepare
    const account = await bindFanAccount(world, { followers: 600 });
    await syncOnce(account.appid);
    const left = new Set(world.simulator.unfollow(account.appid, 37));

    // Act
    const { view } = await syncOnce(account.appid);

    // Assess
    const followers = await storedFollowers(world, account.appid);
    expect(countersOf(view)).toEqual({ status: 'done', listed: 563, synced: 563, failed: 0, unsubscribedMarked: 37 });
    expect(new Set(followers.filter((f) => !f.subscribed).map((f) => f.openid))).toEqual(left);
    expect(followers.filter((f) => !f.subscribed).every((f) => f.unsubscribedAt !== undefined)).toBe(true);
    expect(await accountFans(world, account.appid)).toMatchObject({ total: 600, subscribed: 563 });
  });

  it('pauses on the daily quota and completes from its checkpoint after the resume', async () => {
    // Prepare
    const account = await bindFanAccount(world, { followers: 800 });
    world.simulator.injectFault({ path: '/cgi-bin/user/info/batchget', errcode: 45009, times: 3 });
    const { jobId } = await syncOnce(account.appid);
    const paused = await world.jobs.view(account.appid, jobId);

    // Act
    const resumed = await resumePausedSyncs({
      store: world.jobs,
      queue: { send: (messages) => world.queue.publisher.send(messages.map((m) => ({ body: JSON.stringify(m) }))) },
    });
    await drain(world, world.worker());

    // Assess
    expect(paused).toMatchObject({ status: 'paused_quota', listed: 800, synced: 500 });
    expect(resumed).toEqual({ jobs: 1, steps: 3 });
    expect(countersOf(await world.jobs.view(account.appid, jobId))).toEqual({ status: 'done', listed: 800, synced: 800, failed: 0, unsubscribedMarked: 0 });
  });

  it('pauses when the listing itself meets the quota and resumes the listing', async () => {
    // Prepare
    const account = await bindFanAccount(world, { followers: 150 });
    world.simulator.injectFault({ path: '/cgi-bin/user/get', errcode: 45009, times: 1 });
    const { jobId, view: paused } = await syncOnce(account.appid);

    // Act
    await resumePausedSyncs({
      store: world.jobs,
      queue: { send: (messages) => world.queue.publisher.send(messages.map((m) => ({ body: JSON.stringify(m) }))) },
    });
    await drain(world, world.worker());

    // Assess
    expect(paused?.status).toBe('paused_quota');
    expect(countersOf(await world.jobs.view(account.appid, jobId))).toEqual({ status: 'done', listed: 150, synced: 150, failed: 0, unsubscribedMarked: 0 });
  });

  it('retries WeChat busy answers through redelivery until every chunk is in', async () => {
    // Prepare
    const account = await bindFanAccount(world, { followers: 400 });
    world.simulator.injectFault({ path: '/cgi-bin/user/info/batchget', errcode: -1, times: 12 });

    // Act
    const { view, deadLetters } = await syncOnce(account.appid);

    // Assess
    expect(deadLetters).toEqual([]);
    expect(countersOf(view)).toEqual({ status: 'done', listed: 400, synced: 400, failed: 0, unsubscribedMarked: 0 });
  });

  it('counts a chunk that failed on its last receive as failed and never marks its followers unsubscribed', async () => {
    // Prepare
    const account = await bindFanAccount(world, { followers: 300 });
    await syncOnce(account.appid);
    const wechat = followerWeChat(world.client, (appid) => world.tokens.forAccount(appid));
    let cursed: string | undefined;
    const worker = world.worker({
      wechat: {
        listPage: wechat.listPage,
        profiles: async (appid, openids) => {
          cursed ??= openids[0];
          if (openids[0] === cursed) throw new WeChatApiError('user/info/batchget', -1, 'system error');
          return wechat.profiles(appid, openids);
        },
      },
    });
    const jobId = await world.requests.queueFullSync(account.appid, new Date().toISOString());

    // Act
    const { deadLetters } = await drain(world, worker, { maxReceives: 3 });
    const view = await world.jobs.view(account.appid, jobId);

    // Assess
    expect(deadLetters.map((message) => message.type)).toEqual(['chunk']);
    expect(countersOf(view)).toEqual({ status: 'done', listed: 300, synced: 200, failed: 100, unsubscribedMarked: 0 });
    expect((await storedFollowers(world, account.appid)).every((f) => f.subscribed)).toBe(true);
  });

  it('fails the job with account_not_active when the account was revoked before it started', async () => {
    // Prepare
    const account = await bindFanAccount(world, { followers: 10 });
    const jobId = await world.requests.queueFullSync(account.appid, new Date().toISOString());
    await world.table.client.send(
      new UpdateCommand({
        TableName: world.table.name,
        Key: { pk: accountKeys.accountPk(account.appid), sk: accountKeys.accountSk },
        UpdateExpression: 'SET #status = :revoked',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':revoked': 'revoked' },
      }),
    );

    // Act
    await drain(world, world.worker());

    // Assess
    expect(await world.jobs.view(account.appid, jobId)).toMatchObject({ status: 'failed', error: { code: 'account_not_active' } });
  });

  it('fails the job with a code when WeChat no longer lets the account list its followers', async () => {
    // Prepare
    const account = await bindFanAccount(world, { followers: 10 });
    world.simulator.injectFault({ path: '/cgi-bin/user/get', errcode: 61007, times: 1 });

    // Act
    const { view } = await syncOnce(account.appid);

    // Assess
    expect(view).toMatchObject({ status: 'failed', error: { code: 'wechat_error' } });
  });

  it('returns the running job to a second request, and a new job once it is done', async () => {
    // Prepare
    const account = await bindFanAccount(world, { followers: 20 });
    const first = await world.requests.queueFullSync(account.appid, new Date().toISOString());

    // Act
    const second = await world.requests.queueFullSync(account.appid, new Date().toISOString());
    await drain(world, world.worker());
    const third = await world.requests.queueFullSync(account.appid, new Date().toISOString());

    // Assess
    expect(second).toBe(first);
    expect(third).not.toBe(first);
    expect((await jobItem(world, account.appid, first))?.status).toBe('done');
  });

  describe('a job that stopped making progress', () => {
    const HOURS_2 = 2 * 60 * 60_000;

    /** A job that started, listed its page and then went quiet: its chunk steps are held back, as if dead-lettered. */
    const stuckJob = async (appid: string) => {
      const jobId = await world.requests.queueFullSync(appid, new Date().toISOString());
      await world.worker().handle(world.queue.take(1)[0]!);
      const heldBack = world.queue.take(world.queue.waiting.length);
      return { jobId, heldBack };
    };

    it('ends failed as abandoned when a new request replaces it, and the new job runs to done', async () => {
      // Prepare
      const account = await bindFanAccount(world, { followers: 250 });
      const stuck = await stuckJob(account.appid);
      const later = new Date(Date.now() + HOURS_2);

      // Act
      const fresh = await world.requests.queueFullSync(account.appid, later.toISOString());
      await drain(world, world.worker({ now: () => later }));

      // Assess
      expect(fresh).not.toBe(stuck.jobId);
      expect(await world.jobs.view(account.appid, stuck.jobId)).toMatchObject({
        status: 'failed',
        error: { code: 'abandoned' },
        finishedAt: later.toISOString(),
      });
      expect(countersOf(await world.jobs.view(account.appid, fresh))).toEqual({ status: 'done', listed: 250, synced: 250, failed: 0, unsubscribedMarked: 0 });
    });

    it('stays failed when its held-back steps arrive after it was replaced', async () => {
      // Prepare
      const account = await bindFanAccount(world, { followers: 250 });
      const stuck = await stuckJob(account.appid);
      await world.requests.queueFullSync(account.appid, new Date(Date.now() + HOURS_2).toISOString());
      const abandoned = await jobItem(world, account.appid, stuck.jobId);

      // Act
      world.queue.waiting.length = 0;
      world.queue.waiting.push(...stuck.heldBack);
      await drain(world, world.worker());

      // Assess
      expect(stuck.heldBack.filter((message) => message.type === 'chunk')).toHaveLength(3);
      expect(abandoned).toMatchObject({ status: 'failed', error: { code: 'abandoned' } });
      expect(await jobItem(world, account.appid, stuck.jobId)).toEqual(abandoned);
    });
  });
});
