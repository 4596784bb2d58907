/**
 * The WeCom customer flow through the local stack, the WeChat simulator and the WeCom simulator (issue
 * 16, API.md §7): a small corp whose customers are partly followers of a small account the tenant owns;
 * install → `GET /v1/wecom/installed` → customer sync → link (customers' followers get
 * `external_userid`, the others `pending_id`) → `edit_external_contact` and `del_follow_user` pushes,
 * each delivered twice and applied once → a follow push of a WeChat user who is a customer, linked
 * without a sync → `cancel_auth` → `DELETE /v1/wecom/corp` 204 with nothing of the corp left in the
 * table; and none of the permanent code, the suite/corp tokens or the mini program's secret in a
 * response, a log line or a bus event. One stack for the whole file.
 */
import { ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '#infra/local/stack.ts';
import { createDocumentClient } from '#shared/db/client.ts';
import { eventuallyValue } from '#test/e2e/support/eventually.ts';
import { bindThroughSimulator } from '#test/e2e/support/binding.ts';

const TENANT = 't-wecom-flow';
const MP_SECRET = 'mpsecretWeComFlow0123456789abcdef';
const SECRET_FIELDS = ['permanent_code', 'access_token', 'suite_access_token', 'provider_access_token'];
const lines: string[] = [];
const events: Array<{ 'detail-type': string; detail: Record<string, unknown> }> = [];
const answers: string[] = [];
/** Every secret the simulated WeCom handed the hub, recorded off the wire, and the mini program's. */
const secrets = new Set<string>([MP_SECRET]);
/** The simulator's pushes to the hub's suite callback, to deliver again. */
const pushes: Array<{ url: string; init: RequestInit }> = [];

const eventually = <T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000) => eventuallyValue(probe, what, timeoutMs);

interface Customer {
  externalUserId: string;
  name: string;
  followUsers: { userId: string }[];
  follower?: { appid: string; openid: string; unionid: string };
}

describe('the WeCom customer flow against the simulators', () => {
  let stack: LocalStack;
  let sim: string;
  let wechatSim: string;
  let token: string;
  let appid: string;
  let corpId: string;
  let linked: Array<{ externalUserid: string; unionid: string; openid: string }>;
  const previousApiBase = process.env.WECOM_API_BASE;
  const write = process.stdout.write.bind(process.stdout);
  const realFetch = globalThis.fetch;

  const hub = async (method: string, path: string, body?: unknown) => {
    const response = await realFetch(`${stack.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    answers.push(text);
    return { status: response.status, json: text ? (JSON.parse(text) as Record<string, any>) : {} };
  };
  const post = (base: string, path: string, body: unknown = {}, method = 'POST') =>
    realFetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
      async (r) => (await r.json()) as Record<string, any>,
    );
  const customers = async (): Promise<Customer[]> => (await hub('GET', '/v1/wecom/customers?limit=500')).json.customers as Customer[];
  const contact = async (unionid: string) => (await hub('GET', `/v1/contacts/${unionid}`)).json;
  const changedEvents = async () => {
    await stack.events.drain();
    return events.filter((event) => event['detail-type'] === 'WeCom Customer Changed').map((event) => event.detail);
  };
  const replayPushesSince = async (mark: number) => {
    for (const push of pushes.slice(mark)) {
      const response = await realFetch(push.url, push.init);
      answers.push(await response.text());
    }
  };

  beforeAll(async () => {
    delete process.env.WECOM_API_BASE;
    globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url.includes('/v1/wecom/suite') && init?.method === 'POST') pushes.push({ url, init });
      const response = await realFetch(input, init);
      if (url.includes('/cgi-bin/')) {
        const body = (await response
          .clone()
          .json()
          .catch(() => ({}))) as Record<string, unknown>;
        for (const field of SECRET_FIELDS) if (typeof body[field] === 'string') secrets.add(body[field] as string);
      }
      return response;
    }) as typeof fetch;
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      lines.push(String(chunk));
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stdout.write;
    stack = await startLocalStack({
      port: 0,
      inMemory: true,
      simulator: { ticketIntervalMs: 0 },
      wecomSimulator: { ticketIntervalMs: 0 },
      log: (line) => lines.push(line),
    });
    stack.events.subscribe((envelope) => void events.push(envelope as (typeof events)[number]));
    sim = stack.wecomSimulator!.baseUrl;
    wechatSim = stack.simulator!.baseUrl;
    token = await stack.consoleToken({ tenant: TENANT, admin: true, sub: 'admin-1' });
    // A small account of the tenant, every follower with a unionid; its fan sync runs on binding.
    await stack.simulator!.pushTicket();
    appid = (
      (await post(wechatSim, '/__sim/accounts', { nickname: 'WeCom flow', serviceType: 'service', verified: true, followers: 30, unionidRatio: 1 }))
        .account as { appid: string }
    ).appid;
    await bindThroughSimulator(stack, { tenant: TENANT, appid });
    await eventually(async () => ((await hub('GET', `/v1/accounts/${appid}/fans?limit=100`)).json.fans?.length === 30 ? true : undefined), 'the fan sync');
    await createDocumentClient(stack.dynamoDbEndpoint).send(
      new UpdateCommand({
        TableName: stack.tableName,
        Key: { pk: `TENANT#${TENANT}`, sk: 'TENANT' },
        UpdateExpression: 'SET features = :features',
        ExpressionAttributeValues: { ':features': { wecom: true } },
      }),
    );
    // A small corp: half of the account's followers (and of the next 10 it will have) are its customers.
    corpId = (
      (
        await post(sim, '/__sim/corps', {
          corpName: 'Flow Corp',
          members: 3,
          departments: 1,
          customers: 40,
          linkedAccount: { appid, followers: 40, unionidRatio: 1, share: 0.5 },
        })
      ).corp as { corpId: string }
    ).corpId;
    linked = ((await realFetch(`${sim}/__sim/corps/${corpId}/linked-followers`).then((r) => r.json())) as { followers: typeof linked }).followers;
    await post(sim, '/__sim/push-ticket');
  }, 120_000);

  afterAll(async () => {
    globalThis.fetch = realFetch;
    process.stdout.write = write;
    await stack?.stop();
    if (previousApiBase !== undefined) process.env.WECOM_API_BASE = previousApiBase;
  });

  it('installs the corp through the install link and GET /v1/wecom/installed', async () => {
    // Act
    const link = await hub('POST', '/v1/wecom/installations');
    const installUrl = new URL(String(link.json.installUrl));
    const installed = await post(sim, `/__sim/corps/${corpId}/install`, {
      preAuthCode: installUrl.searchParams.get('pre_auth_code'),
      redirectUri: installUrl.searchParams.get('redirect_uri'),
      state: installUrl.searchParams.get('state'),
      departments: [1],
    });
    const redirect = await realFetch(String(installed.location), { redirect: 'manual' });
    const secret = await hub('PUT', '/v1/wecom/miniprogram-secret', { appid: 'wx00000000000000f1', secret: MP_SECRET });

    // Assess
    expect(redirect.status).toBe(302);
    expect(Object.fromEntries(new URL(redirect.headers.get('location')!).searchParams)).toEqual({ wecom: 'ok', corpId });
    expect((await hub('GET', '/v1/wecom/corp')).json).toMatchObject({ corpId, status: 'installed', customerPermission: true });
    expect(secret.json).toMatchObject({ secretSet: true });
  });

  it('syncs the customers and links the followers: customers get their external_userid, the others a pending_id', async () => {
    // Act
    const { json } = await hub('POST', '/v1/wecom/customer-syncs');
    const job = await eventually(async () => {
      const view = (await hub('GET', `/v1/wecom/customer-syncs/${json.jobId}`)).json;
      return view.status === 'done' || view.status === 'failed' ? view : undefined;
    }, 'the customer sync');

    // Assess
    const ofAccount = linked.filter((follower) => Number.parseInt(follower.openid.slice(9, 15), 36) < 30);
    expect(job).toMatchObject({ status: 'done', linked: ofAccount.length, pending: 30 - ofAccount.length, failed: 0 });
    const fans = (await hub('GET', `/v1/accounts/${appid}/fans?limit=100`)).json.fans as Array<{ openid: string; unionid: string }>;
    const customerOpenids = new Set(ofAccount.map((follower) => follower.openid));
    const contacts = await Promise.all(fans.map(async (fan) => ({ fan, wecom: (await contact(fan.unionid)).wecom })));
    for (const { fan, wecom } of contacts) {
      if (customerOpenids.has(fan.openid)) expect(wecom).toMatchObject({ corpId, externalUserId: linked.find((l) => l.openid === fan.openid)!.externalUserid });
      else expect(wecom).toMatchObject({ corpId, pendingId: expect.any(String) });
    }
  });

  it('applies an edit_external_contact and a del_follow_user push once, each delivered twice', async () => {
    // Prepare
    const list = await customers();
    // A customer of two members loses one of them (one of a single member would be marked removed instead).
    const dropped = list.find((customer) => customer.followUsers.length >= 2);
    const edited = list.find((customer) => customer !== dropped);
    const before = (await changedEvents()).length;
    const mark = pushes.length;

    // Act
    await post(sim, `/__sim/corps/${corpId}/customers/${edited!.externalUserId}`, { userid: edited!.followUsers[0]!.userId, name: 'Renamed' }, 'PATCH');
    await post(sim, `/__sim/corps/${corpId}/customers/${dropped!.externalUserId}/remove-follow`, { userid: dropped!.followUsers[0]!.userId, by: 'customer' });
    const applied = await eventually(async () => {
      const list = await customers();
      const renamed = list.find((c) => c.externalUserId === edited!.externalUserId);
      const left = list.find((c) => c.externalUserId === dropped!.externalUserId);
      const gone = !left?.followUsers.some((f) => f.userId === dropped!.followUsers[0]!.userId);
      return renamed?.name === 'Renamed' && gone && (await changedEvents()).length - before >= 2 ? list : undefined;
    }, 'the edit and the removed follow user applied');
    // WeCom delivers both pushes again (as it does when an answer is late).
    await replayPushesSince(mark);
    await eventually(async () => {
      const { visible, inFlight, delayed } = stack.queues.stats('wecom-events');
      return visible + inFlight + delayed === 0 ? true : undefined;
    }, 'the repeated pushes handled');

    // Assess
    const changed = (await changedEvents()).slice(before);
    expect(pushes.length - mark).toBe(2);
    expect(await customers()).toEqual(applied);
    expect(applied.find((c) => c.externalUserId === dropped!.externalUserId)?.followUsers.map((f) => f.userId)).not.toContain(dropped!.followUsers[0]!.userId);
    expect(changed.map((event) => event.changeType).sort()).toEqual(['del_follow_user', 'edit_external_contact']);
  });

  it('links a new follower who is a customer as the follow push comes, without a sync', async () => {
    // Prepare
    const syncsBefore = (await realFetch(`${sim}/__sim/calls`).then((r) => r.json())) as { calls: Record<string, number> };

    // Act
    const { openids } = await post(wechatSim, `/__sim/accounts/${appid}/follow`, { count: 10, push: true });
    const nowLinked = ((await realFetch(`${sim}/__sim/corps/${corpId}/linked-followers`).then((r) => r.json())) as { followers: typeof linked }).followers;
    const customer = nowLinked.find((follower) => (openids as string[]).includes(follower.openid));

    // Assess
    expect(customer).toBeDefined();
    const wecom = await eventually(async () => {
      const part = (await contact(customer!.unionid)).wecom;
      return part?.externalUserId ? part : undefined;
    }, 'the new follower linked');
    const calls = (await realFetch(`${sim}/__sim/calls`).then((r) => r.json())) as { calls: Record<string, number> };
    expect(wecom).toMatchObject({ corpId, externalUserId: customer!.externalUserid });
    const listings = (of: { calls: Record<string, number> }) => Object.entries(of.calls).filter(([path]) => path.includes('get_by_user'));
    expect(listings(syncsBefore).length).toBeGreaterThan(0);
    expect(listings(calls)).toEqual(listings(syncsBefore));
  });

  it('after cancel_auth, deletes the corp with 204 and leaves nothing of it in the table', async () => {
    // Act
    await post(sim, `/__sim/corps/${corpId}/uninstall`, { push: true });
    await eventually(async () => ((await hub('GET', '/v1/wecom/corp')).json.status === 'uninstalled' ? true : undefined), 'the corp uninstalled');
    const deleted = await hub('DELETE', '/v1/wecom/corp');
    await stack.events.drain();

    // Assess
    const table = await createDocumentClient(stack.dynamoDbEndpoint).send(new ScanCommand({ TableName: stack.tableName }));
    const items = (table.Items ?? []).filter((item) => JSON.stringify(item).includes(corpId));
    // The receipts of WeCom's pushes (their de-duplication) expire by TTL within 7 days; nothing else may stay.
    const receipts = items.filter((item) => String(item.pk).startsWith('WECOM_EVENT#'));
    const left = items.filter((item) => !receipts.includes(item)).map((item) => `${item.pk} ${item.sk}`);
    expect(deleted.status).toBe(204);
    expect(left).toEqual([]);
    expect(receipts.every((item) => typeof item.ttl === 'number' && item.ttl <= Date.now() / 1000 + 7 * 86_400 + 60)).toBe(true);
  });

  it('let no permanent code, token or secret reach a response, a log line or an event', async () => {
    // Act
    await stack.events.drain();
    const haystack = JSON.stringify({ answers, events, lines });

    // Assess
    expect(secrets.size).toBeGreaterThanOrEqual(4);
    expect([...secrets].filter((value) => haystack.includes(value))).toEqual([]);
  });
});
