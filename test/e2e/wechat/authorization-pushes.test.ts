/**
 * Authorization pushes over real HTTP (issue 17, items 5 and 4): the local stack and the WeChat
 * simulator, with the tests playing WeChat's deliveries themselves (signed pushes), so that they see
 * each answer. `updateauthorized` is answered before any WeChat call and applied from the
 * `authorization-push` queue; a late `unauthorized` dated before the account's current authorization
 * changes nothing.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startLocalStack, type LocalStack } from '#infra/local/stack.ts';
import { authorizationKeys } from '#shared/adapters/dynamodb/authorization-events.ts';
import { createDocumentClient } from '#shared/db/client.ts';
import { buildXml } from '#shared/wechat/xml.ts';
import { bindThroughSimulator, DEFAULT_BIND_FUNC_IDS } from '#test/e2e/support/binding.ts';
import { signedPush, type PushCredentials } from '#test/e2e/support/signed-push.ts';

const GET_AUTHORIZER_INFO = '/cgi-bin/component/api_get_authorizer_info';
/** The hub's WeChat client tries a call this often before it gives up (1 + 3 retries of `-1`). */
const CLIENT_ATTEMPTS = 4;
/**
 * While the test holds WeChat's API answers, a receipt that waits for WeChat never answers: the
 * delivery gives up then, long after any receipt that does not wait would have answered. Not a
 * latency assertion: a deadlock detector.
 */
const GIVE_UP_MS = 30_000;

describe('authorization pushes to the local hub', () => {
  let stack: LocalStack;
  let credentials: PushCredentials;
  let client: DynamoDBDocumentClient;
  let tenantCounter = 0;
  let accountCounter = 0;
  const realFetch = globalThis.fetch;

  /** While closed, the hub's calls to WeChat's APIs wait: WeChat does not answer them yet. */
  let wechatGate: { opened: Promise<void>; open: () => void } | undefined;
  /** While set, the simulator's own pushes to the authorization-event URL are taken in by the test instead of the hub. */
  let interceptSimulatorPushes = false;

  beforeAll(async () => {
    // Before the stack starts: the hub's WeChat client takes `fetch` when it is made.
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if (stack && interceptSimulatorPushes && url.startsWith(`${stack.baseUrl}/v1/wechat/component?`)) return new Response('success');
      if (stack && wechatGate && url.startsWith(`${stack.simulator!.baseUrl}/cgi-bin/`)) await wechatGate.opened;
      return realFetch(input, init);
    });
    stack = await startLocalStack({ port: 0, inMemory: true, simulator: { ticketIntervalMs: 0 }, log: () => undefined });
    credentials = stack.simulator!.credentials;
    client = createDocumentClient(stack.dynamoDbEndpoint);
    await stack.simulator!.pushTicket();
  });

  afterEach(() => {
    wechatGate?.open();
    wechatGate = undefined;
    interceptSimulatorPushes = false;
    stack.simulator!.clearFaults();
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    await stack?.stop();
  });

  const closeWeChatGate = () => {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    wechatGate = { opened, open };
    return () => {
      wechatGate = undefined;
      open();
    };
  };

  const settleQueues = () => Promise.all(stack.queues.names().map((name) => stack.queues.drain(name)));

  const bindNewAccount = async () => {
    tenantCounter += 1;
    accountCounter += 1;
    const tenant = `authpush-${tenantCounter}`;
    const appid = stack.simulator!.addAccount({
      appid: `wxa0e17${String(accountCounter).padStart(11, '0')}`,
      nickname: `Authorization pushes ${accountCounter}`,
      serviceType: 'service',
      verified: true,
      followers: 3,
    }).appid;
    const { location } = await bindThroughSimulator(stack, { tenant, appid });
    expect(location.searchParams.get('bind')).toBe('ok');
    await settleQueues();
    return { tenant, appid };
  };

  const getAccount = async (tenant: string, appid: string) => {
    const token = await stack.consoleToken({ tenant, admin: true });
    const response = await realFetch(`${stack.baseUrl}/v1/accounts/${appid}`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    return (await response.json()) as { status: string; permissions: { id: number }[] };
  };

  const auditActions = async (tenant: string) => {
    const token = await stack.consoleToken({ tenant, admin: true });
    const response = await realFetch(`${stack.baseUrl}/v1/audit`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await response.json()) as { events: { action: string }[] };
    return body.events.map((event) => event.action);
  };

  /** One delivery of a push, as WeChat makes it: freshly signed. */
  const deliver = async (fields: Record<string, string | number>) => {
    const push = signedPush(credentials, buildXml(fields));
    const response = await realFetch(`${stack.baseUrl}/v1/wechat/component?${push.query.toString()}`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body: push.body,
      signal: AbortSignal.timeout(GIVE_UP_MS),
    });
    return { status: response.status, body: await response.text() };
  };

  const eventItem = async (appid: string, createTime: number, infoType: string) =>
    (
      await client.send(
        new GetCommand({
          TableName: stack.tableName,
          Key: { pk: authorizationKeys.account(appid), sk: authorizationKeys.event(createTime, infoType) },
          ConsistentRead: true,
        }),
      )
    ).Item;

  const waitFor = async (what: string, check: () => Promise<boolean> | boolean) => {
    for (let attempt = 0; attempt < 400; attempt += 1) {
      if (await check()) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`gave up waiting until ${what}`);
  };

  it('answers updateauthorized success before any WeChat call, applies it after its WeChat calls failed at first, and applies WeChat’s retry of it once', async () => {
    // Prepare: WeChat changes the account's permission sets; its push is delivered by the test.
    const { tenant, appid } = await bindNewAccount();
    const simulator = stack.simulator!;
    const newFuncIds = [...DEFAULT_BIND_FUNC_IDS.filter((id) => id !== 89), 5];
    interceptSimulatorPushes = true;
    const outcome = await simulator.authorize(appid, newFuncIds);
    interceptSimulatorPushes = false;
    expect(outcome.infoType).toBe('updateauthorized');
    const fields = {
      AppId: credentials.componentAppId,
      CreateTime: outcome.createTime,
      InfoType: outcome.infoType,
      AuthorizerAppid: appid,
      AuthorizationCode: outcome.authCode,
      AuthorizationCodeExpiredTime: outcome.authCodeExpiresAt,
    };
    simulator.resetCalls();
    simulator.injectFault({ path: GET_AUTHORIZER_INFO, errcode: -1, times: CLIENT_ATTEMPTS });
    const openWeChat = closeWeChatGate();

    // Act: the first delivery, answered while WeChat's APIs answer nothing.
    const first = await deliver(fields);
    const callsAtAnswer = simulator.calls();
    const permissionsAtAnswer = (await getAccount(tenant, appid)).permissions.map((set) => set.id);
    openWeChat();
    // The worker's first attempt fails (every call of the client's retries), and the push waits in the queue.
    await waitFor('the first attempt failed and gave the push back', async () => {
      const item = await eventItem(appid, outcome.createTime, 'updateauthorized');
      return (simulator.calls()[GET_AUTHORIZER_INFO] ?? 0) >= CLIENT_ATTEMPTS && item?.state === 'received';
    });
    // WeChat's retry of the same push, while it is queued.
    const retry = await deliver(fields);
    await waitFor('the account shows the new permission sets', async () => (await getAccount(tenant, appid)).permissions.some((set) => set.id === 5));
    await settleQueues();

    // Assess
    expect(first).toEqual({ status: 200, body: 'success' });
    expect(callsAtAnswer[GET_AUTHORIZER_INFO] ?? 0).toBe(0);
    expect(callsAtAnswer['/cgi-bin/component/api_query_auth'] ?? 0).toBe(0);
    expect(permissionsAtAnswer).toContain(89);
    expect(retry).toEqual({ status: 200, body: 'success' });
    const account = await getAccount(tenant, appid);
    expect(account.status).toBe('active');
    expect(account.permissions.map((set) => set.id).sort((a, b) => a - b)).toEqual([...newFuncIds].sort((a, b) => a - b));
    expect(simulator.calls()[GET_AUTHORIZER_INFO]).toBe(CLIENT_ATTEMPTS + 1);
    expect((await auditActions(tenant)).filter((action) => action === 'account.reauthorized')).toHaveLength(1);
    expect((await eventItem(appid, outcome.createTime, 'updateauthorized'))?.state).toBe('applied');
    expect(stack.queues.deadLetters('authorization-push')).toEqual([]);
  }, 120_000);

  it('leaves an active account active on an unauthorized push dated before its current authorization, and revokes it on a newer one', async () => {
    // Prepare
    const { tenant, appid } = await bindNewAccount();
    const simulator = stack.simulator!;
    const authorizedAt = simulator.account(appid)!.authorization.authTime!;
    const lateCreateTime = authorizedAt - 60;

    // Act: WeChat's late retry of a revocation the admin's consent has since superseded.
    const late = await deliver({ AppId: credentials.componentAppId, CreateTime: lateCreateTime, InfoType: 'unauthorized', AuthorizerAppid: appid });
    const afterLate = await getAccount(tenant, appid);
    await simulator.revoke(appid);
    const afterNewer = await getAccount(tenant, appid);

    // Assess
    expect(late).toEqual({ status: 200, body: 'success' });
    expect(afterLate.status).toBe('active');
    expect((await eventItem(appid, lateCreateTime, 'unauthorized'))?.state).toBe('stale');
    expect(afterNewer.status).toBe('revoked');
    expect(await auditActions(tenant)).toContain('account.revoked');
  }, 60_000);
});
