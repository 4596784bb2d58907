/**
 * The simulator plays a WeChat user (infra/local/wechat-simulator/user-actions.ts): each action is
 * the push WeChat sends, signed and encrypted, to the account's message URL, and the answer's passive
 * reply comes back verified and decrypted. The stand-in hub here replies to every push with an
 * encrypted text naming what it received (or, told to, with a reply signed with the wrong token).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { demoAccounts, type WeChatSimulator } from '#infra/local/wechat-simulator/simulator.ts';
import { MessageCrypto } from '#shared/wechat/crypto.ts';
import { buildEncryptedReply, parseEnvelope } from '#shared/wechat/messages.ts';
import { buildPassiveReply } from '#shared/wechat/passive-replies.ts';
import { parseFlatXml } from '#shared/wechat/xml.ts';
import { authorizeAccount, component, post, startSimulator } from './support.ts';

const appid = demoAccounts.verifiedService.appid;

interface ReplyingHub {
  baseUrl: string;
  received: Record<string, string>[];
  mode: 'reply' | 'success' | 'forged';
  stop(): Promise<void>;
}

async function startReplyingHub(): Promise<ReplyingHub> {
  const crypto = new MessageCrypto({ token: component.token, encodingAesKey: component.aesKey, appId: component.componentAppId });
  const forger = new MessageCrypto({ token: 'not-the-token', encodingAesKey: component.aesKey, appId: component.componentAppId });
  const hub: ReplyingHub = { baseUrl: '', received: [], mode: 'reply', stop: async () => undefined };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // Authorization pushes to the component URL: acknowledged.
    if (!url.pathname.endsWith('/messages')) return void res.end('success');
    const q = url.searchParams;
    const { encrypt } = parseEnvelope(Buffer.concat(chunks).toString('utf8'));
    const message = parseFlatXml(
      crypto.open({ msgSignature: q.get('msg_signature')!, timestamp: q.get('timestamp')!, nonce: q.get('nonce')!, encrypt }).message,
    );
    hub.received.push(message);
    if (hub.mode === 'success') return void res.end('success');
    const xml = buildPassiveReply(
      { toUserName: message.FromUserName!, fromUserName: message.ToUserName!, createTime: 1_714_000_000 },
      { type: 'text', content: `got ${message.MsgType}/${message.Event ?? message.Content ?? ''}/${message.EventKey ?? ''}` },
    );
    const sealed = (hub.mode === 'forged' ? forger : crypto).seal(xml, { timestamp: '1714000000', nonce: 'n1' });
    res.writeHead(200, { 'content-type': 'application/xml' }).end(buildEncryptedReply(sealed));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hub.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  hub.stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return hub;
}

describe('the simulated WeChat user', () => {
  let hub: ReplyingHub;
  let sim: WeChatSimulator;

  beforeAll(async () => {
    hub = await startReplyingHub();
    sim = await startSimulator({ hubBaseUrl: hub.baseUrl });
    const { accessToken } = await authorizeAccount(sim, appid, [1, 2, 15]);
    await post(sim, `/cgi-bin/menu/create?access_token=${accessToken}`, {
      button: [
        { type: 'click', name: '今日', key: 'V1001_TODAY' },
        { name: '更多', sub_button: [{ type: 'view', name: '官网', url: 'https://example.com/' }] },
      ],
    });
  });
  afterAll(async () => {
    await sim.stop();
    await hub.stop();
  });
  beforeEach(() => {
    hub.mode = 'reply';
  });

  it('sends a text and shows the decrypted reply', async () => {
    // Act
    const result = await sim.userAction(appid, { kind: 'text', content: 'hello' });

    // Assess
    expect(result.push).toMatchObject({ MsgType: 'text', Content: 'hello', FromUserName: result.openid });
    expect(result.reply).toMatchObject({ msgType: 'text', content: 'got text/hello/' });
    expect(result.reply?.xml).toContain(`<ToUserName><![CDATA[${result.openid}]]></ToUserName>`);
    expect(result.problem).toBeUndefined();
  });

  it('taps a click button of the menu the hub set: CLICK with its key', async () => {
    // Act
    const result = await sim.userAction(appid, { kind: 'click', key: 'V1001_TODAY' });

    // Assess
    expect(result.reply?.content).toBe('got event/CLICK/V1001_TODAY');
  });

  it('taps a view sub-button by position: VIEW with its URL', async () => {
    // Act
    const result = await sim.userAction(appid, { kind: 'click', position: [1, 0] });

    // Assess
    expect(result.push).toMatchObject({ Event: 'VIEW', EventKey: 'https://example.com/' });
  });

  it('refuses to tap a button the menu does not have', async () => {
    // Act / Assess
    await expect(sim.userAction(appid, { kind: 'click', key: 'NOPE' })).rejects.toThrow(/no such button/);
  });

  it('scans a QR code as a follower (SCAN) and as a new follower (qrscene_ subscribe)', async () => {
    // Act
    const scan = await sim.userAction(appid, { kind: 'scan', scene: 'shop-1' });
    const qrFollow = await sim.userAction(appid, { kind: 'scan', scene: 'shop-1', subscribe: true });

    // Assess
    expect([scan.push.Event, scan.push.EventKey, qrFollow.push.Event, qrFollow.push.EventKey]).toEqual(['SCAN', 'shop-1', 'subscribe', 'qrscene_shop-1']);
    expect(qrFollow.push.Ticket).toEqual(expect.any(String));
  });

  it('shares a location as a location message', async () => {
    // Act
    const result = await sim.userAction(appid, { kind: 'location', latitude: 31.2304, longitude: 121.4737, label: '上海' });

    // Assess
    expect(result.push).toMatchObject({ MsgType: 'location', Location_X: '31.2304', Location_Y: '121.4737', Label: '上海' });
  });

  it('follows and unfollows, changing who follows the account', async () => {
    // Prepare
    const before = sim.account(appid)!.followerCount;

    // Act
    const follow = await sim.userAction(appid, { kind: 'follow' });
    const afterFollow = sim.account(appid)!.followerCount;
    const unfollow = await sim.userAction(appid, { kind: 'unfollow', openid: follow.openid });

    // Assess
    expect([follow.push.Event, unfollow.push.Event, unfollow.openid]).toEqual(['subscribe', 'unsubscribe', follow.openid]);
    expect([afterFollow, sim.account(appid)!.followerCount]).toEqual([before + 1, before]);
  });

  it('shows no reply when the hub answers success', async () => {
    // Prepare
    hub.mode = 'success';

    // Act
    const result = await sim.userAction(appid, { kind: 'text', content: 'hello' });

    // Assess
    expect([result.reply, result.body, result.problem]).toEqual([null, 'success', undefined]);
  });

  it('names the problem when the reply is not signed with the component token', async () => {
    // Prepare
    hub.mode = 'forged';

    // Act
    const result = await sim.userAction(appid, { kind: 'text', content: 'hello' });

    // Assess
    expect(result.reply).toBeNull();
    expect(result.problem).toMatch(/not an encrypted reply WeChat accepts/);
  });

  it('serves the user page at /__sim/user', async () => {
    // Act
    const response = await fetch(`${sim.baseUrl}/__sim/user`);

    // Assess
    expect([response.status, response.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    expect(await response.text()).toContain('/user/');
  });

  it('drives the user from the admin API', async () => {
    // Act
    const response = await fetch(`${sim.baseUrl}/__sim/accounts/${appid}/user/click`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: 'V1001_TODAY' }),
    });

    // Assess
    expect(response.status).toBe(200);
    expect(((await response.json()) as { reply: { content: string } }).reply.content).toBe('got event/CLICK/V1001_TODAY');
  });
});
