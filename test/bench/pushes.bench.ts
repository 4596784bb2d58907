/**
 * `npm run bench -- pushes`: 20 000 mixed pushes (texts, CLICKs, follows, WeChat's retries of the same
 * push: half re-sent byte for byte, half re-sealed) through the local gateway's message URL at a fixed
 * concurrency, each stored in the message log with its outbox entry before the answer; then the local
 * bus publishes the outbox. Figures: pushes/s, p50/p99 answer time, events published (distinct
 * eventIds on the bus, which must equal the distinct pushes sent) and deliveries, and `ratio` =
 * the crypto-only floor's pushes/s (verify + decrypt + encrypt a reply of the same pushes, one core,
 * measured in this run) ÷ ours. Knobs: PUSHES_BENCH_N, PUSHES_BENCH_CONCURRENCY, PUSHES_BENCH_ACCOUNTS.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { startLocalStack } from '#infra/local/stack.ts';
import { eventIdOf } from '#shared/domain/messages/wechat-push.ts';
import { MessageCrypto, plainSignature } from '#shared/wechat/crypto.ts';
import { buildXml, parseXmlTree } from '#shared/wechat/xml.ts';
import { bindThroughSimulator } from '#test/e2e/support/binding.ts';

export const description =
  '20 000 mixed pushes (texts, clicks, follows, retries) through the local gateway: pushes/s, p50/p99, events = distinct pushes (ratio = crypto floor ÷ ours)';

const N = Number(process.env.PUSHES_BENCH_N ?? 20_000);
const CONCURRENCY = Number(process.env.PUSHES_BENCH_CONCURRENCY ?? 16);
const ACCOUNTS = Number(process.env.PUSHES_BENCH_ACCOUNTS ?? 4);
const RETRY_SHARE = 0.15;

interface Push {
  appid: string;
  userName: string;
  xml: string;
  eventId: string;
  /** A retry re-sends the sealed request of an earlier push (same signature) instead of sealing again. */
  resendOf?: number;
}

interface Sealed {
  url: string;
  body: string;
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const round = (value: number, digits = 1) => Number(value.toFixed(digits));

function makePushes(accounts: { appid: string; userName: string }[]): Push[] {
  const pushes: Push[] = [];
  const baseTime = Math.floor(Date.now() / 1000);
  for (let i = 0; i < N; i++) {
    const behind = 4 * CONCURRENCY;
    if (i > behind + 10 && (i * 7919) % 100 < RETRY_SHARE * 100) {
      // WeChat's retry of a push sent a little earlier (its answer most likely back by now, as WeChat
      // re-sends after 5 s): half the same bytes (same signature), half sealed again.
      const original = pushes[i - behind - ((i * 31) % 10)]!;
      pushes.push({ ...original, ...(i % 2 === 0 ? { resendOf: pushes.indexOf(original) } : {}) });
      continue;
    }
    const account = accounts[i % accounts.length]!;
    const openid = `oBench${String(i % 997).padStart(22, '0')}`;
    const common = { ToUserName: account.userName, FromUserName: openid, CreateTime: baseTime + i };
    const kind = i % 10;
    const fields: Record<string, string | number> =
      kind < 6
        ? { ...common, MsgType: 'text', Content: `bench message ${i}`, MsgId: String(7_000_000_000_000_000 + i) }
        : kind < 9
          ? { ...common, MsgType: 'event', Event: 'CLICK', EventKey: `MENU_${i % 5}` }
          : { ...common, MsgType: 'event', Event: 'subscribe', EventKey: '' };
    const xml = buildXml(fields);
    pushes.push({ appid: account.appid, userName: account.userName, xml, eventId: eventIdOf(account.appid, parseXmlTree(xml)) });
  }
  return pushes;
}

export async function run(progress: (message: string) => void): Promise<Record<string, unknown>> {
  const stack = await startLocalStack({ port: 0, inMemory: true, log: () => undefined });
  try {
    const simulator = stack.simulator!;
    const credentials = simulator.credentials;
    const crypto = new MessageCrypto({ token: credentials.token, encodingAesKey: credentials.aesKey, appId: credentials.componentAppId });

    progress(`binding ${ACCOUNTS} accounts`);
    const accounts: { appid: string; userName: string }[] = [];
    for (let i = 0; i < ACCOUNTS; i++) {
      const account = simulator.addAccount({ nickname: `bench ${i}`, serviceType: 'service', verified: true, followers: 0 });
      const { location } = await bindThroughSimulator(stack, { tenant: 'bench', appid: account.appid });
      if (location.searchParams.get('bind') !== 'ok') throw new Error(`binding ${account.appid} ended with ${location.search}`);
      accounts.push({ appid: account.appid, userName: account.userName });
    }
    await stack.queues.drain('fan-sync');
    await stack.events.drain();

    const seen = new Set<string>();
    let deliveries = 0;
    stack.events.subscribe((envelope) => {
      if (envelope['detail-type'] !== 'WeChat Message Received' && envelope['detail-type'] !== 'WeChat Event Received') return;
      deliveries += 1;
      seen.add(envelope.detail.eventId);
    });

    const pushes = makePushes(accounts);
    const distinct = new Set(pushes.map((push) => push.eventId)).size;

    // The floor: what a push costs in crypto alone (verify + decrypt, then encrypt a reply), measured on the same pushes.
    progress('measuring the crypto floor');
    const timestamp = String(Math.floor(Date.now() / 1000));
    const sealedForFloor = pushes.map((push) => crypto.seal(push.xml, { timestamp, nonce: '1234567' }));
    const floorStart = performance.now();
    for (const sealed of sealedForFloor) {
      const opened = crypto.open({ msgSignature: sealed.msgSignature, timestamp, nonce: '1234567', encrypt: sealed.encrypt });
      crypto.seal('<xml><Content>reply</Content></xml>', { timestamp, nonce: '1234567', key: opened.key });
    }
    const floorSeconds = (performance.now() - floorStart) / 1000;

    const sealedRequests: Sealed[] = [];
    const seal = (index: number): Sealed => {
      const push = pushes[index]!;
      if (push.resendOf !== undefined && sealedRequests[push.resendOf]) return sealedRequests[push.resendOf]!;
      const ts = String(Math.floor(Date.now() / 1000));
      const nonce = String(randomBytes(4).readUInt32BE(0));
      const sealed = crypto.seal(push.xml, { timestamp: ts, nonce });
      const openid = /<FromUserName><!\[CDATA\[([^\]]+)/.exec(push.xml)![1]!;
      const query = new URLSearchParams({
        signature: plainSignature(credentials.token, ts, nonce),
        timestamp: ts,
        nonce,
        openid,
        encrypt_type: 'aes',
        msg_signature: sealed.msgSignature,
      });
      const request = {
        url: `${stack.baseUrl}/v1/wechat/accounts/${push.appid}/messages?${query}`,
        body: buildXml({ ToUserName: push.userName, Encrypt: sealed.encrypt }),
      };
      sealedRequests[index] = request;
      return request;
    };

    const latencies: number[] = [];
    const statuses: Record<string, number> = {};
    let next = 0;
    let resets = 0;
    const start = performance.now();
    const worker = async () => {
      for (let index = next++; index < pushes.length; index = next++) {
        const request = seal(index);
        const sent = performance.now();
        let answer: Response | undefined;
        // A kept-alive connection the gateway closed at the same moment resets: send again, as WeChat would.
        for (let attempt = 1; !answer; attempt++) {
          try {
            answer = await fetch(request.url, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: request.body });
          } catch (error) {
            resets += 1;
            if (attempt >= 3) throw error;
          }
        }
        await answer.text();
        latencies.push(performance.now() - sent);
        statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
        if (index % 1000 === 0) progress(`${index} / ${pushes.length} pushes sent`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const wallSeconds = (performance.now() - start) / 1000;

    progress('publishing the outbox');
    const publishStart = performance.now();
    for (let pass = 0; pass < 50 && seen.size < distinct; pass++) await stack.events.drain();
    const publishSeconds = (performance.now() - publishStart) / 1000;

    latencies.sort((a, b) => a - b);
    const pushesPerSecond = pushes.length / wallSeconds;
    const floorPushesPerSecond = pushes.length / floorSeconds;
    return {
      n: pushes.length,
      accounts: ACCOUNTS,
      concurrency: CONCURRENCY,
      distinctPushes: distinct,
      eventsPublished: seen.size,
      deliveries,
      statuses,
      connectionResets: resets,
      wallSeconds: round(wallSeconds),
      pushesPerSecond: round(pushesPerSecond),
      p50Ms: round(percentile(latencies, 50)),
      p99Ms: round(percentile(latencies, 99)),
      maxMs: round(latencies[latencies.length - 1]!),
      publishAfterSeconds: round(publishSeconds),
      floorPushesPerSecond: round(floorPushesPerSecond),
      ratio: round(floorPushesPerSecond / pushesPerSecond),
    };
  } finally {
    await stack.stop();
  }
}
