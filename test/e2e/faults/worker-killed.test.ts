/**
 * A worker killed mid-chunk (issue 17 item 9): during a follower sync of 10 050 followers (two
 * `user/get` pages, 101 chunks), the `fan-sync-worker` dies at the worst moments — right after one of
 * a chunk's follower batches reached the table (the chunk half written, not counted), right after a
 * chunk's count reached its page ledger (counted, but its message not deleted), and right after the
 * second page's ledger was created (its chunk messages not sent yet), all early in the sync so that
 * one visibility timeout covers every redelivery. The death is a throw from the process's
 * table client after the write succeeded, so the step's message is not deleted: the queue makes it
 * visible again after its visibility timeout (the catalogue's, 60 s) and redelivers it, as SQS does
 * after a Lambda that crashed.
 *
 * Ground truth: the simulator's follower list against the hub's followers and the job's counters
 * (support.ts `syncAgainstWeChat`).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '#infra/local/stack.ts';
import { createDocumentClient, db } from '#shared/db/client.ts';
import { bindWithRetries, currentSync, HubCalls, printFigures, syncAgainstWeChat, syncEnded } from '#test/e2e/faults/support.ts';

const TENANT = 't-faults-killed';
const FOLLOWERS = 10_050;
/** Redelivery takes the queue's 60 s visibility timeout; the waits inside fail sooner when nothing moves. */
const SCENARIO_TIMEOUT_MS = 600_000;

/** The sort key a write names, in the document client's input or, past marshalling, the wire form. */
function sortKeyOf(input: Record<string, any>): string {
  const key = input.Key ?? input.Item;
  const sk = key?.sk;
  return typeof sk === 'string' ? sk : typeof sk?.S === 'string' ? sk.S : '';
}

function writesFollowers(input: Record<string, any>): boolean {
  return Object.values((input.RequestItems ?? {}) as Record<string, { PutRequest?: { Item?: { type?: unknown } } }[]>)
    .flat()
    .some((request) => {
      const type = request.PutRequest?.Item?.type;
      return type === 'Follower' || (type as { S?: string } | undefined)?.S === 'Follower';
    });
}

/**
 * Kills the step whose table write this is, after the write took effect: the `n`-th matching
 * writes of each rule (1-based) throw once their answer came back.
 */
function killAfter(client: DynamoDBDocumentClient, rules: { name: string; matches: (command: string, input: Record<string, any>) => boolean; at: number[] }[]) {
  const seen = new Map<string, number>();
  const killed: string[] = [];
  let armed = false;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (!armed) return result;
      const command = String(context.commandName ?? '');
      for (const rule of rules) {
        if (!rule.matches(command, args.input as Record<string, any>)) continue;
        const count = (seen.get(rule.name) ?? 0) + 1;
        seen.set(rule.name, count);
        if (rule.at.includes(count)) {
          killed.push(`${rule.name} #${count}`);
          throw new Error(`the worker was killed after ${rule.name} #${count} reached the table`);
        }
      }
      return result;
    },
    { step: 'initialize', name: 'faultSuiteKillAfterWrite' },
  );
  return { arm: () => (armed = true), disarm: () => (armed = false), killed };
}

describe('a fan-sync worker killed mid-step', () => {
  let stack: LocalStack;
  let client: DynamoDBDocumentClient;
  let admin: string;

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, inMemory: true, log: () => undefined });
    client = createDocumentClient(stack.dynamoDbEndpoint);
    admin = await stack.consoleToken({ tenant: TENANT, admin: true, sub: 'killed-admin' });
  });

  afterAll(async () => {
    client?.destroy();
    await stack?.stop();
  });

  it('finishes the sync with every follower once and exact counts after the queue redelivers the killed steps', { timeout: SCENARIO_TIMEOUT_MS }, async () => {
    // Prepare: the worker of the sync the binding queues will be killed 7 times.
    const simulator = stack.simulator!;
    const calls = new HubCalls(stack);
    const appid = simulator.addAccount({
      nickname: 'Killed',
      serviceType: 'service',
      verified: true,
      followers: FOLLOWERS,
      unionidRatio: 0.3,
      principalName: 'Killed Ltd',
    }).appid;
    const kills = killAfter(db(), [
      {
        name: 'second page ledger created',
        matches: (command, input) => /^Put(Item)?Command$/.test(command) && sortKeyOf(input).startsWith('FANSYNC-PAGE#'),
        at: [2],
      },
      { name: 'follower batch written', matches: (command, input) => /^BatchWrite(Item)?Command$/.test(command) && writesFollowers(input), at: [2, 7, 13] },
      {
        name: 'chunk counted on its ledger',
        matches: (command, input) => /^Update(Item)?Command$/.test(command) && sortKeyOf(input).startsWith('FANSYNC-PAGE#'),
        at: [4, 9, 15],
      },
    ]);

    // Act
    kills.arm();
    expect((await bindWithRetries(stack, calls, TENANT, appid)).bound).toBe(true);
    const job = await syncEnded(calls, admin, appid, await currentSync(calls, admin, appid));
    kills.disarm();

    // Assess
    const truth = await syncAgainstWeChat(calls, client, stack, admin, appid, job);
    const figures = {
      faultsInjected: kills.killed.length,
      operations: job.listed,
      lost: truth.lost,
      duplicated: truth.duplicated,
      serverErrors: calls.serverErrors.length,
    };
    printFigures('worker killed mid-step', figures);
    expect(kills.killed).toHaveLength(7);
    expect(job).toMatchObject({ status: 'done', listed: FOLLOWERS, synced: FOLLOWERS, failed: 0 });
    expect(figures, JSON.stringify(truth.detail)).toMatchObject({ lost: 0, duplicated: 0, serverErrors: 0 });
  });
});
