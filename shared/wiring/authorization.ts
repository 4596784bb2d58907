/**
 * Authorization pushes (WeChat's 授权事件接收URL): the receiver (`component-events`) stores the
 * `component_verify_ticket`, stores each authorization push, revokes on `unauthorized` and queues
 * `authorized` / `updateauthorized` on `authorization-push`; the worker (`authorization-push-worker`)
 * applies those through the account lifecycle (re-authorization).
 */
import { DynamoAuthorizationEvents } from '#shared/adapters/dynamodb/authorization-events.ts';
import { queuePublisher } from '#shared/adapters/queues/queue-publisher.ts';
import { db, tableName } from '#shared/db/client.ts';
import { authorizationChanges } from '#shared/domain/accounts/authorization-changes.ts';
import type { ApplyPushDeps } from '#shared/domain/authorization/apply-push.ts';
import type { ComponentPushDeps } from '#shared/domain/authorization/component-push.ts';
import type { AuthorizationPushQueue } from '#shared/domain/authorization/ports.ts';
import { hubQueue } from '#shared/queues/contract.ts';
import { authorizationChangeDeps } from '#shared/wiring/accounts.ts';
import { log, now } from '#shared/wiring/common.ts';
import { componentTokenService } from '#shared/wiring/tokens.ts';

function authorizationPushQueue(): AuthorizationPushQueue {
  const queue = queuePublisher('authorization-push');
  return { send: async (key) => queue.send([{ body: JSON.stringify(key) }]) };
}

export function componentPushDeps(): ComponentPushDeps {
  return {
    tickets: componentTokenService(),
    events: new DynamoAuthorizationEvents(db(), tableName()),
    queue: authorizationPushQueue(),
    reactions: authorizationChanges(authorizationChangeDeps()),
    now,
  };
}

export function applyPushDeps(): ApplyPushDeps {
  return {
    events: new DynamoAuthorizationEvents(db(), tableName()),
    reactions: authorizationChanges(authorizationChangeDeps()),
    now,
    log,
    // A claim outlives the worker's timeout and lapses by the time the queue hands the message out again.
    leaseSeconds: hubQueue('authorization-push').visibilityTimeoutSeconds,
  };
}
