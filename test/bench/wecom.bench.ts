/**
 * `npm run bench -- wecom`: one WeCom customer sync of WECOM_BENCH_CUSTOMERS (default 50 000) customers
 * over WECOM_BENCH_MEMBERS (default 200) members, then the link of WECOM_BENCH_FOLLOWERS (default
 * 2 000) followers with a unionid, against the WeCom simulator answering every call after
 * WECOM_BENCH_LATENCY_MS (default 20), on the embedded engine. The steps run through an in-process
 * queue with the catalogue's `wecom-customer-sync` concurrency (maxConcurrency × batchSize steps in
 * flight), through the real worker, adapters and WeCom client.
 *
 * Figures: WeCom calls per endpoint against their floor — `get_follow_user_list` 1, `batch/get_by_user`
 * Σ over the ⌈members/100⌉ member batches of ⌈relations of the batch / 100⌉ cursor pages (counted from
 * what the sync stored), `unionid_to_external_userid` one per follower — and `ratio` = wall ÷ floor,
 * the floor being the longest batch's cursor chain (its pages must follow one another) × the mean
 * `batch/get_by_user` call time, plus the link's chunks spread over the steps in flight × their
 * conversions (CONVERSIONS_IN_FLIGHT at a time) × the mean conversion time, all measured in the same
 * run. What is left over the floor is the table's work (one UpdateItem per customer and page). The link's calls are set against WeCom's
 * hourly limit per corp (100 000, `linkWithinHourlyLimit`), which the table's token bucket enforces.
 */
import { randomBytes } from 'node:crypto';
import { hubQueues } from '#infra/catalogue.ts';
import { ensureTable, startEmbeddedDynamoDb } from '#infra/local/dynamodb.ts';
import { startWeComSimulator } from '#infra/local/wecom-simulator/simulator.ts';
import { DynamoFollowers } from '#shared/adapters/dynamodb/followers.ts';
import { DynamoCustomerSyncJobs, DynamoWeComCustomers } from '#shared/adapters/dynamodb/wecom-customers.ts';
import { DynamoLinkFollowers, DynamoRateBucket, DynamoWeComLinks } from '#shared/adapters/dynamodb/wecom-links.ts';
import { createDocumentClient } from '#shared/db/client.ts';
import { queryPages } from '#shared/db/query-all.ts';
import { CustomerConsole } from '#shared/domain/wecom/customer-console.ts';
import { CustomerSyncWorker, LINK_CHUNK, MEMBERS_PER_CALL, PAGE_LIMIT } from '#shared/domain/wecom/customer-sync.ts';
import { CONVERSIONS_IN_FLIGHT, CustomerLinker, LINK_HOURLY_LIMIT } from '#shared/domain/wecom/link.ts';
import type { CustomerStepQueue, CustomerSyncStep, WeComApi, WeComTokenSource } from '#shared/domain/wecom/ports.ts';
import { WeComApiClient } from '#shared/wecom/api-client.ts';
import { seedOwnedAccount } from '#test/support/seed.ts';
import { installCorp } from '#test/unit/wecom-simulator/support.ts';

export const description =
  'a WeCom customer sync of N customers over 200 members and the link of 2 000 followers against the simulator at 20 ms: calls per endpoint against the floor, ratio = wall ÷ the longest cursor chain';

const CUSTOMERS = Number(process.env.WECOM_BENCH_CUSTOMERS ?? 50_000);
const MEMBERS = Number(process.env.WECOM_BENCH_MEMBERS ?? 200);
const FOLLOWERS = Number(process.env.WECOM_BENCH_FOLLOWERS ?? 2_000);
const LATENCY_MS = Number(process.env.WECOM_BENCH_LATENCY_MS ?? 20);

/** The queue in process: `inFlight` steps at once, delayed steps after their delay. */
function inProcessQueue(inFlight: number, handle: (step: CustomerSyncStep) => Promise<void>) {
  const pending: CustomerSyncStep[] = [];
  let running = 0;
  let timers = 0;
  let redeliveries = 0;
  let idle: (() => void) | undefined;
  const pump = () => {
    while (running < inFlight && pending.length > 0) {
      const step = pending.shift()!;
      running += 1;
      handle(step)
        .catch((error: unknown) => {
          redeliveries += 1;
          if (process.env.WECOM_BENCH_DEBUG) process.stderr.write(`\nredelivered ${step.type}: ${String(error)}\n`);
          pending.push(step);
        })
        .finally(() => {
          running -= 1;
          pump();
        });
    }
    if (running === 0 && pending.length === 0 && timers === 0) idle?.();
  };
  const queue: CustomerStepQueue = {
    send: async (steps, options = {}) => {
      if (options.delaySeconds) {
        timers += 1;
        setTimeout(() => {
          timers -= 1;
          pending.push(...steps);
          pump();
        }, options.delaySeconds * 1000);
      } else pending.push(...steps);
      queueMicrotask(pump);
    },
  };
  const drained = () => new Promise<void>((resolve) => (idle = resolve));
  return { queue, drained, redeliveries: () => redeliveries };
}

export async function run(progress: (message: string) => void): Promise<Record<string, unknown>> {
  const config = hubQueues.find((q) => q.name === 'wecom-customer-sync')!;
  const inFlight = config.maxConcurrency * config.batchSize;
  progress('starting the embedded engine and the WeCom simulator');
  const engine = await startEmbeddedDynamoDb();
  const sim = await startWeComSimulator({ ticketIntervalMs: 0, seedCorp: false, latencyMs: 0 });
  try {
    const table = `bench-wecom-${randomBytes(4).toString('hex')}`;
    await ensureTable(engine.endpoint, table);
    const client = createDocumentClient(engine.endpoint);
    const corp = sim.addCorp({ corpName: 'Bench Corp', members: MEMBERS, departments: 4, customers: CUSTOMERS });
    const installed = await installCorp(sim, corp.corpId, { departments: [1] });
    const tenantId = 't-bench-wecom';
    const { account } = await seedOwnedAccount(client, table, tenantId);
    const followers = Array.from({ length: FOLLOWERS }, (_, n) => ({
      appid: account.appid,
      openid: `oBench${String(n).padStart(22, '0')}`,
      unionid: `oUnionBench${String(n).padStart(17, '0')}`,
      tenantId,
      subscribed: true,
      tagIds: [],
      updatedAt: new Date().toISOString(),
    }));
    await new DynamoFollowers(client, table).putAll(followers);
    sim.setLatency(LATENCY_MS);

    const api = new WeComApiClient({ apiBase: sim.baseUrl });
    const calls: Record<string, number> = {};
    let pageMs = 0;
    let convertMs = 0;
    const counted: Pick<WeComApi, 'getFollowUserList' | 'batchGetByUser' | 'unionidToExternalUserid'> = {
      getFollowUserList: (token) => ((calls.get_follow_user_list = (calls.get_follow_user_list ?? 0) + 1), api.getFollowUserList(token)),
      batchGetByUser: async (token, request) => {
        calls['batch/get_by_user'] = (calls['batch/get_by_user'] ?? 0) + 1;
        const started = performance.now();
        const page = await api.batchGetByUser(token, request);
        pageMs += performance.now() - started;
        return page;
      },
      unionidToExternalUserid: async (token, request) => {
        calls['idconvert/unionid_to_external_userid'] = (calls['idconvert/unionid_to_external_userid'] ?? 0) + 1;
        const started = performance.now();
        const answer = await api.unionidToExternalUserid(token, request);
        convertMs += performance.now() - started;
        return answer;
      },
    };
    const tokens: WeComTokenSource = { current: async () => installed.corpToken, expire: async () => undefined };
    const jobs = new DynamoCustomerSyncJobs(client, table);
    const customers = new DynamoWeComCustomers(client, table);
    const linker = new CustomerLinker({
      wecom: counted,
      tokens: () => tokens,
      bucket: new DynamoRateBucket(client, table),
      links: new DynamoWeComLinks(client, table),
      customers,
    });
    let worker: CustomerSyncWorker | undefined;
    const { queue, drained, redeliveries } = inProcessQueue(inFlight, (step) => worker!.handle(step));
    worker = new CustomerSyncWorker({
      jobs,
      customers,
      followers: new DynamoLinkFollowers(client, table),
      linker,
      wecom: counted,
      tokens: () => tokens,
      queue,
    });
    const console = new CustomerConsole({
      gate: { enabled: async () => true },
      corps: { ofTenant: async () => ({ corpId: corp.corpId, status: 'installed' }) as never },
      jobs,
      customers,
      queue,
    });

    progress(`syncing ${CUSTOMERS} customers of ${MEMBERS} members (${inFlight} steps in flight, ${LATENCY_MS} ms a call)`);
    const ticker = setInterval(
      () => progress(`batch/get_by_user ${calls['batch/get_by_user'] ?? 0}, conversions ${calls['idconvert/unionid_to_external_userid'] ?? 0}`),
      1_000,
    );
    const done = drained();
    const { jobId } = await console.startSync({ tenantId, isAdmin: true });
    await done;
    clearInterval(ticker);
    const job = (await jobs.get(corp.corpId, jobId))!;
    const wallSeconds = (Date.parse(job.finishedAt ?? job.updatedAt) - Date.parse(job.startedAt)) / 1000;

    progress('counting the floor from what the sync stored');
    const members = await api.getFollowUserList(tokens);
    const batchOf = new Map(members.map((userId, index) => [userId, Math.floor(index / MEMBERS_PER_CALL)]));
    const relations = new Array<number>(Math.ceil(members.length / MEMBERS_PER_CALL)).fill(0);
    for await (const page of queryPages(client, table, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': `WECOM_CORP#${corp.corpId}`, ':prefix': 'CUSTOMER#' },
    })) {
      for (const item of page) for (const name of Object.keys(item)) if (name.startsWith('f#')) relations[batchOf.get(name.slice(2)) ?? 0]! += 1;
    }
    const chains = relations.map((n) => Math.max(1, Math.ceil(n / PAGE_LIMIT)));
    const pageFloor = chains.reduce((sum, n) => sum + n, 0);
    const meanPageMs = pageMs / Math.max(1, calls['batch/get_by_user'] ?? 1);
    const linkCalls = calls['idconvert/unionid_to_external_userid'] ?? 0;
    const meanConvertMs = convertMs / Math.max(1, linkCalls);
    // The link phase's floor: its chunks spread over the steps in flight, each converting CONVERSIONS_IN_FLIGHT at a time.
    const linkFloorMs = Math.ceil(Math.ceil(FOLLOWERS / LINK_CHUNK) / inFlight) * Math.ceil(LINK_CHUNK / CONVERSIONS_IN_FLIGHT) * meanConvertMs;
    const floorSeconds = (Math.max(...chains) * meanPageMs + linkFloorMs) / 1000;
    return {
      bench: 'wecom',
      customers: job.customers,
      members: job.members,
      followers: FOLLOWERS,
      status: job.status,
      linked: job.linked,
      pending: job.pending,
      failed: job.failed,
      latencyMs: LATENCY_MS,
      inFlight,
      wallSeconds: Number(wallSeconds.toFixed(1)),
      floorSeconds: Number(floorSeconds.toFixed(1)),
      ratio: Number((wallSeconds / floorSeconds).toFixed(2)),
      calls,
      floor: { get_follow_user_list: 1, 'batch/get_by_user': pageFloor, 'idconvert/unionid_to_external_userid': FOLLOWERS },
      relations: relations.reduce((sum, n) => sum + n, 0),
      redeliveries: redeliveries(),
      linkCallsPerHourLimit: LINK_HOURLY_LIMIT,
      linkWithinHourlyLimit: linkCalls <= LINK_HOURLY_LIMIT,
    };
  } finally {
    await sim.stop();
    await engine.stop();
  }
}
