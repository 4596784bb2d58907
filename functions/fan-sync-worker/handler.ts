/**
 * Consumer of the `fan-sync` queue: one follower-sync step per message (`start`, `page`, `chunk`,
 * `finish`; `shared/domain/fans/sync.ts`) through `queueWorker`: a malformed step is dropped, a failed
 * one redelivered alone, and the step knows its last receive so the job ends anyway. Page and finish
 * steps are idempotent through Powertools idempotency on the table.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoAccountDirectory } from '#shared/adapters/dynamodb/account-queries.ts';
import { authorizerTokenService } from '#shared/adapters/dynamodb/authorizer-token-store.ts';
import { DynamoFanSyncJobs, idempotentSteps, stepQueue } from '#shared/adapters/dynamodb/fan-sync-jobs.ts';
import { DynamoFollowers } from '#shared/adapters/dynamodb/followers.ts';
import { queuePublisher } from '#shared/adapters/queues/queue-publisher.ts';
import { config } from '#shared/config/config.ts';
import { db, tableName } from '#shared/db/client.ts';
import { fanSyncStepSchema } from '#shared/domain/fans/step-schema.ts';
import { cachedTokens, FanSyncWorker, followerWeChat } from '#shared/domain/fans/sync.ts';
import { queueWorker } from '#shared/http/queue-worker.ts';
import { logger } from '#shared/observability/powertools.ts';
import { wechatApiClient } from '#shared/wechat/api-client.ts';

const endpoint = config().dynamoDbEndpoint;
const steps = idempotentSteps({
  client: new DynamoDBClient(
    endpoint ? { endpoint, region: process.env.AWS_REGION ?? 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {},
  ),
  table: tableName(),
});
const directory = new DynamoAccountDirectory(db(), tableName());
const worker = new FanSyncWorker({
  jobs: new DynamoFanSyncJobs(db(), tableName()),
  followers: new DynamoFollowers(db(), tableName()),
  wechat: followerWeChat(wechatApiClient(), cachedTokens(authorizerTokenService())),
  accounts: { get: (id) => directory.account(id) },
  queue: stepQueue(queuePublisher('fan-sync')),
  once: steps.once,
  log: { info: (message, extra) => logger.info(message, { ...extra }), warn: (message, extra) => logger.warn(message, { ...extra }) },
});

export const handler = queueWorker(
  { queue: 'fan-sync', message: fanSyncStepSchema, noun: 'fan-sync step', failureMetric: 'FanSyncStepRetried', logFields: ({ type, appid, jobId }) => ({ step: type, appid, jobId }) },
  async (step, { last, context }) => {
    steps.registerContext(context);
    await worker.handle(step, { last });
  },
);
