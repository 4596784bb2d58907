/**
 * The event bus's outage (issue 17 item 9; the bus is issue 13): API.md §2 promises that nothing the
 * hub answered `200` to is lost — an account's message or event is stored with its outbox entry
 * before WeChat gets its answer and published from there (§6: at least once, `detail.eventId` the
 * consumer's key), even if the bus is down then.
 *
 * The scenario, against the local stack with `EVENT_TARGET_URL` pointing at a consumer this test
 * runs: first the bus (the EventBridge stand-in) refuses every put while an account is bound and
 * synced, WeChat pushes follow events and text messages (each delivered twice, sealed twice, as
 * WeChat's retries are) and the account is shared and the share revoked; then the bus takes events
 * again but the target answers 503 — half the time after it had taken the event, as a consumer that
 * dies before answering — (the relay leaves them pending and backs off) while more pushes arrive;
 * then everything recovers.
 *
 * Ground truth is what the hub acknowledged: every push answered `success` (its eventId is
 * computable, API.md §6) and every console change answered 2xx (keyed by detail-type and the
 * change). Lost = an acknowledged operation whose event never reached the target; duplicated = an
 * operation that reached it under more than one distinct eventId (what a consumer de-duplicating on
 * `detail.eventId` would still see twice). The same eventId delivered again is at-least-once and
 * allowed: it is reported as raw redeliveries. Faults injected = the target's 503 answers plus the
 * events the bus outage held back.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '#infra/local/stack.ts';
import type { EventEnvelope } from '#infra/local/event-bus.ts';
import { resetConfigForTests } from '#shared/config/config.ts';
import { eventIdOf } from '#shared/domain/messages/wechat-push.ts';
import { buildXml } from '#shared/wechat/xml.ts';
import { bindWithRetries, currentSync, HubCalls, printFigures, syncEnded, waitFor } from '#test/e2e/faults/support.ts';
import { signedPush } from '#test/e2e/support/signed-push.ts';

const OWNER = 't-bus-outage';
const RECIPIENT = 't-bus-outage-recipient';
/** Pushes of each phase: follow events and text messages, each delivered twice. */
const PUSHES_PER_KIND = 8;

/**
 * The consumer behind `EVENT_TARGET_URL`: records what it takes; while `failing` it answers 503,
 * every other time after it had recorded the event (a consumer that dies before its answer: the
 * relay cannot tell, and delivers that eventId again).
 */
class Consumer {
  readonly taken: EventEnvelope[] = [];
  refused = 0;
  failing = false;
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        if (this.failing) {
          this.refused += 1;
          if (this.refused % 2 === 0) this.taken.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as EventEnvelope);
          response.writeHead(503).end();
          return;
        }
        this.taken.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as EventEnvelope);
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/events`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Distinct eventIds taken, by operation key. */
  distinctByKey(keyOf: (envelope: EventEnvelope) => string): Map<string, Set<string>> {
    const byKey = new Map<string, Set<string>>();
    for (const envelope of this.taken) {
      const key = keyOf(envelope);
      byKey.set(key, (byKey.get(key) ?? new Set()).add(String(envelope.detail.eventId)));
    }
    return byKey;
  }
}

/** An operation's key, from what the event says happened (never from its eventId). */
function keyOf(envelope: EventEnvelope): string {
  const d = envelope.detail as Record<string, unknown>;
  switch (envelope['detail-type']) {
    case 'WeChat Message Received':
    case 'WeChat Event Received':
      return `push|${String(d.appid)}|${String(d.openid)}|${String(d.createTime)}|${String(d.event ?? d.msgType)}`;
    case 'Fan Sync Finished':
      return `sync|${String(d.jobId)}`;
    default:
      return `${envelope['detail-type']}|${String(d.appid)}|${String(d.tenantId)}`;
  }
}

describe('the event bus down while WeChat pushes and accounts change', () => {
  let stack: LocalStack;
  const consumer = new Consumer();

  beforeAll(async () => {
    process.env.EVENT_TARGET_URL = await consumer.start();
    resetConfigForTests();
    // A failing target is left pending after a short retry, so the relay's own backoff and retry carry it.
    stack = await startLocalStack({ port: 0, inMemory: true, log: () => undefined, eventTargetRetryMs: 300 });
  });

  afterAll(async () => {
    await stack?.stop();
    await consumer.stop();
    delete process.env.EVENT_TARGET_URL;
    resetConfigForTests();
  });

  it('delivers every acknowledged event to the target after the outage, each operation under one eventId', { timeout: 300_000 }, async () => {
    // Prepare
    const simulator = stack.simulator!;
    const calls = new HubCalls(stack);
    const owner = await stack.consoleToken({ tenant: OWNER, admin: true, sub: 'bus-owner' });
    const recipient = await stack.consoleToken({ tenant: RECIPIENT, admin: true, sub: 'bus-recipient' });
    const account = simulator.addAccount({ nickname: 'Bus outage', serviceType: 'service', verified: true, followers: 30, principalName: 'Bus Ltd' });
    const appid = account.appid;
    /** Operation keys the hub acknowledged, with the eventId a push must carry (lifecycle eventIds are the hub's to choose). */
    const acknowledged = new Map<string, string | undefined>();
    let createTime = Math.floor(Date.now() / 1000) - 10_000;

    /** Sends `fields` as two deliveries (sealed twice); acknowledged when both answer `success`. */
    const push = async (fields: Record<string, string | number>) => {
      const xml = { ToUserName: account.userName, ...fields };
      let answered = 0;
      for (let delivery = 0; delivery < 2; delivery += 1) {
        const sealed = signedPush(simulator.credentials, buildXml(xml), { envelope: { ToUserName: account.userName } });
        sealed.query.set('openid', String(fields.FromUserName));
        const response = await fetch(`${stack.baseUrl}/v1/wechat/accounts/${appid}/messages?${sealed.query}`, {
          method: 'POST',
          headers: { 'content-type': 'text/xml' },
          body: sealed.body,
        });
        const text = await response.text();
        calls.record(response.status, undefined, `/v1/wechat/accounts/${appid}/messages`);
        if (response.status === 200 && text === 'success') answered += 1;
      }
      if (answered === 2) {
        const kind = fields.MsgType === 'event' ? String(fields.Event) : String(fields.MsgType);
        acknowledged.set(`push|${appid}|${String(fields.FromUserName)}|${String(fields.CreateTime)}|${kind}`, eventIdOf(appid, stringFields(xml)));
      }
    };
    const pushes = async (phase: string) => {
      for (const openid of simulator.follow(appid, PUSHES_PER_KIND)) {
        createTime += 1;
        await push({ FromUserName: openid, CreateTime: createTime, MsgType: 'event', Event: 'subscribe', EventKey: '' });
        createTime += 1;
        await push({
          FromUserName: openid,
          CreateTime: createTime,
          MsgType: 'text',
          Content: `hello during the ${phase}`,
          MsgId: `${createTime}${openid.length}`,
        });
      }
    };

    // Act 1: the bus refuses while the account is bound and synced, pushes arrive, and it is shared and the share revoked.
    stack.events.refuse(true);
    expect((await bindWithRetries(stack, calls, OWNER, appid)).bound).toBe(true);
    acknowledged.set(`Account Bound|${appid}|${OWNER}`, undefined);
    const jobId = await currentSync(calls, owner, appid);
    if ((await syncEnded(calls, owner, appid, jobId)).status === 'done') acknowledged.set(`sync|${jobId}`, undefined);
    await pushes('bus outage');
    const codes = await calls.call('POST', `/v1/accounts/${appid}/share-codes`, owner, { count: 1 });
    const redeemed = await calls.call('POST', '/v1/shared-accounts', recipient, { code: codes.json?.codes?.[0] });
    if (redeemed.status < 300) acknowledged.set(`Account Shared|${appid}|${RECIPIENT}`, undefined);
    const revoked = await calls.call('DELETE', `/v1/accounts/${appid}/shares/${RECIPIENT}`, owner);
    if (revoked.status < 300) acknowledged.set(`Share Revoked|${appid}|${RECIPIENT}`, undefined);
    const heldByOutage = acknowledged.size;
    const takenDuringOutage = consumer.taken.length;

    // Act 2: the bus takes events again, the target fails, more pushes arrive.
    consumer.failing = true;
    stack.events.refuse(false);
    await pushes('target failure');
    await waitFor(
      async () => (consumer.refused >= 3 ? true : undefined),
      'the target to refuse deliveries',
      async () => consumer.refused,
      30_000,
    );

    // Act 3: everything recovers.
    consumer.failing = false;
    await stack.events.drain();
    const delivered = () => {
      const byKey = consumer.distinctByKey(keyOf);
      return [...acknowledged.keys()].filter((key) => byKey.has(key)).length;
    };
    await waitFor(
      async () => (delivered() === acknowledged.size ? true : undefined),
      'every acknowledged event at the target',
      async () => delivered(),
      30_000,
    ).catch(() => undefined);

    // Assess
    const byKey = consumer.distinctByKey(keyOf);
    let lost = 0;
    let duplicated = 0;
    for (const [key, eventId] of acknowledged) {
      const ids = byKey.get(key) ?? new Set<string>();
      if (ids.size === 0 || (eventId !== undefined && !ids.has(eventId))) lost += 1;
      duplicated += Math.max(0, ids.size - 1);
    }
    const distinct = new Set(consumer.taken.map((envelope) => String(envelope.detail.eventId))).size;
    const redeliveries = consumer.taken.length - distinct;
    const figures = {
      faultsInjected: consumer.refused + heldByOutage,
      operations: calls.operations,
      lost,
      duplicated,
      serverErrors: calls.serverErrors.length,
    };
    printFigures(`bus outage (${acknowledged.size} acknowledged events, ${distinct} distinct eventIds taken, ${redeliveries} raw redeliveries)`, figures);
    expect(takenDuringOutage).toBe(0);
    expect(redeliveries).toBeGreaterThan(0);
    expect(consumer.refused).toBeGreaterThanOrEqual(3);
    expect(acknowledged.size).toBe(4 + 4 * PUSHES_PER_KIND);
    expect(figures).toMatchObject({ lost: 0, duplicated: 0, serverErrors: 0 });
  });
});

/** The XML's fields as the hub parses them (every value a string). */
function stringFields(xml: Record<string, string | number>): Record<string, string> {
  return Object.fromEntries(Object.entries(xml).map(([name, value]) => [name, String(value)]));
}
