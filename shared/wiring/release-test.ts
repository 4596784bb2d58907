/**
 * The full-network release test (全网发布): the queue the message URL hands the API case to, and the
 * worker's deps (the code exchange, with the pushed code as fallback, and the customer-service message).
 */
import { DynamoAuthorizationEvents } from '#shared/adapters/dynamodb/authorization-events.ts';
import { queuePublisher } from '#shared/adapters/queues/queue-publisher.ts';
import { db, tableName } from '#shared/db/client.ts';
import type { AccountMessageDeps } from '#shared/domain/messages/account-message.ts';
import type { ReleaseTestDeps } from '#shared/domain/release-test/release-test.ts';
import { wechatApiClient } from '#shared/wechat/api-client.ts';
import { componentAppId } from '#shared/wiring/common.ts';
import { componentTokenService } from '#shared/wiring/tokens.ts';

/** Where the message URL queues the release test's API case. */
export function releaseTestQueue(): AccountMessageDeps['releaseTestQueue'] {
  const queue = queuePublisher('release-test');
  return { enqueue: async (job: object) => queue.send([{ body: JSON.stringify(job) }]) };
}

export function releaseTestDeps(): ReleaseTestDeps {
  const events = new DynamoAuthorizationEvents(db(), tableName());
  return {
    api: wechatApiClient(),
    componentToken: componentTokenService(),
    componentAppId,
    latestPushedCode: (appid: string) => events.latestCode(appid),
  };
}
