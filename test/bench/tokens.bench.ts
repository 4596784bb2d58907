/**
 * `npm run bench -- tokens`: the scheduled refresh at scale. TOKENS_BENCH_ACCOUNTS (default 10 000)
 * accounts are bound (in the simulator, and in the table the way binding stores them) with tokens
 * that are all due; then scheduled runs — the use case `functions/token-refresh` runs, with the
 * catalogue's time budget — go until none is left, against the simulator answering every call after
 * TOKENS_BENCH_LATENCY_MS (default 50). Concurrency: TOKENS_BENCH_CONCURRENCY (default 32).
 *
 * Figures: wall time of the runs, WeChat calls by API (api_authorizer_token must equal N), table
 * requests (and per refresh), and `ratio` = wall time ÷ the floor `N × latency ÷ concurrency`. The
 * embedded engine serves one request at a time, so the run also measures, serially, what one
 * refresh's two requests cost it (`engineMsPerRefresh`) and reports `engineSeconds` = N × that: the
 * wall time the engine alone needs whatever the concurrency, and `ratioToEngine` against it.
 */
import { randomUUID } from 'node:crypto';
import { BatchWriteCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { functionNamed } from '#infra/catalogue.ts';
import { ensureTable, startEmbeddedDynamoDb } from '#infra/local/dynamodb.ts';
import { startWeChatSimulator } from '#infra/local/wechat-simulator/simulator.ts';
import { accountKeys, authorizerTokenAttributes } from '#shared/adapters/dynamodb/account-keys.ts';
import { DynamoAuditLog } from '#shared/adapters/dynamodb/audit-log.ts';
import { DynamoAccountStatusMarks, DynamoAuthorizerTokenStore } from '#shared/adapters/dynamodb/authorizer-token-store.ts';
import { DynamoComponentStore } from '#shared/adapters/dynamodb/component-store.ts';
import { DynamoLease } from '#shared/adapters/dynamodb/lease.ts';
import { DynamoDueIndex } from '#shared/adapters/dynamodb/token-due-index.ts';
import { createDocumentClient } from '#shared/db/client.ts';
import { auditedStatusChanges } from '#shared/domain/accounts/authorization-changes.ts';
import { AuthorizerTokenService } from '#shared/domain/tokens/authorizer-token.ts';
import { ComponentTokenService } from '#shared/domain/tokens/component-token.ts';
import { ReusedComponentToken } from '#shared/domain/tokens/reused-component-token.ts';
import { defaultScheduledRefreshOptions, runScheduledRefresh, type ScheduledRefreshSummary } from '#shared/domain/tokens/scheduled-refresh.ts';
import { WeChatApiClient } from '#shared/wechat/api-client.ts';

export const description = 'the scheduled refresh of N due authorizer tokens against the simulator at 50 ms, against the floor N × latency ÷ concurrency';

const N = Number(process.env.TOKENS_BENCH_ACCOUNTS ?? 10_000);
const LATENCY_MS = Number(process.env.TOKENS_BENCH_LATENCY_MS ?? 50);
const CONCURRENCY = Number(process.env.TOKENS_BENCH_CONCURRENCY ?? defaultScheduledRefreshOptions.concurrency);
const SEED_CONCURRENCY = 16;

/** Counts every request the client sends. */
function counted(client: DynamoDBDocumentClient): { client: DynamoDBDocumentClient; count: () => number } {
  let requests = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      requests += 1;
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  return { client, count: () => requests };
}

async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

export async function run(progress: (msg: string) => void): Promise<Record<string, unknown>> {
  const engine = await startEmbeddedDynamoDb();
  const simulator = await startWeChatSimulator({ ticketIntervalMs: 0, seedAccounts: false });
  try {
    const table = 'bench-tokens';
    await ensureTable(engine.endpoint, table);
    const { client, count } = counted(createDocumentClient(engine.endpoint));
    const wechat = new WeChatApiClient({ apiBase: simulator.baseUrl });
    const { componentAppId, componentSecret } = simulator.credentials;
    const component = new ComponentTokenService({
      store: new DynamoComponentStore(client, table),
      lease: new DynamoLease(client, table),
      api: wechat,
      credentials: async () => ({ componentAppId, componentSecret }),
    });
    await simulator.pushTicket();
    await component.saveTicket({ ticket: simulator.currentTicket()!, createTime: Math.floor(Date.now() / 1000) });

    // ---- seed: N accounts authorized in the simulator, bound in the table with expired tokens ----
    progress(`seeding ${N} accounts`);
    const appids = Array.from(
      { length: N },
      (_, i) =>
        simulator.addAccount({ appid: `wxb${String(i).padStart(15, '0')}`, nickname: `Bench ${i}`, serviceType: 'service', verified: true, followers: 0 })
          .appid,
    );
    // A code exchange retried after a dropped connection finds its code spent (61009): authorize anew.
    const bindInSimulator = async (appid: string, attempt = 1): ReturnType<typeof wechat.queryAuth> => {
      const { authCode } = await simulator.authorize(appid, [1, 2, 3]);
      try {
        return await wechat.queryAuth(component, { componentAppId, authorizationCode: authCode });
      } catch (error) {
        if (attempt >= 3) throw error;
        return bindInSimulator(appid, attempt + 1);
      }
    };
    const items: Record<string, unknown>[] = [];
    const expired = new Date(Date.now() - 1_000).toISOString();
    const now = new Date().toISOString();
    await pool(appids, SEED_CONCURRENCY, async (appid) => {
      const { authorizationInfo } = await bindInSimulator(appid);
      const tokens = { accessToken: authorizationInfo.authorizerAccessToken!, refreshToken: authorizationInfo.authorizerRefreshToken!, expiresAt: expired };
      items.push(
        {
          pk: accountKeys.accountPk(appid),
          sk: accountKeys.accountSk,
          type: 'Account',
          appid,
          status: 'active',
          ownerTenantId: 'bench',
          authorizedAt: now,
          updatedAt: now,
        },
        { pk: accountKeys.accountPk(appid), sk: accountKeys.tokenSk, ...authorizerTokenAttributes(appid, tokens, now) },
      );
      if (items.length % 2000 === 0) progress(`seeded ${items.length / 2} of ${N} in the simulator`);
    });
    for (let i = 0; i < items.length; i += 25) {
      let batch: Record<string, unknown>[] = items.slice(i, i + 25);
      while (batch.length > 0) {
        const result = await client.send(new BatchWriteCommand({ RequestItems: { [table]: batch.map((Item) => ({ PutRequest: { Item } })) } }));
        batch = (result.UnprocessedItems?.[table] ?? []).map((request) => request.PutRequest!.Item!);
      }
    }

    // ---- what the engine alone needs for one refresh's two requests, serially (it serves one at a time) ----
    // A claim (conditional UpdateItem) and a save (TransactWriteItems: a condition check and the
    // token update, which moves the item in the due index), on items of their own.
    const probes = 200;
    const probeStart = performance.now();
    for (let i = 0; i < probes; i++) {
      const key = { pk: `PROBE#${i}`, sk: accountKeys.tokenSk };
      await client.send(
        new UpdateCommand({
          TableName: table,
          Key: key,
          UpdateExpression: 'SET leaseOwner = :owner',
          ConditionExpression: 'attribute_not_exists(leaseOwner)',
          ExpressionAttributeValues: { ':owner': 'probe' },
        }),
      );
      await client.send(
        new TransactWriteCommand({
          TransactItems: [
            { ConditionCheck: { TableName: table, Key: key, ConditionExpression: 'attribute_exists(pk)' } },
            {
              Update: {
                TableName: table,
                Key: { pk: `PROBE#${i}`, sk: 'OTHER' },
                UpdateExpression: 'SET accessToken = :token, gsi2pk = :shard, gsi2sk = :due REMOVE leaseOwner',
                ExpressionAttributeValues: { ':token': randomUUID(), ':shard': 'PROBE', ':due': `${now}#${i}` },
              },
            },
          ],
        }),
      );
    }
    const engineMsPerRefresh = (performance.now() - probeStart) / probes;

    // ---- the scheduled runs ----
    await component.current();
    simulator.setLatency(LATENCY_MS);
    simulator.resetCalls();
    const requestsBefore = count();
    const tokens = new AuthorizerTokenService({
      store: new DynamoAuthorizerTokenStore(client, table),
      statusChanges: auditedStatusChanges(new DynamoAccountStatusMarks(client, table), new DynamoAuditLog(client, table)),
      lease: new DynamoLease(client, table),
      api: wechat,
      component: new ReusedComponentToken(component),
      componentAppId: async () => componentAppId,
    });
    const index = new DynamoDueIndex(client, table);
    const timeoutMs = (functionNamed('token-refresh').timeoutSeconds ?? 30) * 1000;
    const runs: ScheduledRefreshSummary[] = [];
    const started = performance.now();
    for (let complete = false; !complete && runs.length < 10;) {
      const runStarted = performance.now();
      progress(`scheduled run ${runs.length + 1}`);
      const summary = await runScheduledRefresh({
        component,
        index,
        tokens,
        remainingMs: () => timeoutMs - (performance.now() - runStarted),
        options: { concurrency: CONCURRENCY },
      });
      runs.push(summary);
      complete = summary.complete;
      progress(`run ${runs.length}: ${summary.refreshed} refreshed, ${summary.skipped} skipped, complete: ${summary.complete}`);
    }
    const wallSeconds = (performance.now() - started) / 1000;
    const requests = count() - requestsBefore;
    const refreshed = runs.reduce((sum, r) => sum + r.refreshed, 0);
    const floorSeconds = (N * LATENCY_MS) / CONCURRENCY / 1000;
    const calls = simulator.calls();
    const round = (x: number, digits = 2) => Number(x.toFixed(digits));
    return {
      bench: 'tokens',
      n: N,
      latencyMs: LATENCY_MS,
      concurrency: CONCURRENCY,
      runs: runs.length,
      refreshed,
      failures: runs.reduce<Record<string, number>>((all, r) => {
        for (const [code, n] of Object.entries(r.failures)) all[code] = (all[code] ?? 0) + n;
        return all;
      }, {}),
      wallSeconds: round(wallSeconds),
      floorSeconds: round(floorSeconds),
      ratio: round(wallSeconds / floorSeconds),
      calls: Object.fromEntries(Object.entries(calls).map(([path, n]) => [path.replace('/cgi-bin/component/', ''), n])),
      allTokensRefreshedOnce: calls['/cgi-bin/component/api_authorizer_token'] === N,
      dynamoDbRequests: requests,
      dynamoDbRequestsPerRefresh: round(requests / Math.max(1, refreshed)),
      engineMsPerRefresh: round(engineMsPerRefresh),
      engineSeconds: round((N * engineMsPerRefresh) / 1000),
      ratioToEngine: round(wallSeconds / ((N * engineMsPerRefresh) / 1000)),
    };
  } finally {
    await simulator.stop();
    await engine.stop();
  }
}
