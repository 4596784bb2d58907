/**
 * A signed push is proof that WeChat sent it, not of where it was sent: the signature does not
 * cover the URL. Over real HTTP against the local stack: a push re-sent to another account's message
 * URL is refused and changes nothing, WeChat's re-sending of the same push is answered `success` and
 * processed once, and the URL check keeps to the clock window. Issue 17, item 1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '#infra/local/stack.ts';
import { buildXml } from '#shared/wechat/xml.ts';
import { bindThroughSimulator } from '#test/e2e/support/binding.ts';
import { signedPush, type PushCredentials, type SignedPush } from '#test/e2e/support/signed-push.ts';
import { tableSnapshot } from '#test/e2e/support/table-snapshot.ts';

const RELEASE_TEST_ACCOUNT = 'wx9252c5e0bb1836fc';

describe('a signed push re-sent by someone else, or by WeChat', () => {
  let stack: LocalStack;
  let credentials: PushCredentials;
  let accountCounter = 0;

  /** Everything in the table, the replay cache of push signatures included. */
  const snapshot = async () => {
    await stack.queues.drain('fan-sync');
    return tableSnapshot(stack.dynamoDbEndpoint, stack.tableName, { includePushSignatures: true });
  };
  const messagesPath = (appid: string) => `/v1/wechat/accounts/${appid}/messages`;
  const post = (path: string, push: SignedPush) =>
    fetch(`${stack.baseUrl}${path}?${push.query.toString()}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: push.body });
  /** A bound account of its own tenant, with its `gh_` user name. */
  const boundAccount = async (): Promise<{ appid: string; userName: string; tenant: string }> => {
    accountCounter += 1;
    const account = stack.simulator!.addAccount({
      appid: `wxe2ea${String(accountCounter).padStart(12, '0')}`,
      nickname: `Replay ${accountCounter}`,
      serviceType: 'service',
      verified: true,
      followers: 2,
    });
    const tenant = `t-replay-${accountCounter}`;
    const { location } = await bindThroughSimulator(stack, { tenant, appid: account.appid });
    if (location.searchParams.get('bind') !== 'ok') throw new Error(`binding ${account.appid} failed: ${location}`);
    await stack.queues.drain('fan-sync');
    return { appid: account.appid, userName: account.userName, tenant };
  };
  /** A subscribe event as WeChat seals it for an account's message URL. */
  const subscribePush = (userName: string, openid: string, createTime = Math.floor(Date.now() / 1000)): SignedPush => {
    const push = signedPush(
      credentials,
      buildXml({ ToUserName: userName, FromUserName: openid, CreateTime: createTime, MsgType: 'event', Event: 'subscribe', EventKey: '' }),
      { envelope: { ToUserName: userName } },
    );
    push.query.set('openid', openid);
    return push;
  };
  const itemsOf = (items: string[], pk: string) => items.filter((text) => text.includes(`"pk":"${pk}"`));

  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      inMemory: true,
      wecomSimulator: { ticketIntervalMs: 0 },
      simulator: { ticketIntervalMs: 0 },
      log: () => undefined,
    });
    credentials = stack.simulator!.credentials;
    await stack.simulator!.pushTicket();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('refuses a follow push re-sent to another account’s message URL, and changes nothing', async () => {
    // Prepare
    const victim = await boundAccount();
    const other = await boundAccount();
    const push = subscribePush(victim.userName, 'oReplayedFollower000000000001');
    const delivered = await post(messagesPath(victim.appid), push);
    const before = await snapshot();

    // Act
    const replayed = await post(messagesPath(other.appid), push);

    // Assess
    expect([delivered.status, replayed.status]).toEqual([200, 401]);
    expect((await replayed.json()) as unknown).toEqual({ error: expect.objectContaining({ code: 'unauthorized', message: expect.any(String) }) });
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a push addressed to another account even when it reaches that URL first', async () => {
    // Prepare
    const addressee = await boundAccount();
    const other = await boundAccount();
    const push = subscribePush(addressee.userName, 'oMisaddressedFollower0000001');
    const before = await snapshot();

    // Act
    const response = await post(messagesPath(other.appid), push);

    // Assess
    expect(response.status).toBe(401);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a delivered push re-sent to the URL of an account the hub does not hold', async () => {
    // Prepare
    const account = await boundAccount();
    const push = subscribePush(account.userName, 'oReplayedToStranger000000001');
    await post(messagesPath(account.appid), push);
    const before = await snapshot();

    // Act
    const replayed = await post(messagesPath('wx00000000000000aa'), push);

    // Assess
    expect(replayed.status).toBe(401);
    expect(await snapshot()).toEqual(before);
  });

  it('answers WeChat’s re-sending of a follow push with success and keeps one follower and one history entry', async () => {
    // Prepare
    const account = await boundAccount();
    const openid = 'oRetriedFollower000000000001';
    const push = subscribePush(account.userName, openid);

    // Act
    const first = await post(messagesPath(account.appid), push);
    const retry = await post(messagesPath(account.appid), push);

    // Assess
    expect([first.status, await first.text(), retry.status, await retry.text()]).toEqual([200, 'success', 200, 'success']);
    const items = await snapshot();
    expect(itemsOf(items, `ACCOUNT#${account.appid}#FANS`).filter((text) => text.includes(`"sk":"FAN#${openid}"`))).toHaveLength(1);
    expect(itemsOf(items, `FAN#${account.appid}#${openid}`)).toHaveLength(1);
  });

  it('changes nothing when WeChat re-sends a push it already had answered', async () => {
    // Prepare
    const account = await boundAccount();
    const push = subscribePush(account.userName, 'oRetriedFollower000000000002');
    await post(messagesPath(account.appid), push);
    const before = await snapshot();

    // Act
    const retry = await post(messagesPath(account.appid), push);

    // Assess
    expect([retry.status, await retry.text()]).toEqual([200, 'success']);
    expect(await snapshot()).toEqual(before);
  });

  it('runs the release test’s API case once when WeChat re-sends its message', async () => {
    // Prepare
    const simulator = stack.simulator!;
    const { authCode } = await simulator.authorize(RELEASE_TEST_ACCOUNT);
    const tester = 'ozy4qt5QUADNXORxCVipKMV9dss0';
    const push = signedPush(
      credentials,
      buildXml({
        ToUserName: 'gh_c0f28a78b318',
        FromUserName: tester,
        CreateTime: Math.floor(Date.now() / 1000),
        MsgType: 'text',
        Content: `QUERY_AUTH_CODE:${authCode}`,
        MsgId: '6054768590064713728',
      }),
      { envelope: { ToUserName: 'gh_c0f28a78b318' } },
    );

    // Act
    const first = await post(messagesPath(RELEASE_TEST_ACCOUNT), push);
    const retry = await post(messagesPath(RELEASE_TEST_ACCOUNT), push);
    await stack.queues.drain('release-test');

    // Assess
    expect([first.status, await first.text(), retry.status, await retry.text()]).toEqual([200, '', 200, 'success']);
    expect(simulator.customMessages().filter((message) => message.content === `${authCode}_from_api`)).toHaveLength(1);
  });

  it('refuses a component push re-sent to an account’s message URL', async () => {
    // Prepare
    const account = await boundAccount();
    const push = signedPush(
      credentials,
      buildXml({
        AppId: credentials.componentAppId,
        CreateTime: Math.floor(Date.now() / 1000),
        InfoType: 'component_verify_ticket',
        ComponentVerifyTicket: 'ticket@@@replayed-to-account',
      }),
    );
    const delivered = await post('/v1/wechat/component', push);
    const before = await snapshot();

    // Act
    const replayed = await post(messagesPath(account.appid), push);

    // Assess
    expect(delivered.status).toBe(200);
    expect(replayed.status).toBeGreaterThanOrEqual(400);
    expect(replayed.status).toBeLessThan(500);
    expect(await snapshot()).toEqual(before);
  });

  describe('the URL check', () => {
    const urlCheck = (path: string, timestamp: number) => {
      const push = signedPush(credentials, 'unused', { timestamp });
      const query = new URLSearchParams({
        signature: push.query.get('signature')!,
        timestamp: push.query.get('timestamp')!,
        nonce: push.query.get('nonce')!,
        echostr: '<b>4375120948345356249</b>',
      });
      return fetch(`${stack.baseUrl}${path}?${query}`);
    };

    it.each(['/v1/wechat/component', messagesPath('wx570bc396a51b8ff8')])('on %s refuses a signature whose timestamp is an hour old', async (path) => {
      // Act
      const response = await urlCheck(path, Math.floor(Date.now() / 1000) - 3600);

      // Assess
      expect(response.status).toBe(401);
    });

    it('answers the echostr as plain text the browser must not sniff', async () => {
      // Act
      const response = await urlCheck('/v1/wechat/component', Math.floor(Date.now() / 1000));

      // Assess
      expect([response.status, await response.text()]).toEqual([200, '<b>4375120948345356249</b>']);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    });
  });
});
