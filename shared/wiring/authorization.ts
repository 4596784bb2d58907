/**
 * Authorization pushes (WeChat's 授权事件接收URL, `component-events`): the ticket receipt stores the
 * `component_verify_ticket`, each authorization push is recorded once and answered by the account
 * lifecycle (re-authorization, revocation).
 */
import { DynamoAuthorizationEvents } from '#shared/adapters/dynamodb/authorization-events.ts';
import { db, tableName } from '#shared/db/client.ts';
import { authorizationChanges } from '#shared/domain/accounts/authorization-changes.ts';
import type { ComponentPushDeps } from '#shared/domain/authorization/component-push.ts';
import { authorizationChangeDeps } from '#shared/wiring/accounts.ts';
import { now } from '#shared/wiring/common.ts';
import { componentTokenService } from '#shared/wiring/tokens.ts';

export function componentPushDeps(): ComponentPushDeps {
  return {
    tickets: componentTokenService(),
    events: new DynamoAuthorizationEvents(db(), tableName()),
    reactions: authorizationChanges(authorizationChangeDeps()),
    now,
  };
}
