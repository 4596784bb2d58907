/**
 * A follower-sync world: a private table on the embedded engine, the WeChat simulator on loopback,
 * accounts bound the way the binding transaction stores them, and the sync's queue as an in-memory
 * list the test delivers from — once, twice, or with failures — the way SQS would.
 */
import { randomBytes } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { accountKeys, authorizerTokenAttributes } from '#shared/adapters/dynamodb/account-keys.ts';
import { DynamoAccountDirectory } from '#shared/adapters/dynamodb/account-queries.ts';
import { DynamoAuditLog } from '#shared/adapters/dynamodb/audit-log.ts';
import { DynamoAccountStatusMarks, DynamoAuthorizerTokenStore } from '#shared/adapters/dynamodb/authorizer-token-store.ts';
import { DynamoFanSyncJobs } from '#shared/adapters/dynamodb/fan-sync-jobs.ts';
import { fanSyncKeys } from '#shared/adapters/dynamodb/fan-sync-keys.ts';
import { DynamoFanSyncRequests } from '#shared/adapters/dynamodb/fan-sync-requests.ts';
import { DynamoFollowers, followerFromItem, followerKeys } from '#shared/adapters/dynamodb/followers.ts';
import { DynamoLease } from '#shared/adapters/dynamodb/lease.ts';
import { idempotentSteps } from '#shared/adapters/idempotency/fan-sync-steps.ts';
import type { QueuePublisher } from '#shared/adapters/queues/queue-publisher.ts';
import { auditedStatusChanges } from '#shared/domain/accounts/authorization-changes.ts';
import type { AccountRecord } from '#shared/domain/accounts/model.ts';
import type { FanSyncMessage, Follower } from '#shared/domain/fans/model.ts';
import { stepQueue } from '#shared/domain/fans/step-queue.ts';
import { FanSyncWorker, followerWeChat, type FanSyncWorkerDeps } from '#shared/domain/fans/sync.ts';
import { AuthorizerTokenService } from '#shared/domain/tokens/authorizer-token.ts';
import type { SimAccountSpec } from '#infra/local/wechat-simulator/simulator.ts';
import { startLifecycleWorld, type LifecycleWorld } from '#test/integration/support/world.ts';

export interface FanWorld extends LifecycleWorld {
  tokens: AuthorizerTokenService;
  jobs: DynamoFanSyncJobs;
  followers: DynamoFollowers;
  /** The `fan-sync` queue: messages sent and not yet delivered. */
  queue: SyncQueue;
  requests: DynamoFanSyncRequests;
  /** A worker wired like the Lambda's, with `overrides` replacing some of its parts. */
  worker(overrides?: Partial<FanSyncWorkerDeps>): FanSyncWorker;
}

export class SyncQueue {
  readonly waiting: FanSyncMessage[] = [];
  /** Every message ever sent, in order. */
  readonly sent: FanSyncMessage[] = [];

  readonly publisher: QueuePublisher = {
    send: async (messages) => {
      for (const message of messages) {
        const parsed = JSON.parse(message.body) as FanSyncMessage;
        this.waiting.push(parsed);
        this.sent.push(parsed);
      }
    },
  };

  take(count: number): FanSyncMessage[] {
    return this.waiting.splice(0, count);
  }
}

export interface DrainOptions {
  /** Deliver every message this many times (a duplicate delivery is a second, concurrent receive). */
  copies?: number;
  /** Messages delivered side by side. */
  concurrency?: number;
  /** Receives before a message counts as on its last one (the queue's maxReceiveCount). */
  maxReceives?: number;
}

/**
 * Delivers until the queue is empty, as SQS would: a step that throws comes back later with one
 * more receive, up to `maxReceives` (then it is dropped: the dead-letter queue).
 */
export async function drain(world: FanWorld, worker: FanSyncWorker, options: DrainOptions = {}): Promise<{ deadLetters: FanSyncMessage[] }> {
  const copies = options.copies ?? 1;
  const concurrency = options.concurrency ?? 8;
  const maxReceives = options.maxReceives ?? 5;
  const receives = new Map<FanSyncMessage, number>();
  const deadLetters: FanSyncMessage[] = [];
  for (let rounds = 0; world.queue.waiting.length > 0; rounds += 1) {
    if (rounds > 10_000) throw new Error('the sync did not settle');
    const batch = world.queue.take(concurrency);
    await Promise.all(
      batch.map(async (message) => {
        const count = (receives.get(message) ?? 0) + 1;
        receives.set(message, count);
        const outcomes = await Promise.allSettled(
          Array.from({ length: copies }, () => worker.handle(structuredClone(message), { last: count >= maxReceives })),
        );
        if (outcomes.some((outcome) => outcome.status === 'rejected')) {
          if (count >= maxReceives) deadLetters.push(message);
          else world.queue.waiting.push(message);
        }
      }),
    );
  }
  return { deadLetters };
}

export async function startFanWorld(label: string): Promise<FanWorld> {
  const base = await startLifecycleWorld(label);
  const { client, name } = base.table;
  const tokens = new AuthorizerTokenService({
    store: new DynamoAuthorizerTokenStore(client, name),
    statusChanges: auditedStatusChanges(new DynamoAccountStatusMarks(client, name), new DynamoAuditLog(client, name)),
    lease: new DynamoLease(client, name),
    api: base.client,
    component: base.component,
    componentAppId: async () => base.componentAppId,
    options: { waitForRefreshMs: 30_000 },
  });
  const queue = new SyncQueue();
  const jobs = new DynamoFanSyncJobs(client, name);
  const followers = new DynamoFollowers(client, name);
  const directory = new DynamoAccountDirectory(client, name);
  const steps = idempotentSteps({
    client: new DynamoDBClient({ endpoint: base.table.endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
    table: name,
  });
  steps.registerContext({ getRemainingTimeInMillis: () => 60_000 });
  const world: FanWorld = {
    ...base,
    tokens,
    jobs,
    followers,
    queue,
    requests: new DynamoFanSyncRequests(client, name, queue.publisher),
    worker: (overrides = {}) =>
      new FanSyncWorker({
        jobs,
        followers,
        wechat: followerWeChat(base.client, (appid) => tokens.forAccount(appid)),
        accounts: { get: (appid) => directory.account(appid) },
        queue: stepQueue(queue.publisher),
        once: steps.once,
        ...overrides,
      }),
  };
  return world;
}

export interface FanAccount {
  appid: string;
  tenantId: string;
}

/** An account with followers, authorized in the simulator and bound to a tenant in the table. */
export async function bindFanAccount(world: FanWorld, spec: Partial<SimAccountSpec> & { tenantId?: string } = {}): Promise<FanAccount> {
  const { tenantId: requestedTenant, ...accountSpec } = spec;
  const account = world.simulator.addAccount({ nickname: 'Fan test account', serviceType: 'service', verified: true, followers: 250, ...accountSpec });
  const funcIds = [1, 2, 3];
  const { authCode } = await world.simulator.authorize(account.appid, funcIds);
  const { authorizationInfo } = await world.client.queryAuth(world.component, { componentAppId: world.componentAppId, authorizationCode: authCode });
  const tenantId = requestedTenant ?? `tenant-${randomBytes(4).toString('hex')}`;
  const at = new Date().toISOString();
  const record: AccountRecord = {
    appid: account.appid,
    userName: account.userName,
    nickname: account.nickname,
    serviceTypeId: 2,
    verifyTypeId: 0,
    openPay: false,
    funcIds,
    status: 'active',
    ownerTenantId: tenantId,
    authorizedAt: at,
    updatedAt: at,
  };
  const put = (item: Record<string, unknown>) => world.table.client.send(new PutCommand({ TableName: world.table.name, Item: item }));
  await put({ pk: accountKeys.accountPk(account.appid), sk: accountKeys.accountSk, type: 'Account', ...record });
  const tokens = {
    accessToken: authorizationInfo.authorizerAccessToken!,
    expiresAt: new Date(Date.now() + 7_000_000).toISOString(),
    refreshToken: authorizationInfo.authorizerRefreshToken!,
  };
  await put({ pk: accountKeys.accountPk(account.appid), sk: accountKeys.tokenSk, ...authorizerTokenAttributes(account.appid, tokens, at) });
  await put({
    pk: accountKeys.tenantPk(tenantId),
    sk: accountKeys.linkSk(account.appid),
    type: 'TenantLink',
    tenantId,
    appid: account.appid,
    role: 'owner',
    linkedAt: at,
    plaintextAuthorization: false,
    gsi1pk: accountKeys.linksOfAccount(account.appid),
    gsi1sk: accountKeys.linkGsiSk('owner', tenantId),
  });
  return { appid: account.appid, tenantId };
}

/** Every follower item of the account, read consistently. */
export async function storedFollowers(world: FanWorld, appid: string): Promise<Follower[]> {
  const followers: Follower[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await world.table.client.send(
      new QueryCommand({
        TableName: world.table.name,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': followerKeys.pk(appid) },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    followers.push(...(page.Items ?? []).map(followerFromItem));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return followers;
}

export async function jobItem(world: FanWorld, appid: string, jobId: string): Promise<Record<string, unknown> | undefined> {
  return (
    await world.table.client.send(
      new GetCommand({ TableName: world.table.name, Key: { pk: fanSyncKeys.pk(appid), sk: fanSyncKeys.sk(jobId) }, ConsistentRead: true }),
    )
  ).Item;
}

export async function accountFans(world: FanWorld, appid: string): Promise<unknown> {
  const item = (
    await world.table.client.send(
      new GetCommand({ TableName: world.table.name, Key: { pk: accountKeys.accountPk(appid), sk: accountKeys.accountSk }, ConsistentRead: true }),
    )
  ).Item;
  return item?.fans;
}

/** The counters API.md shows for a job. */
export const countersOf = (view: { status: string; listed: number; synced: number; failed: number; unsubscribedMarked: number } | undefined) =>
  view && { status: view.status, listed: view.listed, synced: view.synced, failed: view.failed, unsubscribedMarked: view.unsubscribedMarked };
