/**
 * Helpers for the WeCom simulator's tests: a started simulator, WeCom-style calls over loopback
 * HTTP, the suite's install flow as the hub runs it, and a hub stand-in that checks each push's
 * `msg_signature` and decrypts it with WECOM.md §1.1's algorithm written out here with node:crypto
 * (independently of the simulator's sealing, so a mistake there cannot hide).
 */
import { createDecipheriv, createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  startWeComSimulator,
  wecomSimulatorCredentials,
  type CorpSpec,
  type VisibleRange,
  type WeComSimulator,
  type WeComSimulatorOptions,
} from '#infra/local/wecom-simulator/simulator.ts';

export const suite = wecomSimulatorCredentials;
export type Json = Record<string, any>;

export async function post(sim: WeComSimulator, path: string, body: unknown): Promise<Json> {
  const response = await fetch(`${sim.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await response.json()) as Json;
}

export async function get(sim: WeComSimulator, path: string): Promise<Json> {
  return (await (await fetch(`${sim.baseUrl}${path}`)).json()) as Json;
}

export async function startSimulator(options: WeComSimulatorOptions = {}): Promise<WeComSimulator> {
  return startWeComSimulator({ ticketIntervalMs: 0, pushRetryDelayMs: 10, ...options });
}

export const smallCorp: CorpSpec = { corpName: 'Test Corp', members: 6, departments: 2, customers: 40 };

export async function suiteToken(sim: WeComSimulator): Promise<string> {
  if (!sim.currentTicket()) await sim.pushTicket();
  const answer = await post(sim, '/cgi-bin/service/get_suite_token', {
    suite_id: suite.suiteId,
    suite_secret: suite.suiteSecret,
    suite_ticket: sim.currentTicket(),
  });
  if (typeof answer.suite_access_token !== 'string') throw new Error(`no suite token: ${JSON.stringify(answer)}`);
  return answer.suite_access_token;
}

/** get_pre_auth_code + set_session_info (auth_type 1, the app is unreleased), as the hub's installations route does. */
export async function preAuthCode(sim: WeComSimulator, token: string): Promise<string> {
  const { pre_auth_code: code } = await get(sim, `/cgi-bin/service/get_pre_auth_code?suite_access_token=${token}`);
  await post(sim, `/cgi-bin/service/set_session_info?suite_access_token=${token}`, { pre_auth_code: code, session_info: { auth_type: 1 } });
  return code as string;
}

export interface Installed {
  suiteToken: string;
  corpId: string;
  permanentCode: string;
  corpToken: string;
}

/** Install → v2/get_permanent_code → get_corp_token: what the hub does after the redirect. */
export async function installCorp(sim: WeComSimulator, corpId: string, range: Partial<VisibleRange> = {}): Promise<Installed> {
  const token = await suiteToken(sim);
  const { location } = await sim.install({
    preAuthCode: await preAuthCode(sim, token),
    corpId,
    range: { departments: range.departments ?? [1], users: range.users ?? [], tags: range.tags ?? [] },
    redirectUri: 'http://127.0.0.1:9/v1/wecom/installed',
    state: 'test1',
  });
  const authCode = new URL(location).searchParams.get('auth_code');
  const permanent = await post(sim, `/cgi-bin/service/v2/get_permanent_code?suite_access_token=${token}`, { auth_code: authCode });
  const corp = await post(sim, `/cgi-bin/service/get_corp_token?suite_access_token=${token}`, {
    auth_corpid: corpId,
    permanent_code: permanent.permanent_code,
  });
  return { suiteToken: token, corpId, permanentCode: permanent.permanent_code, corpToken: corp.access_token };
}

// ---- WECOM.md §1.1, written out ----------------------------------------------------------------

export function sha1Signature(token: string, timestamp: string, nonce: string, encrypt: string): string {
  return createHash('sha1').update([token, timestamp, nonce, encrypt].sort().join('')).digest('hex');
}

/** AES-256-CBC, IV = key[0..16), PKCS#7 to 32 bytes (pad 1..32, unpadded by hand), `random(16) | len(4, BE) | msg | ReceiveId`. */
export function wecomDecrypt(encrypt: string, encodingAesKey: string): { message: string; receiveId: string; pad: number } {
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(Buffer.from(encrypt, 'base64')), decipher.final()]);
  const pad = plain[plain.length - 1]!;
  if (pad < 1 || pad > 32) throw new Error(`bad pad ${pad}`);
  const body = plain.subarray(0, plain.length - pad);
  const length = body.readUInt32BE(16);
  return { message: body.subarray(20, 20 + length).toString('utf8'), receiveId: body.subarray(20 + length).toString('latin1'), pad };
}

/** The text of every `<Name>…</Name>` directly or deeply inside, CDATA unwrapped (enough for WeCom's pushes). */
export function xmlFields(xml: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of xml.matchAll(/<([A-Za-z]+)>(?:<!\[CDATA\[([\s\S]*?)\]\]>|([^<]*))<\/\1>/g)) fields[match[1]!] = match[2] ?? match[3] ?? '';
  return fields;
}

export interface ReceivedPush {
  path: string;
  query: URLSearchParams;
  envelope: Record<string, string>;
  receiveId: string;
  /** The decrypted plaintext's fields. */
  message: Record<string, string>;
  plaintext: string;
}

export interface HubStandIn {
  readonly baseUrl: string;
  readonly pushes: ReceivedPush[];
  /** Answer the next `n` pushes with HTTP 500 (the simulator's retries). */
  failNext(n: number): void;
  /** The pushes received so far whose InfoType (and ChangeType) match. */
  received(infoType: string, changeType?: string): ReceivedPush[];
  stop(): Promise<void>;
}

/** Answers `success` to every push whose signature matches and that decrypts, 400 otherwise. */
export async function startHubStandIn(credentials: { token: string; aesKey: string } = suite): Promise<HubStandIn> {
  const pushes: ReceivedPush[] = [];
  let failing = 0;
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (failing > 0) {
      failing -= 1;
      res.writeHead(500).end('down');
      return;
    }
    try {
      const body = Buffer.concat(chunks).toString('utf8');
      const envelope = xmlFields(body);
      const q = url.searchParams;
      if (sha1Signature(credentials.token, q.get('timestamp') ?? '', q.get('nonce') ?? '', envelope.Encrypt ?? '') !== q.get('msg_signature'))
        throw new Error('bad signature');
      const { message, receiveId } = wecomDecrypt(envelope.Encrypt!, credentials.aesKey);
      pushes.push({ path: url.pathname, query: q, envelope, receiveId, message: xmlFields(message), plaintext: message });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('success');
    } catch {
      res.writeHead(400).end('bad push');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    pushes,
    failNext: (n) => {
      failing = n;
    },
    received: (infoType, changeType) =>
      pushes.filter((p) => p.message.InfoType === infoType && (changeType === undefined || p.message.ChangeType === changeType)),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
