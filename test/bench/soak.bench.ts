/**
 * `npm run bench -- soak`: SOAK_MINUTES (default 20) of mixed traffic at a fixed rate against the
 * local stack (loopback only; it stops by itself): console reads (accounts, an account, a page of
 * followers, the audit trail), token vending, WeChat's follow and unfollow pushes (a tenth of them
 * delivered twice, as WeChat's retries are) for followers that really come and go in the simulator,
 * and a follower sync of each account every SOAK_SYNC_EVERY_S seconds (default 60); the simulator
 * answers `-1` (busy) to 2 % of `batchget` calls throughout.
 *
 * SOAK_RATE requests a second (default 8) are started on a fixed schedule whatever the answers take
 * (open loop; at most SOAK_MAX_IN_FLIGHT at once, the rest counted as skipped, never queued up).
 *
 * Figures: the fault suite's (`faults injected / operations / lost / duplicated / 5xx`, lost and
 * duplicated from the simulator's follower lists and the pushes issued against the hub's followers,
 * counts and syncs once the traffic stopped and the queues drained), p50/p99 latency per kind, and
 * memory (RSS and heap at the start of the soak and at its end, each read after a full GC).
 * `ratio` = the soak's p99 over every request ÷ the floor: the p99 of the same request mix sent one
 * at a time on the same idle stack at the start of the run (`ratioByKind` per kind).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startLocalStack, type LocalStack } from '#infra/local/stack.ts';
import { createDocumentClient } from '#shared/db/client.ts';
import {
  bindWithRetries,
  compareFollowers,
  currentSync,
  followersInHub,
  followersInWeChat,
  HubCalls,
  storedToken,
  syncEnded,
  type SyncJob,
} from '#test/e2e/faults/support.ts';

export const description =
  'SOAK_MINUTES (20) of console, push, vending and sync traffic at SOAK_RATE/s: lost, duplicated, 5xx, p99 per kind against the idle p99, memory growth';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 20);
const RATE = Number(process.env.SOAK_RATE ?? 8);
const ACCOUNTS = Number(process.env.SOAK_ACCOUNTS ?? 3);
const FOLLOWERS = Number(process.env.SOAK_FOLLOWERS ?? 2_000);
const SYNC_EVERY_S = Number(process.env.SOAK_SYNC_EVERY_S ?? 60);
const MAX_IN_FLIGHT = Number(process.env.SOAK_MAX_IN_FLIGHT ?? 64);
const FLOOR_REQUESTS = 240;
const DUPLICATE_SHARE = 0.1;
const TENANT = 't-soak';

type Kind = 'console' | 'vend' | 'push' | 'sync';
/** The request mix, by weight (syncs are started on their own schedule, and polled as console reads). */
const MIX: [Kind, number][] = [
  ['console', 6],
  ['vend', 2],
  ['push', 4],
];

/** A full GC before each memory reading, so that growth is what stayed reachable, not garbage not yet collected. */
function collectGarbage(): boolean {
  try {
    setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as () => void)();
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const round = (value: number) => Math.round(value * 100) / 100;
const mb = (bytes: number) => round(bytes / 1024 / 1024);

interface Traffic {
  stack: LocalStack;
  calls: HubCalls;
  admin: string;
  service: string;
  appids: string[];
  /** Every follower each account ever had (the fans' `total`). */
  known: Map<string, number>;
  createTime: number;
  faults: number;
  pushesNotSuccess: number;
}

/** One request of a kind; resolves with its latency in ms. */
async function send(kind: Kind, t: Traffic, pick: () => number): Promise<number> {
  const appid = t.appids[Math.floor(pick() * t.appids.length)]!;
  const started = performance.now();
  switch (kind) {
    case 'console': {
      const paths = ['/v1/accounts', `/v1/accounts/${appid}`, `/v1/accounts/${appid}/fans?limit=100`, '/v1/audit'];
      await t.calls.call('GET', paths[Math.floor(pick() * paths.length)]!, t.admin);
      break;
    }
    case 'vend':
      await t.calls.call('GET', `/v1/internal/accounts/${appid}/access-token`, t.service);
      break;
    case 'push': {
      const simulator = t.stack.simulator!;
      // Followers really come and go in WeChat; the push tells the hub, with a CreateTime of its own.
      const leaving = pick() < 0.4;
      const [openid] = leaving ? simulator.unfollow(appid, 1) : simulator.follow(appid, 1);
      if (!leaving) t.known.set(appid, (t.known.get(appid) ?? 0) + 1);
      const createTime = (t.createTime += 1);
      const event = { fromUserName: openid!, event: leaving ? 'unsubscribe' : 'subscribe', createTime };
      const deliveries = pick() < DUPLICATE_SHARE ? 2 : 1;
      if (deliveries === 2) t.faults += 1;
      for (let i = 0; i < deliveries; i += 1) {
        const response = await simulator.sendAccountEvent(appid, event);
        const text = await response.text();
        t.calls.record(response.status, undefined, `/v1/wechat/accounts/${appid}/messages`);
        if (response.status !== 200 || text !== 'success') t.pushesNotSuccess += 1;
      }
      break;
    }
    case 'sync':
      await t.calls.call('POST', `/v1/accounts/${appid}/fan-syncs`, t.admin);
      break;
  }
  return performance.now() - started;
}

/** `npm run bench -- soak -- --help`: the knobs, without starting a soak (a short one: SOAK_MINUTES=2). */
const HELP = `npm run bench -- soak: ${description}

Set by environment variables (default):
  SOAK_MINUTES        length of the traffic (${MINUTES}); SOAK_MINUTES=2 is a short soak
  SOAK_RATE           requests started a second (${RATE})
  SOAK_ACCOUNTS       accounts bound and synced first (${ACCOUNTS})
  SOAK_FOLLOWERS      followers of each account (${FOLLOWERS})
  SOAK_SYNC_EVERY_S   seconds between follower syncs (${SYNC_EVERY_S})
  SOAK_MAX_IN_FLIGHT  requests in flight before the rest are skipped (${MAX_IN_FLIGHT})`;

export async function run(progress: (message: string) => void): Promise<Record<string, unknown>> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(HELP);
    process.exit(0);
  }
  progress('starting the local stack');
  const stack = await startLocalStack({ port: 0, inMemory: true, log: () => undefined });
  const client = createDocumentClient(stack.dynamoDbEndpoint);
  try {
    const simulator = stack.simulator!;
    const calls = new HubCalls(stack);
    const admin = await stack.consoleToken({ tenant: TENANT, admin: true, sub: 'soak-admin' });
    const service = await stack.serviceToken('soak');
    const appids: string[] = [];
    for (let n = 1; n <= ACCOUNTS; n += 1) {
      progress(`binding account ${n} of ${ACCOUNTS} (${FOLLOWERS} followers) and syncing it`);
      const appid = simulator.addAccount({
        nickname: `Soak ${n}`,
        serviceType: 'service',
        verified: true,
        followers: FOLLOWERS,
        unionidRatio: 0.3,
        principalName: 'Soak Ltd',
      }).appid;
      if (!(await bindWithRetries(stack, calls, TENANT, appid)).bound) throw new Error(`binding ${appid} failed`);
      await syncEnded(calls, admin, appid, await currentSync(calls, admin, appid));
      appids.push(appid);
    }
    const traffic: Traffic = {
      stack,
      calls,
      admin,
      service,
      appids,
      known: new Map(appids.map((appid) => [appid, FOLLOWERS])),
      createTime: Math.floor(Date.now() / 1000),
      faults: 0,
      pushesNotSuccess: 0,
    };
    let seed = 7;
    const pick = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const weights = MIX.reduce((sum, [, w]) => sum + w, 0);
    const nextKind = (): Kind => {
      let r = pick() * weights;
      for (const [kind, w] of MIX) {
        r -= w;
        if (r < 0) return kind;
      }
      return 'console';
    };

    // The floor: the same mix, one request at a time, on the idle stack.
    progress(`measuring the idle floor: ${FLOOR_REQUESTS} requests of the mix, one at a time`);
    const floor: Record<Kind, number[]> = { console: [], vend: [], push: [], sync: [] };
    for (let i = 0; i < FLOOR_REQUESTS; i += 1) {
      const kind = nextKind();
      floor[kind].push(await send(kind, traffic, pick));
    }
    await stack.queues.drain('fan-sync');

    // The soak.
    simulator.resetCalls();
    simulator.injectFault({ path: '/cgi-bin/user/info/batchget', errcode: -1, rate: 0.02 });
    const operationsBefore = calls.operations;
    const serverErrorsBefore = calls.serverErrors.length;
    const collected = collectGarbage();
    const memoryAtStart = process.memoryUsage();
    let peakRss = memoryAtStart.rss;
    const latencies: Record<Kind, number[]> = { console: [], vend: [], push: [], sync: [] };
    const jobs = new Map<string, Set<string>>(appids.map((appid) => [appid, new Set<string>()]));
    const started = Date.now();
    const endsAt = started + MINUTES * 60_000;
    const intervalMs = 1000 / RATE;
    let issued = 0;
    let skipped = 0;
    let failedRequests = 0;
    let inFlight = 0;
    let nextSyncAt = started + SYNC_EVERY_S * 1000;
    let syncTurn = 0;
    let lastProgress = 0;
    const running = new Set<Promise<void>>();
    const start = (kind: Kind, body: () => Promise<number>) => {
      if (inFlight >= MAX_IN_FLIGHT) {
        skipped += 1;
        return;
      }
      inFlight += 1;
      issued += 1;
      const request: Promise<void> = body()
        .then((ms) => void latencies[kind].push(ms))
        .catch(() => void (failedRequests += 1))
        .finally(() => {
          inFlight -= 1;
          running.delete(request);
        });
      running.add(request);
    };
    for (let tick = 0; ; tick += 1) {
      const due = started + tick * intervalMs;
      if (due >= endsAt) break;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
      const now = Date.now();
      if (now >= nextSyncAt) {
        nextSyncAt += SYNC_EVERY_S * 1000;
        const appid = appids[syncTurn++ % appids.length]!;
        start('sync', async () => {
          const t0 = performance.now();
          const answer = await calls.call('POST', `/v1/accounts/${appid}/fan-syncs`, admin);
          if (answer.status === 202) jobs.get(appid)!.add(answer.json.jobId);
          return performance.now() - t0;
        });
      }
      const kind = nextKind();
      start(kind, () => send(kind, traffic, pick));
      if (now - lastProgress >= 10_000) {
        lastProgress = now;
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
        const left = Math.max(0, Math.round((endsAt - now) / 1000));
        progress(
          `${issued} requests (${inFlight} in flight, ${skipped} skipped), ${calls.serverErrors.length - serverErrorsBefore} 5xx, rss ${mb(process.memoryUsage().rss)} MB, ${left} s left`,
        );
      }
    }
    progress(`traffic stopped after ${issued} requests; waiting for the last answers and the syncs`);
    await Promise.allSettled([...running]);
    simulator.clearFaults();
    const endedJobs: SyncJob[] = [];
    for (const [appid, ids] of jobs) for (const jobId of ids) endedJobs.push(await syncEnded(calls, admin, appid, jobId));
    await stack.queues.drain('fan-sync');
    collectGarbage();
    const memoryAtEnd = process.memoryUsage();
    peakRss = Math.max(peakRss, memoryAtEnd.rss);

    // Ground truth, account by account.
    progress('comparing every account with the simulated WeChat');
    let lost = 0;
    let duplicated = 0;
    const accounts: Record<string, unknown>[] = [];
    for (const appid of appids) {
      const wechat = await followersInWeChat(stack, String((await storedToken(client, stack, appid))?.accessToken));
      const hub = await followersInHub(calls, admin, appid);
      const compared = compareFollowers(wechat, hub);
      const fans = (await calls.call('GET', `/v1/accounts/${appid}`, admin)).json.fans as { total: number; subscribed: number };
      const known = traffic.known.get(appid)!;
      const accountLost = compared.lost + Math.max(0, wechat.length - fans.subscribed) + Math.max(0, known - fans.total);
      const accountDuplicated = compared.duplicated + Math.max(0, fans.subscribed - wechat.length) + Math.max(0, fans.total - known);
      lost += accountLost;
      duplicated += accountDuplicated;
      accounts.push({
        appid,
        wechat: wechat.length,
        hubSubscribed: fans.subscribed,
        hubTotal: fans.total,
        known,
        lost: accountLost,
        duplicated: accountDuplicated,
        ...(compared.missing.length ? { sample: compared.missing.slice(0, 3) } : {}),
      });
    }
    const syncsNotDone = endedJobs.filter((job) => job.status !== 'done' || job.failed > 0).length;
    const faultsServed = Object.values(simulator.faultsServed()).reduce((sum, n) => sum + n, 0);

    const kinds = (Object.keys(latencies) as Kind[]).filter((kind) => latencies[kind].length > 0);
    const p99 = Object.fromEntries(kinds.map((kind) => [kind, round(percentile(latencies[kind], 99))]));
    const p50 = Object.fromEntries(kinds.map((kind) => [kind, round(percentile(latencies[kind], 50))]));
    const floorP99 = Object.fromEntries(kinds.filter((kind) => floor[kind].length > 0).map((kind) => [kind, round(percentile(floor[kind], 99))]));
    const allSoak = kinds.flatMap((kind) => (kind === 'sync' ? [] : latencies[kind]));
    const allFloor = (Object.keys(floor) as Kind[]).flatMap((kind) => floor[kind]);
    const soakP99 = percentile(allSoak, 99);
    const floorP99All = percentile(allFloor, 99);
    return {
      minutes: MINUTES,
      ratePerSecond: RATE,
      accounts: ACCOUNTS,
      followersPerAccount: FOLLOWERS,
      figures: {
        faultsInjected: faultsServed + traffic.faults,
        operations: calls.operations - operationsBefore,
        lost: lost + syncsNotDone + traffic.pushesNotSuccess,
        duplicated,
        '5xx': calls.serverErrors.length - serverErrorsBefore,
      },
      line: `faults injected ${faultsServed + traffic.faults} / operations ${calls.operations - operationsBefore} / lost ${lost + syncsNotDone + traffic.pushesNotSuccess} / duplicated ${duplicated} / 5xx ${calls.serverErrors.length - serverErrorsBefore}`,
      requests: { issued, skipped, failed: failedRequests, byKind: Object.fromEntries(kinds.map((kind) => [kind, latencies[kind].length])) },
      syncs: { started: endedJobs.length, notDone: syncsNotDone },
      pushesNotSuccess: traffic.pushesNotSuccess,
      latencyMs: { p50, p99, floorP99 },
      p99Ms: round(soakP99),
      floorP99Ms: round(floorP99All),
      ratio: round(soakP99 / floorP99All),
      ratioByKind: Object.fromEntries(Object.keys(floorP99).map((kind) => [kind, round((p99[kind] ?? 0) / floorP99[kind]!)])),
      memoryMb: {
        rssStart: mb(memoryAtStart.rss),
        rssEnd: mb(memoryAtEnd.rss),
        rssPeak: mb(peakRss),
        rssGrowth: mb(memoryAtEnd.rss - memoryAtStart.rss),
        heapStart: mb(memoryAtStart.heapUsed),
        heapEnd: mb(memoryAtEnd.heapUsed),
        heapGrowth: mb(memoryAtEnd.heapUsed - memoryAtStart.heapUsed),
        gcBeforeReading: collected,
      },
      serverErrorSample: calls.serverErrors.slice(serverErrorsBefore, serverErrorsBefore + 5),
      accountsDetail: accounts,
    };
  } finally {
    client.destroy();
    await stack.stop();
  }
}
