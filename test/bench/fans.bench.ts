/**
 * `npm run bench -- fans`: one full follower sync of FANS_BENCH_FOLLOWERS (default 100 000)
 * followers through the local stack — the binding queues it, the in-process `fan-sync` queue runs
 * the worker with the catalogue's batch size and concurrency — against the simulator answering every
 * API call after FANS_BENCH_LATENCY_MS (default 20).
 *
 * Figures: the job's wall time (startedAt → finishedAt), WeChat calls per endpoint (user/get must be
 * at most ⌈N/10 000⌉ + 1, batchget ⌈N/100⌉ with no faults injected), table requests by command and
 * followers written, and `ratio` = wall time ÷ the floor `⌈N/100⌉ × latency ÷ concurrency`, where
 * concurrency is the steps in flight at once (maxConcurrency invocations × batchSize steps each).
 * The embedded engine serves one request at a time, so the run also measures, serially, what one
 * chunk's writes cost it (`engineMsPerChunk`) and reports `engineSeconds` = chunks × that — the wall
 * time the engine alone needs whatever the concurrency — and `ratioToEngine` against it.
 */
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { hubQueues } from '#infra/catalogue.ts';
import { startLocalStack } from '#infra/local/stack.ts';
import { DynamoFanSyncJobs } from '#shared/adapters/dynamodb/fan-sync-jobs.ts';
import { fanSyncKeys } from '#shared/adapters/dynamodb/fan-sync-keys.ts';
import { DynamoFollowers } from '#shared/adapters/dynamodb/followers.ts';
import { db } from '#shared/db/client.ts';
import type { Follower } from '#shared/domain/fans/model.ts';
import { bindThroughSimulator } from '#test/e2e/support/binding.ts';

export const description =
  'a full sync of N followers through the local stack against the simulator at 20 ms, against the floor ⌈N/100⌉ × latency ÷ concurrency';

const N = Number(process.env.FANS_BENCH_FOLLOWERS ?? 100_000);
const LATENCY_MS = Number(process.env.FANS_BENCH_LATENCY_MS ?? 20);
const ENGINE_SAMPLE_CHUNKS = 20;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Counts the requests of the process-wide client (the one the handlers use), by command, and followers written. */
function countRequests(client: DynamoDBDocumentClient) {
  const byCommand: Record<string, number> = {};
  let followersWritten = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName ?? 'unknown').replace(/Command$/, '');
      byCommand[name] = (byCommand[name] ?? 0) + 1;
      if (name === 'BatchWriteItem') {
        // The document client's input (`type: 'Follower'`) or, past marshalling, the wire form (`type: { S: 'Follower' }`).
        const requests = Object.values(
          (args.input as { RequestItems?: Record<string, { PutRequest?: { Item?: { type?: unknown } } }[]> }).RequestItems ?? {},
        ).flat();
        followersWritten += requests.filter((request) => {
          const type = request.PutRequest?.Item?.type;
          return type === 'Follower' || (type as { S?: string } | undefined)?.S === 'Follower';
        }).length;
      }
      return next(args);
    },
    { step: 'initialize', name: 'benchCountRequests' },
  );
  return { byCommand, followersWritten: () => followersWritten };
}

export async function run(progress: (message: string) => void): Promise<Record<string, unknown>> {
  const queue = hubQueues.find((q) => q.name === 'fan-sync')!;
  const concurrency = queue.maxConcurrency * queue.batchSize;
  progress('starting the local stack');
  const stack = await startLocalStack({ port: 0, inMemory: true, log: () => undefined, simulator: { latencyMs: 0 } });
  try {
    const simulator = stack.simulator!;
    const client = db();
    const counts = countRequests(client);
    const appid = simulator.addAccount({
      nickname: 'Bench',
      serviceType: 'service',
      verified: true,
      followers: N,
      unionidRatio: 0.3,
      principalName: 'Bench Ltd',
    }).appid;

    progress(`binding an account with ${N} followers`);
    simulator.setLatency(LATENCY_MS);
    simulator.resetCalls();
    for (const name of Object.keys(counts.byCommand)) delete counts.byCommand[name];
    const { location } = await bindThroughSimulator(stack, { tenant: 't-bench', appid });
    if (location.searchParams.get('bind') !== 'ok') throw new Error(`binding ended with ${location.search}`);

    const jobs = new DynamoFanSyncJobs(client, stack.tableName);
    const slot = await client.send(
      new GetCommand({ TableName: stack.tableName, Key: { pk: fanSyncKeys.pk(appid), sk: fanSyncKeys.runningSk }, ConsistentRead: true }),
    );
    const jobId = String(slot.Item?.jobId);
    let view = await jobs.view(appid, jobId);
    while (view && view.status !== 'done' && view.status !== 'failed') {
      progress(`${view.status}: listed ${view.listed}, synced ${view.synced} of ${N}`);
      await sleep(1_000);
      view = await jobs.view(appid, jobId);
    }
    if (!view || view.status !== 'done') throw new Error(`the sync ended ${view?.status}: ${JSON.stringify(view?.error)}`);
    const calls = simulator.calls();
    const requests = { ...counts.byCommand };
    const followersWritten = counts.followersWritten();

    progress('measuring what one chunk costs the engine, serially');
    const engineMsPerChunk = await engineCostOfChunk(client, stack.tableName);

    const chunks = Math.ceil(N / 100);
    const wallSeconds = (Date.parse(view.finishedAt!) - Date.parse(view.startedAt)) / 1000;
    const floorSeconds = (chunks * LATENCY_MS) / concurrency / 1000;
    const engineSeconds = (chunks * engineMsPerChunk) / 1000;
    const listCalls = calls['/cgi-bin/user/get'] ?? 0;
    const batchgetCalls = calls['/cgi-bin/user/info/batchget'] ?? 0;
    return {
      n: N,
      latencyMs: LATENCY_MS,
      concurrency,
      queue: { batchSize: queue.batchSize, maxConcurrency: queue.maxConcurrency },
      job: { status: view.status, listed: view.listed, synced: view.synced, failed: view.failed, unsubscribedMarked: view.unsubscribedMarked },
      wallSeconds: round(wallSeconds),
      floorSeconds: round(floorSeconds),
      ratio: round(wallSeconds / floorSeconds),
      engineMsPerChunk: round(engineMsPerChunk),
      engineSeconds: round(engineSeconds),
      ratioToEngine: round(wallSeconds / engineSeconds),
      calls: { 'user/get': listCalls, 'user/info/batchget': batchgetCalls, api_authorizer_token: calls['/cgi-bin/component/api_authorizer_token'] ?? 0 },
      callLimits: { 'user/get': Math.ceil(N / 10_000) + 1, 'user/info/batchget': chunks },
      withinCallLimits: listCalls <= Math.ceil(N / 10_000) + 1 && batchgetCalls === chunks,
      dynamoDbRequests: requests,
      dynamoDbRequestsPerChunk: round(Object.values(requests).reduce((a, b) => a + b, 0) / chunks),
      followersWritten,
    };
  } finally {
    await stack.stop();
  }
}

/** One chunk's table work, alone: 100 followers in batches of 25, then its ledger update (the page ledger of a scratch job). */
async function engineCostOfChunk(client: DynamoDBDocumentClient, table: string): Promise<number> {
  const followers = new DynamoFollowers(client, table);
  const jobs = new DynamoFanSyncJobs(client, table);
  const appid = 'wxbe0c000000000001';
  await jobs.recordPage(appid, 'engine-sample', {
    page: 0,
    listed: ENGINE_SAMPLE_CHUNKS * 100,
    chunks: ENGINE_SAMPLE_CHUNKS,
    next: '',
    at: new Date().toISOString(),
  });
  const started = performance.now();
  for (let chunk = 0; chunk < ENGINE_SAMPLE_CHUNKS; chunk += 1) {
    const at = new Date().toISOString();
    const batch: Follower[] = Array.from({ length: 100 }, (_, i) => ({
      appid,
      openid: `oBench${String(chunk * 100 + i).padStart(22, '0')}`,
      tenantId: 't-bench',
      subscribed: true,
      subscribedAt: at,
      tagIds: [],
      updatedAt: at,
      lastSeenSyncId: 'engine-sample',
      ...(i % 10 < 3 ? { unionid: `oU${String(chunk * 100 + i).padStart(26, '0')}` } : {}),
    }));
    for (let start = 0; start < batch.length; start += 25) await followers.putAll(batch.slice(start, start + 25));
    await jobs.recordChunk(appid, 'engine-sample', 0, chunk, { synced: 100, failed: [] });
  }
  return (performance.now() - started) / ENGINE_SAMPLE_CHUNKS;
}

const round = (value: number) => Math.round(value * 100) / 100;
