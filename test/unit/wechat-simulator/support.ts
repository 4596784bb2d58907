/**
 * Helpers for the simulator's tests: a started simulator, WeChat-style calls over loopback HTTP, and
 * a tiny hub stand-in that receives the simulator's pushes and decrypts them with MessageCrypto.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MessageCrypto } from '#shared/wechat/crypto.ts';
import { parseEnvelope } from '#shared/wechat/messages.ts';
import { parseFlatXml } from '#shared/wechat/xml.ts';
import { simulatorCredentials, startWeChatSimulator, type SimulatorOptions, type WeChatSimulator } from '#infra/local/wechat-simulator/simulator.ts';

export const component = simulatorCredentials;
export type Json = Record<string, any>;

export async function post(sim: WeChatSimulator, path: string, body: unknown): Promise<Json> {
  const response = await fetch(`${sim.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await response.json()) as Json;
}

export async function get(sim: WeChatSimulator, path: string): Promise<Json> {
  return (await (await fetch(`${sim.baseUrl}${path}`)).json()) as Json;
}

export async function componentToken(sim: WeChatSimulator): Promise<string> {
  if (!sim.currentTicket()) await sim.pushTicket();
  const answer = await post(sim, '/cgi-bin/component/api_component_token', {
    component_appid: component.componentAppId,
    component_appsecret: component.componentSecret,
    component_verify_ticket: sim.currentTicket(),
  });
  if (typeof answer.component_access_token !== 'string') throw new Error(`no component token: ${JSON.stringify(answer)}`);
  return answer.component_access_token;
}

export async function preAuthCode(sim: WeChatSimulator, token: string): Promise<string> {
  const answer = await post(sim, `/cgi-bin/component/api_create_preauthcode?component_access_token=${token}`, { component_appid: component.componentAppId });
  return answer.pre_auth_code as string;
}

export interface Authorized {
  componentToken: string;
  accessToken: string;
  refreshToken: string;
}

/** Consent + api_query_auth for `appid`: what the hub does when binding an account. */
export async function authorizeAccount(sim: WeChatSimulator, appid: string, funcIds: number[] = [1, 2, 3, 24]): Promise<Authorized> {
  const token = await componentToken(sim);
  const { location } = await sim.consent({ preAuthCode: await preAuthCode(sim, token), appid, funcIds, redirectUri: 'http://127.0.0.1:9/callback' });
  const code = new URL(location).searchParams.get('auth_code');
  const answer = await post(sim, `/cgi-bin/component/api_query_auth?component_access_token=${token}`, {
    component_appid: component.componentAppId,
    authorization_code: code,
  });
  return {
    componentToken: token,
    accessToken: answer.authorization_info.authorizer_access_token,
    refreshToken: answer.authorization_info.authorizer_refresh_token,
  };
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<WeChatSimulator> {
  return startWeChatSimulator({ ticketIntervalMs: 0, ...options });
}

export interface ReceivedPush {
  path: string;
  query: URLSearchParams;
  envelope: Record<string, string>;
  /** The decrypted plaintext's fields. */
  message: Record<string, string>;
}

export interface HubStandIn {
  readonly baseUrl: string;
  readonly pushes: ReceivedPush[];
  /** Resolves with the next push (or the ones already received but not yet taken). */
  next(): Promise<ReceivedPush>;
  stop(): Promise<void>;
}

/** Answers `success` to every push it can verify and decrypt, 400 otherwise, as the hub does. */
export async function startHubStandIn(): Promise<HubStandIn> {
  const crypto = new MessageCrypto({ token: component.token, encodingAesKey: component.aesKey, appId: component.componentAppId });
  const pushes: ReceivedPush[] = [];
  let taken = 0;
  const waiters: Array<() => void> = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const q = url.searchParams;
    try {
      const body = Buffer.concat(chunks).toString('utf8');
      const envelope = parseFlatXml(body);
      const { encrypt } = parseEnvelope(body);
      if (!crypto.verifyPlain({ signature: q.get('signature') ?? '', timestamp: q.get('timestamp') ?? '', nonce: q.get('nonce') ?? '' }))
        throw new Error('bad signature');
      const { message } = crypto.open({
        msgSignature: q.get('msg_signature') ?? '',
        timestamp: q.get('timestamp') ?? '',
        nonce: q.get('nonce') ?? '',
        encrypt,
      });
      pushes.push({ path: url.pathname, query: q, envelope, message: parseFlatXml(message) });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('success');
    } catch {
      res.writeHead(400).end('bad push');
    }
    waiters.splice(0).forEach((wake) => wake());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    pushes,
    async next() {
      while (taken >= pushes.length) await new Promise<void>((resolve) => waiters.push(resolve));
      return pushes[taken++]!;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
