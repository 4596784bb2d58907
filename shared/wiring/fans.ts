/**
 * The fans area wired: every use case of `shared/domain/fans/` with the adapters it runs on in a
 * function (the table, the `fan-sync` queue, WeChat, Powertools), built once per cold start by the
 * handler that needs it. Handlers import from here and construct nothing themselves.
 *
 * | builder | for |
 * |---|---|
 * | `fanSyncWorker()` | `functions/fan-sync-worker` (the sync's steps, idempotent page and finish steps; new unionids queued for the WeCom link) |
 * | `fanConsole()` | `list-fans`, `get-contact`, `get-fan-sync`; with `{ startsSyncs: true }` `start-fan-sync`, the only console route that sends to the queue |
 * | `pausedSyncResume()` | `resume-fan-syncs` (the daily resume after WeChat's quota day) |
 * | `fanSyncRequests(trigger)` | whoever asks for a full sync outside the console (a binding, a re-authorization) |
 * | `followEvents()` | the subscribe and unsubscribe events of `account-events` (new unionids queued for the WeCom link, `follower-links.ts`) |
 * | `fanFeed()` | `list-changed-fans` (the internal follower feed) |
 * | `fanHistory()` | `get-fan-history` (a follower's history, the owner's as the console's follower reads) |
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoAccountDirectory } from '#shared/adapters/dynamodb/account-queries.ts';
import { DynamoAuditLog } from '#shared/adapters/dynamodb/audit-log.ts';
import { authorizerTokens, authorizerTokenService } from '#shared/wiring/tokens.ts';
import { DynamoDepartmentGrants } from '#shared/adapters/dynamodb/department-grants.ts';
import { DynamoFanSyncJobs, type FanSyncTrigger } from '#shared/adapters/dynamodb/fan-sync-jobs.ts';
import { DynamoFanSyncRequests } from '#shared/adapters/dynamodb/fan-sync-requests.ts';
import { DynamoFollowEvents, DynamoFollowHistory } from '#shared/adapters/dynamodb/follow-history.ts';
import { DynamoFollowerFeed } from '#shared/adapters/dynamodb/follower-feed.ts';
import { DynamoFollowers } from '#shared/adapters/dynamodb/followers.ts';
import { idempotentSteps, type IdempotentSteps } from '#shared/adapters/idempotency/fan-sync-steps.ts';
import { queuePublisher } from '#shared/adapters/queues/queue-publisher.ts';
import { config } from '#shared/config/config.ts';
import { db, tableName } from '#shared/db/client.ts';
import { AccountQueries } from '#shared/domain/accounts/queries.ts';
import { FanConsole } from '#shared/domain/fans/console.ts';
import type { FollowerFeedDeps } from '#shared/domain/fans/feed.ts';
import type { FollowerHistoryDeps } from '#shared/domain/fans/history.ts';
import { FollowEvents } from '#shared/domain/fans/follow-events.ts';
import type { FanSyncRequests, MessageSender } from '#shared/domain/fans/ports.ts';
import type { ResumeDeps } from '#shared/domain/fans/resume.ts';
import { stepQueue } from '#shared/domain/fans/step-queue.ts';
import { cachedTokens, FanSyncWorker, followerWeChat } from '#shared/domain/fans/sync.ts';
import { logger } from '#shared/observability/powertools.ts';
import { WeChatApiClient, wechatApiClient } from '#shared/wechat/api-client.ts';
import { eventOutbox } from '#shared/wiring/events.ts';
import { followerLinks } from '#shared/wiring/follower-links.ts';

/** The table a builder works on: the function's own unless a test hands it another. */
export interface FansTable {
  client: DynamoDBDocumentClient;
  table: string;
}

const liveTable = (): FansTable => ({ client: db(), table: tableName() });

const fanSyncQueue = (): MessageSender => queuePublisher('fan-sync');

const log = {
  info: (message: string, extra?: object) => logger.info(message, { ...extra }),
  warn: (message: string, extra?: object) => logger.warn(message, { ...extra }),
};

/** A queue for the console's read routes: they never start a sync. */
const refuse: MessageSender = {
  send: async () => {
    throw new Error('This function does not send to the fan-sync queue');
  },
};

/** The sync's worker, and its idempotent steps (the handler registers each invocation's context on them). */
export function fanSyncWorker(): { worker: FanSyncWorker; steps: IdempotentSteps } {
  const { client, table } = liveTable();
  const endpoint = config().dynamoDbEndpoint;
  // Powertools' persistence layer takes the plain client, not the document client.
  const steps = idempotentSteps({
    client: new DynamoDBClient(
      endpoint ? { endpoint, region: process.env.AWS_REGION ?? 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {},
    ),
    table,
  });
  const directory = new DynamoAccountDirectory(client, table);
  const jobs = new DynamoFanSyncJobs(client, table);
  const worker = new FanSyncWorker({
    jobs,
    followers: new DynamoFollowers(client, table),
    wechat: followerWeChat(wechatApiClient(), cachedTokens(authorizerTokenService())),
    accounts: { get: (id) => directory.account(id) },
    queue: stepQueue(fanSyncQueue()),
    once: steps.once,
    log,
    events: { outbox: eventOutbox({ client, table }), jobs },
    links: followerLinks({ client, table }),
  });
  return { worker, steps };
}

/** The console's follower routes (API.md §3); only with `startsSyncs` does it send to the `fan-sync` queue. */
export function fanConsole(options: { startsSyncs?: boolean; table?: FansTable; queue?: MessageSender; requiredFuncIds?: readonly number[] } = {}): FanConsole {
  const { client, table } = options.table ?? liveTable();
  const directory = new DynamoAccountDirectory(client, table);
  const grants = new DynamoDepartmentGrants(client, table);
  const queue = options.queue ?? (options.startsSyncs ? fanSyncQueue() : refuse);
  return new FanConsole({
    accounts: new AccountQueries(directory, grants, options.requiredFuncIds ?? []),
    directory,
    grants,
    followers: new DynamoFollowers(client, table),
    jobs: new DynamoFanSyncJobs(client, table),
    starter: new DynamoFanSyncRequests(client, table, queue, 'console'),
    audit: new DynamoAuditLog(client, table),
  });
}

/** The daily resume of syncs paused by WeChat's quota. */
export function pausedSyncResume(): ResumeDeps {
  const { client, table } = liveTable();
  return { store: new DynamoFanSyncJobs(client, table), queue: stepQueue(fanSyncQueue()) };
}

/** Full syncs asked for by something other than the console. */
export function fanSyncRequests(trigger: FanSyncTrigger = 'binding'): FanSyncRequests {
  const { client, table } = liveTable();
  return new DynamoFanSyncRequests(client, table, fanSyncQueue(), trigger);
}

/**
 * Subscribe and unsubscribe events. WeChat waits 5 s for the push's answer: the new follower's
 * profile gets a short, bounded try of its own.
 */
export function followEvents(): FollowEvents {
  const { client, table } = liveTable();
  // WeChat waits 5 s for the answer: the new follower's profile gets a short, bounded try of its own.
  const profileClient = new WeChatApiClient({ apiBase: config().wechatApiBase, timeoutMs: 1_500, retries: 1, backoffMs: 100 });
  return new FollowEvents({
    store: new DynamoFollowEvents(client, table),
    profile: (appid, openid) => profileClient.getUserInfo(authorizerTokens(appid), { openId: openid }),
    links: followerLinks({ client, table }),
    log: { warn: log.warn },
  });
}

/** The internal follower feed: any account the hub holds, by appid, and its followers from the feed index. */
export function fanFeed(options: { table?: FansTable } = {}): FollowerFeedDeps {
  const { client, table } = options.table ?? liveTable();
  const directory = new DynamoAccountDirectory(client, table);
  return { accounts: { get: (appid) => directory.account(appid) }, feed: new DynamoFollowerFeed(client, table) };
}

/** A follower's history, with the owner's rule of the console's follower routes. */
export function fanHistory(options: { table?: FansTable } = {}): FollowerHistoryDeps {
  const fansTable = options.table ?? liveTable();
  return { owners: fanConsole({ table: fansTable }), history: new DynamoFollowHistory(fansTable.client, fansTable.table) };
}
