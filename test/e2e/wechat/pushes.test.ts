/**
 * WeChat's side of the hub over real HTTP: the local stack (gateway, handlers, embedded DynamoDB,
 * in-process queues) and the WeChat simulator. Issue: the protocol core.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '#infra/local/stack.ts';
import { MessageCrypto } from '#shared/wechat/crypto.ts';
import { parseAccountMessage, parseEnvelope } from '#shared/wechat/messages.ts';
import { resign, signedPush, ticketPush, type PushCredentials } from '#test/e2e/support/signed-push.ts';
import { tableSnapshot } from '#test/e2e/support/table-snapshot.ts';

const TEST_ACCOUNT = 'wx570bc396a51b8ff8';
const TEST_ACCOUNT_USER = 'gh_3c884a361561';

// Order matters: the tests that push made-up tickets come after the ones that need WeChat to accept
// the stored ticket (a made-up ticket that is newer is kept, and the simulator refuses it: 61006).
describe('WeChat pushes to the local hub', () => {
  let stack: LocalStack;
  let credentials: PushCredentials;

  const post = (path: string, push: { query: URLSearchParams; body: string | Buffer }) =>
    fetch(`${stack.baseUrl}${path}?${push.query.toString()}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: push.body });
  const snapshot = () => tableSnapshot(stack.dynamoDbEndpoint, stack.tableName);

  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      inMemory: true,
      wecomSimulator: { ticketIntervalMs: 0 },
      simulator: { ticketIntervalMs: 0 },
      log: () => undefined,
    });
    credentials = stack.simulator!.credentials;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('answers a signed ticket push with success and then mints the component token from that ticket', async () => {
    // Prepare
    const simulator = stack.simulator!;

    // Act
    await simulator.pushTicket();
    const { componentTokenService } = await import('#shared/wiring/tokens.ts');
    const token = await componentTokenService().current();

    // Assess
    expect(token).toEqual(expect.any(String));
    expect(simulator.calls()['/cgi-bin/component/api_component_token']).toBe(1);
  });

  it('lets 50 concurrent callers that need the component token cause exactly one api_component_token call', async () => {
    // Prepare
    const simulator = stack.simulator!;
    simulator.expireComponentToken();
    simulator.setLatency(50);
    const { componentTokenService } = await import('#shared/wiring/tokens.ts');
    const service = componentTokenService();
    const stale = await service.current();
    await service.expire(stale);
    simulator.resetCalls();

    // Act
    const tokens = await Promise.all(Array.from({ length: 50 }, () => service.current()));
    simulator.setLatency(0);

    // Assess
    expect(simulator.calls()['/cgi-bin/component/api_component_token']).toBe(1);
    expect(new Set(tokens).size).toBe(1);
  });

  it('answers the same ticket push twice with success and changes nothing the second time', async () => {
    // Prepare
    const push = signedPush(credentials, ticketPush(credentials.componentAppId, 'ticket@@@replayed', Math.floor(Date.now() / 1000) + 5));
    const first = await post('/v1/wechat/component', push);
    const before = await snapshot();

    // Act
    const second = await post('/v1/wechat/component', push);

    // Assess
    expect([first.status, await first.text(), second.status, await second.text()]).toEqual([200, 'success', 200, 'success']);
    expect(await snapshot()).toEqual(before);
  });

  it('keeps the newer ticket when an older one arrives late', async () => {
    // Prepare
    const now = Math.floor(Date.now() / 1000);
    await post('/v1/wechat/component', signedPush(credentials, ticketPush(credentials.componentAppId, 'ticket@@@newer', now + 60)));
    const before = await snapshot();

    // Act
    const late = await post('/v1/wechat/component', signedPush(credentials, ticketPush(credentials.componentAppId, 'ticket@@@older', now + 30)));

    // Assess
    expect(late.status).toBe(200);
    expect(await snapshot()).toEqual(before);
  });

  describe('refuses, changing nothing,', () => {
    const refusals: [string, () => { query: URLSearchParams; body: string | Buffer }, number][] = [
      [
        'a push whose msg_signature was tampered with',
        () => {
          const push = signedPush(credentials, ticketPush(credentials.componentAppId, 'ticket@@@tampered', Math.floor(Date.now() / 1000) + 100));
          push.query.set('msg_signature', '0'.repeat(40));
          return push;
        },
        401,
      ],
      [
        'an unsigned push',
        () => {
          const push = signedPush(credentials, ticketPush(credentials.componentAppId, 'ticket@@@unsigned', Math.floor(Date.now() / 1000) + 100));
          push.query.delete('msg_signature');
          return push;
        },
        400,
      ],
      [
        'a push encrypted with a foreign key',
        () => {
          const foreign = signedPush(
            { ...credentials, aesKey: 'B'.repeat(43) },
            ticketPush(credentials.componentAppId, 'ticket@@@foreign', Math.floor(Date.now() / 1000) + 100),
          );
          return resign(credentials, foreign, parseEnvelope(String(foreign.body)).encrypt);
        },
        400,
      ],
      [
        'a push for another component',
        () =>
          signedPush(
            { ...credentials, componentAppId: 'wx0000000000000bad' },
            ticketPush('wx0000000000000bad', 'ticket@@@other', Math.floor(Date.now() / 1000) + 100),
          ),
        401,
      ],
      [
        'a push whose body is not XML',
        () => ({ ...signedPush(credentials, ticketPush(credentials.componentAppId, 'ticket@@@x', 1)), body: '{"Encrypt":"abc"}' }),
        400,
      ],
      [
        'a push with an entity expansion',
        () => ({
          ...signedPush(credentials, ticketPush(credentials.componentAppId, 'ticket@@@x', 1)),
          body: '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><xml><Encrypt>&lol2;</Encrypt></xml>',
        }),
        400,
      ],
      [
        'a push of 2 MB',
        () => ({ ...signedPush(credentials, ticketPush(credentials.componentAppId, 'ticket@@@x', 1)), body: Buffer.alloc(2 * 1024 * 1024, 'a') }),
        413,
      ],
      [
        'a push whose timestamp is an hour old',
        () =>
          signedPush(credentials, ticketPush(credentials.componentAppId, 'ticket@@@stale', Math.floor(Date.now() / 1000) + 100), {
            timestamp: Math.floor(Date.now() / 1000) - 3600,
          }),
        401,
      ],
    ];

    it.each(refusals)('%s', async (_name, build, status) => {
      // Prepare
      const push = build();
      const before = await snapshot();

      // Act
      const response = await post('/v1/wechat/component', push);

      // Assess
      expect(response.status).toBe(status);
      expect((await response.json()) as unknown).toEqual({ error: expect.objectContaining({ code: expect.any(String), message: expect.any(String) }) });
      expect(await snapshot()).toEqual(before);
    });
  });

  it('answers the URL check with the echostr when the signature holds, and refuses it otherwise', async () => {
    // Prepare
    const push = signedPush(credentials, 'unused');
    const query = new URLSearchParams({
      signature: push.query.get('signature')!,
      timestamp: push.query.get('timestamp')!,
      nonce: push.query.get('nonce')!,
      echostr: '4375120948345356249',
    });
    const forged = new URLSearchParams(query);
    forged.set('signature', 'f'.repeat(40));

    // Act
    const good = await fetch(`${stack.baseUrl}/v1/wechat/component?${query}`);
    const bad = await fetch(`${stack.baseUrl}/v1/wechat/component?${forged}`);

    // Assess
    expect([good.status, await good.text()]).toEqual([200, '4375120948345356249']);
    expect(bad.status).toBe(401);
  });

  describe('the full-network release test', () => {
    const crypto = () => new MessageCrypto({ token: credentials.token, encodingAesKey: credentials.aesKey, appId: credentials.componentAppId });

    async function openReply(response: Response) {
      const xml = await response.text();
      const sealed = parseEnvelope(xml);
      const fields = Object.fromEntries([...xml.matchAll(/<(MsgSignature|TimeStamp|Nonce)>(?:<!\[CDATA\[)?([^<\]]*)/g)].map((m) => [m[1], m[2]]));
      const opened = crypto().open({ msgSignature: fields.MsgSignature!, timestamp: fields.TimeStamp!, nonce: fields.Nonce!, encrypt: sealed.encrypt });
      return parseAccountMessage(opened.message);
    }

    beforeAll(async () => {
      await stack.simulator!.authorize(TEST_ACCOUNT);
    });

    it('replies to the text case with the callback text, To and From swapped, encrypted and signed', async () => {
      // Act
      const response = await stack.simulator!.sendAccountText(TEST_ACCOUNT, {
        fromUserName: 'ozy4qt5QUADNXORxCVipKMV9dss0',
        content: 'TESTCOMPONENT_MSG_TYPE_TEXT',
      });

      // Assess
      expect(response.status).toBe(200);
      expect(await openReply(response)).toMatchObject({
        kind: 'text',
        toUserName: 'ozy4qt5QUADNXORxCVipKMV9dss0',
        fromUserName: TEST_ACCOUNT_USER,
        content: 'TESTCOMPONENT_MSG_TYPE_TEXT_callback',
      });
    });

    it('replies to an event with the event name and from_callback', async () => {
      // Act
      const response = await stack.simulator!.sendAccountEvent(TEST_ACCOUNT, { fromUserName: 'ozy4qt5QUADNXORxCVipKMV9dss0', event: 'LOCATION' });

      // Assess
      expect(await openReply(response)).toMatchObject({ kind: 'text', content: 'LOCATIONfrom_callback' });
    });

    it('answers the API case empty at once, then sends <code>_from_api as a customer-service message', async () => {
      // Prepare
      const simulator = stack.simulator!;
      const { authCode } = await simulator.authorize(TEST_ACCOUNT);

      // Act
      const response = await simulator.sendAccountText(TEST_ACCOUNT, { fromUserName: 'ozy4qt5QUADNXORxCVipKMV9dss0', content: `QUERY_AUTH_CODE:${authCode}` });
      const body = await response.text();
      await stack.queues.drain('release-test');

      // Assess
      expect([response.status, body]).toEqual([200, '']);
      expect(simulator.customMessages()).toContainEqual(
        expect.objectContaining({ appid: TEST_ACCOUNT, touser: 'ozy4qt5QUADNXORxCVipKMV9dss0', content: `${authCode}_from_api` }),
      );
    });
  });
});
