/**
 * The fans area's `FollowerLinkRequests` implemented by the WeCom side: the tenant's corp read from the
 * table, the followers queued as `link` steps on `wecom-customer-sync` (`tenantFollowerLinks` in
 * `shared/domain/wecom/link.ts`). Its own file so that `shared/wiring/fans.ts` can hand it to the
 * follow push and the fan sync without importing `shared/wiring/wecom.ts` (which reads the fans area).
 *
 * | builder | for |
 * |---|---|
 * | `customerStepQueue()` | the `wecom-customer-sync` queue (the customer sync's steps, the link steps) |
 * | `followerLinks()` | `followEvents()` and `fanSyncWorker()` in `shared/wiring/fans.ts` |
 */
import { DynamoWeComCorps } from '#shared/adapters/dynamodb/wecom-corps.ts';
import { queuePublisher } from '#shared/adapters/queues/queue-publisher.ts';
import { db, tableName } from '#shared/db/client.ts';
import type { FollowerLinkRequests } from '#shared/domain/fans/ports.ts';
import { queuedLinkRequests, tenantFollowerLinks } from '#shared/domain/wecom/link.ts';
import type { CustomerStepQueue } from '#shared/domain/wecom/ports.ts';

export function customerStepQueue(): CustomerStepQueue {
  const queue = queuePublisher('wecom-customer-sync');
  return {
    send: (steps, options = {}) =>
      queue.send(steps.map((step) => ({ body: JSON.stringify(step), ...(options.delaySeconds ? { delaySeconds: options.delaySeconds } : {}) }))),
  };
}

export function followerLinks(table: { client: ReturnType<typeof db>; table: string } = { client: db(), table: tableName() }): FollowerLinkRequests {
  return tenantFollowerLinks({ corps: new DynamoWeComCorps(table.client, table.table), requests: queuedLinkRequests(customerStepQueue()) });
}
