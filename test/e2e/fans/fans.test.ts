/**
 * Followers end to end: the local stack (gateway, in-process `fan-sync` queue and worker, embedded
 * DynamoDB) against the WeChat simulator, over HTTP with console tokens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '#infra/local/stack.ts';
import { createDocumentClient } from '#shared/db/client.ts';
import { call, type Answer } from '#test/e2e/accounts/support.ts';
import { bindThroughSimulator } from '#test/e2e/support/binding.ts';
import { tableSnapshot } from '#test/e2e/support/table-snapshot.ts';
import { seedSharedLink } from '#test/support/seed.ts';

const TENANT = 't-fans';
const FOLLOWERS = 25_000;

/**
 * Waits for `probe` to give a value for as long as the work behind it makes progress: it gives up
 * only when `progress` has not changed for `stallMs`. No deadline on the whole: a loaded machine
 * is slower, not wrong (wall-clock figures belong to `npm run bench -- fans`).
 */
async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  progress: () => Promise<unknown> = async () => undefined,
  stallMs = 60_000,
): Promise<T> {
  let lastProgress: unknown;
  let lastChange = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    const now = Date.now();
    const current = JSON.stringify(await progress());
    if (current !== lastProgress) {
      lastProgress = current;
      lastChange = now;
    } else if (now - lastChange > stallMs) {
      throw new Error(`gave up waiting for ${what}: no progress for ${stallMs / 1000} s (last ${current})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Long enough for the 25 000-follower sync on a loaded 2-core machine; the stall check above fails sooner when it is stuck. */
const SYNC_HOOK_TIMEOUT_MS = 600_000;

describe('followers over HTTP against the simulator', () => {
  let stack: LocalStack;
  let admin: string;

  const get = (path: string, token = admin) => call(stack, { method: 'GET', path, token });
  const job = (appid: string, jobId: string) => get(`/v1/accounts/${appid}/fan-syncs/${jobId}`);
  const counters = async (appid: string, jobId: string) => {
    const view = (await job(appid, jobId)).json;
    return [view?.status, view?.listed, view?.synced, view?.failed, view?.unsubscribedMarked];
  };
  const finished = (appid: string, jobId: string) =>
    waitFor(
      async () => {
        const answer = await job(appid, jobId);
        return answer.json?.status === 'done' || answer.json?.status === 'failed' ? answer.json : undefined;
      },
      `fan sync ${jobId} to end`,
      () => counters(appid, jobId),
    );

  /** Binds the account through the simulator and waits for the sync the binding queued. */
  async function bindAndSettle(appid: string): Promise<void> {
    const { location } = await bindThroughSimulator(stack, { tenant: TENANT, appid });
    if (location.searchParams.get('bind') !== 'ok') throw new Error(`binding ended with ${location.search}`);
    const started = await call(stack, { method: 'POST', path: `/v1/accounts/${appid}/fan-syncs`, token: admin });
    if (started.status !== 202) throw new Error(`POST fan-syncs answered ${started.status} ${started.text}`);
    await finished(appid, started.json.jobId);
  }

  async function fansOf(appid: string, query = ''): Promise<{ openid: string; unionid?: string; subscribed: boolean; unsubscribedAt?: string }[]> {
    const fans = [];
    let cursor: string | null = null;
    do {
      const answer: Answer = await get(`/v1/accounts/${appid}/fans?limit=500${query}${cursor ? `&cursor=${cursor}` : ''}`);
      if (answer.status !== 200) throw new Error(`GET fans answered ${answer.status} ${answer.text}`);
      fans.push(...answer.json.fans);
      cursor = answer.json.nextCursor;
    } while (cursor);
    return fans;
  }

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, inMemory: true, wecomSimulator: { ticketIntervalMs: 0 }, log: () => undefined });
    admin = await stack.consoleToken({ tenant: TENANT, admin: true, sub: 'fans-admin' });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  describe('follow events and contacts', () => {
    let newcomer: string;
    let appid: string;
    const allFans = (query = '') => fansOf(appid, query);

    beforeAll(async () => {
      appid = stack.simulator!.addAccount({
        nickname: 'Events e2e',
        serviceType: 'service',
        verified: true,
        followers: 60,
        unionidRatio: 0.5,
        principalName: 'Fans Ltd',
      }).appid;
      await bindAndSettle(appid);
      [newcomer] = stack.simulator!.follow(appid, 1) as [string];
    });

    it('creates the follower on subscribe, with its profile, and counts it', async () => {
      // Prepare
      const before = (await get(`/v1/accounts/${appid}`)).json.fans;

      // Act
      const push = await stack.simulator!.sendAccountEvent(appid, { fromUserName: newcomer, event: 'subscribe', createTime: 1_900_000_000 });

      // Assess
      expect([push.status, await push.text()]).toEqual([200, 'success']);
      const fans = await allFans('&subscribed=true');
      expect(fans.find((fan) => fan.openid === newcomer)).toMatchObject({ subscribed: true, subscribedAt: new Date(1_900_000_000_000).toISOString() });
      expect((await get(`/v1/accounts/${appid}`)).json.fans).toMatchObject({ total: before.total + 1, subscribed: before.subscribed + 1 });
    });

    it('changes nothing when WeChat retries the same event', async () => {
      // Prepare
      const before = await tableSnapshot(stack.dynamoDbEndpoint, stack.tableName);

      // Act
      const push = await stack.simulator!.sendAccountEvent(appid, { fromUserName: newcomer, event: 'subscribe', createTime: 1_900_000_000 });

      // Assess
      expect(push.status).toBe(200);
      expect(await tableSnapshot(stack.dynamoDbEndpoint, stack.tableName)).toEqual(before);
    });

    it('marks the follower unsubscribed on unsubscribe and keeps it', async () => {
      // Act
      const push = await stack.simulator!.sendAccountEvent(appid, { fromUserName: newcomer, event: 'unsubscribe', createTime: 1_900_000_100 });

      // Assess
      expect(push.status).toBe(200);
      const fans = await allFans('&subscribed=false');
      expect(fans.find((fan) => fan.openid === newcomer)).toMatchObject({ subscribed: false, unsubscribedAt: new Date(1_900_000_100_000).toISOString() });
    });

    it("finds a follower by unionid among the tenant's accounts", async () => {
      // Prepare
      const someone = (await allFans('&subscribed=true')).find((fan) => fan.unionid)!;

      // Act
      const contact = await get(`/v1/contacts/${someone.unionid}`);

      // Assess
      expect(contact.status).toBe(200);
      expect(contact.json).toEqual({
        unionid: someone.unionid,
        accounts: [{ appid, openid: someone.openid, subscribed: true, subscribedAt: expect.any(String) }],
      });
    });

    it('shows a tenant the account was shared with no followers and no contacts', async () => {
      // Prepare
      const recipient = 't-fans-recipient';
      const client = createDocumentClient(stack.dynamoDbEndpoint);
      await seedSharedLink(client, stack.tableName, recipient, appid);
      client.destroy();
      const token = await stack.consoleToken({ tenant: recipient, admin: true });
      const someone = (await allFans('&subscribed=true')).find((fan) => fan.unionid)!;

      // Act
      const [fans, contact, sync] = await Promise.all([
        get(`/v1/accounts/${appid}/fans`, token),
        get(`/v1/contacts/${someone.unionid}`, token),
        call(stack, { method: 'POST', path: `/v1/accounts/${appid}/fan-syncs`, token }),
      ]);

      // Assess
      expect([fans.status, fans.json.error.code]).toEqual([403, 'forbidden']);
      expect(contact.json).toEqual({ unionid: someone.unionid, accounts: [] });
      expect([sync.status, sync.json.error.code]).toEqual([403, 'forbidden']);
    });
  });

  describe('a sync of 25 000 followers with 5 % busy answers and a token WeChat rejects mid-run', () => {
    let appid: string;
    let first: { jobId: string; view: any; calls: Record<string, number>; whileRunning: string };
    const allFans = (query = '') => fansOf(appid, query);

    beforeAll(async () => {
      const simulator = stack.simulator!;
      appid = simulator.addAccount({
        nickname: 'Fans e2e',
        serviceType: 'service',
        verified: true,
        followers: FOLLOWERS,
        unionidRatio: 0.3,
        principalName: 'Fans Ltd',
      }).appid;
      simulator.injectFault({ path: '/cgi-bin/user/info/batchget', errcode: -1, rate: 0.05 });
      simulator.injectFault({ path: '/cgi-bin/user/get', errcode: -1, rate: 0.05 });
      // Binding queues the first sync.
      const { location } = await bindThroughSimulator(stack, { tenant: TENANT, appid });
      if (location.searchParams.get('bind') !== 'ok') throw new Error(`binding ended with ${location.search}`);
      const started = await call(stack, { method: 'POST', path: `/v1/accounts/${appid}/fan-syncs`, token: admin });
      const jobId = started.json.jobId as string;
      await waitFor(
        async () => ((await job(appid, jobId)).json?.synced > 2_000 ? true : undefined),
        'the sync to be under way',
        () => counters(appid, jobId),
      );
      const again = await call(stack, { method: 'POST', path: `/v1/accounts/${appid}/fan-syncs`, token: admin });
      simulator.resetCalls();
      simulator.injectFault({ path: '/cgi-bin/user/info/batchget', errcode: 40001, times: 1 });
      const view = await finished(appid, jobId);
      first = { jobId, view, calls: simulator.calls(), whileRunning: again.json.jobId };
      simulator.clearFaults();
    }, SYNC_HOOK_TIMEOUT_MS);

    it('answers a request made while it runs with the running job', () => {
      // Assess
      expect(first.whileRunning).toBe(first.jobId);
    });

    it('ends done with exact counters', () => {
      // Assess
      expect(first.view).toMatchObject({ jobId: first.jobId, appid, status: 'done', listed: FOLLOWERS, synced: FOLLOWERS, failed: 0, unsubscribedMarked: 0 });
      expect(first.view.finishedAt).toEqual(expect.any(String));
    });

    it('refreshed the token WeChat rejected and went on', () => {
      // Assess
      expect(first.calls['/cgi-bin/component/api_authorizer_token']).toBeGreaterThanOrEqual(1);
    });

    it('lists every follower exactly once, each subscribed, about 30 % with a unionid', async () => {
      // Act
      const fans = await allFans();

      // Assess
      expect(fans).toHaveLength(FOLLOWERS);
      expect(new Set(fans.map((fan) => fan.openid)).size).toBe(FOLLOWERS);
      expect(fans.every((fan) => fan.subscribed)).toBe(true);
      const share = fans.filter((fan) => fan.unionid).length / FOLLOWERS;
      expect(share).toBeGreaterThan(0.27);
      expect(share).toBeLessThan(0.33);
    });

    it("shows the fan summary on the owner's account", async () => {
      // Act
      const account = await get(`/v1/accounts/${appid}`);

      // Assess
      expect(account.json.fans).toEqual({ total: FOLLOWERS, subscribed: FOLLOWERS, lastSyncAt: first.view.finishedAt });
    });

    describe('a second sync after 1 000 followers left', () => {
      let left: Set<string>;
      let second: any;

      beforeAll(async () => {
        left = new Set(stack.simulator!.unfollow(appid, 1_000));
        const started = await call(stack, { method: 'POST', path: `/v1/accounts/${appid}/fan-syncs`, token: admin });
        if (started.status !== 202) throw new Error(`POST fan-syncs answered ${started.status} ${started.text}`);
        second = await finished(appid, started.json.jobId);
      }, SYNC_HOOK_TIMEOUT_MS);

      it('marks exactly those 1 000 unsubscribed', async () => {
        // Act
        const unsubscribed = await allFans('&subscribed=false');

        // Assess
        expect(second).toMatchObject({ status: 'done', listed: FOLLOWERS - 1_000, synced: FOLLOWERS - 1_000, failed: 0, unsubscribedMarked: 1_000 });
        expect(new Set(unsubscribed.map((fan) => fan.openid))).toEqual(left);
        expect(unsubscribed.every((fan) => fan.unsubscribedAt !== undefined)).toBe(true);
      });

      it('keeps them among the followers and counts them in the summary', async () => {
        // Act
        const account = await get(`/v1/accounts/${appid}`);

        // Assess
        expect(account.json.fans).toEqual({ total: FOLLOWERS, subscribed: FOLLOWERS - 1_000, lastSyncAt: second.finishedAt });
      });
    });
  });
});
