/**
 * Duplicate and reordered follow pushes (issue 17 item 9): the follow and unfollow pushes of 100
 * users, each delivered twice (sealed twice, as two deliveries of WeChat) and a third of them a
 * third time byte for byte (WeChat's re-send of the same request), all shuffled, and mixed with
 * stale events of 40 of them (an older subscribe or unsubscribe arriving after the newer one).
 *
 * Ground truth: the simulator's world says who follows now (the test changed it to match the pushes
 * it sends), and the pushes the test issued say which history entries must exist, once each.
 * Lost = a follower whose state the hub got wrong, or a pushed event without its history entry, or a
 * count short of the truth; duplicated = a follower or history entry written twice, or a count past
 * the truth. WeChat's URL promises `200 success` to every valid push: 5xx must be 0.
 */
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '#infra/local/stack.ts';
import { followHistoryKeys } from '#shared/adapters/dynamodb/follow-history.ts';
import { createDocumentClient, db } from '#shared/db/client.ts';
import { buildXml } from '#shared/wechat/xml.ts';
import {
  compareFollowers,
  currentSync,
  followersInHub,
  followersInWeChat,
  HubCalls,
  printFigures,
  storedToken,
  syncEnded,
  bindWithRetries,
} from '#test/e2e/faults/support.ts';
import { signedPush, type SignedPush } from '#test/e2e/support/signed-push.ts';

const TENANT = 't-faults-pushes';
const FOLLOWERS = 100;
const NEWCOMERS = 60;
const LEAVERS = 40;
const STALE = 20;
const LANES = 4;

interface PushedEvent {
  openid: string;
  event: 'subscribe' | 'unsubscribe';
  createTime: number;
}

/** A small deterministic PRNG (mulberry32), so a failing order can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('duplicate and reordered follow pushes', () => {
  let stack: LocalStack;
  let client: DynamoDBDocumentClient;
  let admin: string;

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, inMemory: true, log: () => undefined });
    client = createDocumentClient(stack.dynamoDbEndpoint);
    admin = await stack.consoleToken({ tenant: TENANT, admin: true, sub: 'pushes-admin' });
  });

  afterAll(async () => {
    client?.destroy();
    await stack?.stop();
  });

  it('ends with exact follower states, counts and history whatever the order and however often each push arrives', async () => {
    // Prepare: a synced account; then 60 newcomers and 40 leavers in WeChat, and the pushes that say so.
    const simulator = stack.simulator!;
    const calls = new HubCalls(stack);
    const account = simulator.addAccount({
      nickname: 'Pushes',
      serviceType: 'service',
      verified: true,
      followers: FOLLOWERS,
      unionidRatio: 0.5,
      principalName: 'Pushes Ltd',
    });
    const appid = account.appid;
    expect((await bindWithRetries(stack, calls, TENANT, appid)).bound).toBe(true);
    await syncEnded(calls, admin, appid, await currentSync(calls, admin, appid));
    // Leavers first: they are among the followers the sync recorded, never among the newcomers.
    const leavers = simulator.unfollow(appid, LEAVERS);
    const newcomers = simulator.follow(appid, NEWCOMERS);
    const now = Math.floor(Date.now() / 1000);
    const events: PushedEvent[] = [
      ...newcomers.map((openid, i) => ({ openid, event: 'subscribe' as const, createTime: now + i })),
      ...leavers.map((openid, i) => ({ openid, event: 'unsubscribe' as const, createTime: now + i })),
      // Stale: an older unsubscribe of a newcomer, an older subscribe of a leaver, arriving in any order.
      ...newcomers.slice(0, STALE).map((openid, i) => ({ openid, event: 'unsubscribe' as const, createTime: now - 1_000 + i })),
      ...leavers.slice(0, STALE).map((openid, i) => ({ openid, event: 'subscribe' as const, createTime: now - 1_000 + i })),
    ];
    const seal = (e: PushedEvent): SignedPush => {
      const push = signedPush(
        simulator.credentials,
        buildXml({ ToUserName: account.userName, FromUserName: e.openid, CreateTime: e.createTime, MsgType: 'event', Event: e.event, EventKey: '' }),
        { envelope: { ToUserName: account.userName } },
      );
      push.query.set('openid', e.openid);
      return push;
    };
    const deliveries: SignedPush[] = [];
    events.forEach((e, i) => {
      const first = seal(e);
      deliveries.push(first, seal(e));
      if (i % 3 === 0) deliveries.push(first);
    });
    const shuffle = random(17);
    for (let i = deliveries.length - 1; i > 0; i -= 1) {
      const j = Math.floor(shuffle() * (i + 1));
      [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
    }

    // Act: four lanes at once, as WeChat's pushes overlap.
    let notSuccess = 0;
    let next = 0;
    await Promise.all(
      Array.from({ length: LANES }, async () => {
        while (next < deliveries.length) {
          const push = deliveries[next++]!;
          const response = await fetch(`${stack.baseUrl}/v1/wechat/accounts/${appid}/messages?${push.query}`, {
            method: 'POST',
            headers: { 'content-type': 'text/xml' },
            body: push.body,
          });
          const text = await response.text();
          calls.record(response.status, undefined, `/v1/wechat/accounts/${appid}/messages`);
          if (response.status !== 200 || text !== 'success') notSuccess += 1;
        }
      }),
    );

    // Assess: followers against WeChat's list, counts against it, history against the pushes issued.
    const wechat = await followersInWeChat(stack, String((await storedToken(client, stack, appid))?.accessToken));
    const hub = await followersInHub(calls, admin, appid);
    const compared = compareFollowers(wechat, hub);
    const fans = (await calls.call('GET', `/v1/accounts/${appid}`, admin)).json.fans as { total: number; subscribed: number };
    const known = FOLLOWERS + NEWCOMERS;
    let historyLost = 0;
    let historyDuplicated = 0;
    for (const openid of new Set(events.map((e) => e.openid))) {
      const items =
        (
          await client.send(
            new QueryCommand({
              TableName: stack.tableName,
              KeyConditionExpression: 'pk = :pk',
              ExpressionAttributeValues: { ':pk': followHistoryKeys.pk(appid, openid) },
              ConsistentRead: true,
            }),
          )
        ).Items ?? [];
      const written = items.map((item) => String(item.sk));
      const pushed = events.filter((e) => e.openid === openid).map((e) => followHistoryKeys.sk(e.createTime, e.event));
      historyLost += pushed.filter((sk) => !written.includes(sk)).length;
      historyDuplicated += Math.max(0, written.length - new Set(written).size) + written.filter((sk) => !pushed.includes(sk)).length;
    }
    const lost = compared.lost + historyLost + Math.max(0, wechat.length - fans.subscribed) + Math.max(0, known - fans.total);
    const duplicated = compared.duplicated + historyDuplicated + Math.max(0, fans.subscribed - wechat.length) + Math.max(0, fans.total - known);
    const figures = {
      faultsInjected: deliveries.length - events.length + 2 * STALE,
      operations: deliveries.length,
      lost,
      duplicated,
      serverErrors: calls.serverErrors.length,
    };
    printFigures('duplicate and reordered pushes', figures);
    expect(wechat.length).toBe(FOLLOWERS + NEWCOMERS - LEAVERS);
    expect(notSuccess).toBe(0);
    expect(figures, JSON.stringify({ fans, missing: compared.missing, historyLost, historyDuplicated })).toMatchObject({
      lost: 0,
      duplicated: 0,
      serverErrors: 0,
    });
  });
  /*
   * Found by `npm run bench -- soak`: a sync's finish wrote the account's fan summary from a tally of
   * the follower rows over a follow push applied in between. The finish now writes only while the
   * summary's version (moved by every push that changes the counts) is the one it read before its
   * tally, and tallies again otherwise (shared/adapters/dynamodb/fan-sync-jobs.ts).
   */
  it("keeps the account's counts exact when a follow push lands while a sync finishes", async () => {
    // Prepare: a synced account; the next sync's finish will wait for a new follower's push right before it writes the counts.
    const simulator = stack.simulator!;
    const calls = new HubCalls(stack);
    const appid = simulator.addAccount({ nickname: 'Finish race', serviceType: 'service', verified: true, followers: 50, principalName: 'Pushes Ltd' }).appid;
    expect((await bindWithRetries(stack, calls, TENANT, appid)).bound).toBe(true);
    await syncEnded(calls, admin, appid, await currentSync(calls, admin, appid));
    let pushed: Response | undefined;
    let armed = true;
    db().middlewareStack.add(
      (next) => async (args) => {
        const items = (args.input as { TransactItems?: { Update?: { UpdateExpression?: string } }[] }).TransactItems ?? [];
        if (armed && items.some((item) => item.Update?.UpdateExpression === 'SET fans = :summary')) {
          armed = false;
          const [newcomer] = simulator.follow(appid, 1);
          pushed = await simulator.sendAccountEvent(appid, { fromUserName: newcomer!, event: 'subscribe' });
        }
        return next(args);
      },
      { step: 'initialize', name: 'faultSuitePushBeforeFinish' },
    );

    // Act
    const job = await syncEnded(calls, admin, appid, await currentSync(calls, admin, appid));

    // Assess
    const wechat = await followersInWeChat(stack, String((await storedToken(client, stack, appid))?.accessToken));
    const fans = (await calls.call('GET', `/v1/accounts/${appid}`, admin)).json.fans as { total: number; subscribed: number };
    const figures = {
      faultsInjected: 1,
      operations: job.listed + 1,
      lost: Math.max(0, wechat.length - fans.subscribed) + Math.max(0, 51 - fans.total),
      duplicated: Math.max(0, fans.subscribed - wechat.length) + Math.max(0, fans.total - 51),
      serverErrors: calls.serverErrors.length + (pushed && pushed.status >= 500 ? 1 : 0),
    };
    printFigures('follow push during a sync finish', figures);
    expect([job.status, pushed?.status, wechat.length]).toEqual(['done', 200, 51]);
    expect(figures).toMatchObject({ lost: 0, duplicated: 0, serverErrors: 0 });
  });
});
