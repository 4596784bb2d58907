/**
 * The embedded engine restarted mid-sync (issue 17 item 9): a stack with a data directory runs a
 * follower sync of 6 000 followers (WeChat at 30 ms a call, so it is under way), and the database
 * goes away for two seconds and comes back with the same data (`LocalStack.restartEngine`). Meanwhile
 * the console keeps asking for the job (answers counted; the contract promises nothing during a
 * database outage) and WeChat pushes the subscribe events of 10 newcomers, re-sending those not
 * answered `success` as WeChat does (up to three times, a few seconds apart).
 *
 * Ground truth: the simulator's follower list (the newcomers included) against the hub's followers
 * and the job's counters (support.ts `syncAgainstWeChat`). A sync step that failed on the outage
 * is redelivered by the queue after its visibility timeout (60 s). (This scenario found the worker's
 * shared batch processor losing failed steps when invocations overlap: concurrent-batches.test.ts.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '#infra/local/stack.ts';
import { createDocumentClient } from '#shared/db/client.ts';
import { bindWithRetries, currentSync, HubCalls, printFigures, sleep, syncAgainstWeChat, syncEnded, waitFor } from '#test/e2e/faults/support.ts';

const TENANT = 't-faults-engine';
const FOLLOWERS = 6_000;
const NEWCOMERS = 10;
const LATENCY_MS = 30;
const DOWN_MS = 2_000;
/** WeChat re-sends a push it got no `success` for: three more times. */
const PUSH_RETRIES = 3;
const PUSH_RETRY_PAUSE_MS = 1_500;
/** Redelivery takes the queue's 60 s visibility timeout; the waits inside fail sooner when nothing moves. */
const SCENARIO_TIMEOUT_MS = 600_000;

describe('the embedded engine restarted in the middle of a follower sync', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'oa-hub-faults-engine-'));
  let stack: LocalStack;
  let client: DynamoDBDocumentClient;
  let admin: string;

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, dataDir, fresh: true, log: () => undefined });
    client = createDocumentClient(stack.dynamoDbEndpoint);
    admin = await stack.consoleToken({ tenant: TENANT, admin: true, sub: 'engine-admin' });
  });

  afterAll(async () => {
    client?.destroy();
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finishes the sync with every follower once, exact counts and every pushed newcomer after the outage', { timeout: SCENARIO_TIMEOUT_MS }, async () => {
    // Prepare: the account is bound and its sync is under way.
    const simulator = stack.simulator!;
    const calls = new HubCalls(stack);
    const account = simulator.addAccount({
      nickname: 'Engine',
      serviceType: 'service',
      verified: true,
      followers: FOLLOWERS,
      unionidRatio: 0.3,
      principalName: 'Engine Ltd',
    });
    const appid = account.appid;
    expect((await bindWithRetries(stack, calls, TENANT, appid)).bound).toBe(true);
    simulator.setLatency(LATENCY_MS);
    const jobId = await currentSync(calls, admin, appid);
    const view = async () => (await calls.call('GET', `/v1/accounts/${appid}/fan-syncs/${jobId}`, admin)).json;
    await waitFor(async () => ((await view())?.synced >= 1_000 ? true : undefined), 'the sync to be under way', view);
    const newcomers = simulator.follow(appid, NEWCOMERS);
    const outageCalls = new HubCalls(stack);

    // Act: the engine goes down and comes back while the console polls and WeChat pushes.
    let down = true;
    const restarted = stack.restartEngine({ downMs: DOWN_MS }).finally(() => (down = false));
    const polling = (async () => {
      while (down) {
        await outageCalls.call('GET', `/v1/accounts/${appid}/fan-syncs/${jobId}`, admin).catch(() => undefined);
        await sleep(250);
      }
    })();
    let pushes = 0;
    let unanswered = 0;
    await Promise.all(
      newcomers.map(async (openid, i) => {
        const createTime = Math.floor(Date.now() / 1000) + i;
        for (let attempt = 0; attempt <= PUSH_RETRIES; attempt += 1) {
          pushes += 1;
          const response = await simulator.sendAccountEvent(appid, { fromUserName: openid, event: 'subscribe', createTime }).catch(() => undefined);
          const text = (await response?.text()) ?? '';
          outageCalls.record(response?.status ?? 0, undefined, `/v1/wechat/accounts/${appid}/messages`);
          if (response?.status === 200 && text === 'success') return;
          await sleep(PUSH_RETRY_PAUSE_MS);
        }
        unanswered += 1;
      }),
    );
    await restarted;
    await polling;
    simulator.setLatency(0);
    const job = await syncEnded(calls, admin, appid, jobId);

    // Assess
    const truth = await syncAgainstWeChat(calls, client, stack, admin, appid, job);
    const figures = {
      faultsInjected: 1,
      operations: job.listed + outageCalls.operations,
      lost: truth.lost + unanswered,
      duplicated: truth.duplicated,
      serverErrors: outageCalls.serverErrors.length + calls.serverErrors.length,
    };
    printFigures('engine restarted mid-sync', figures);
    // The newcomers may be listed too: user/get's next page from the first page's cursor lists followers who came after it.
    expect(job).toMatchObject({ status: 'done', synced: job.listed, failed: 0 });
    expect(job.listed).toBeGreaterThanOrEqual(FOLLOWERS);
    expect(figures, JSON.stringify({ ...truth.detail, outage5xx: outageCalls.serverErrors.slice(0, 5) })).toMatchObject({ lost: 0, duplicated: 0 });
  });
});
