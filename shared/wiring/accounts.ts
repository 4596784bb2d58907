/**
 * The accounts area wired to the table and WeChat: the console's reads and settings, the account
 * lifecycle (re-authorization and revocation by push, unbinding and release with their cascades: the
 * department grants', this area's rule, then the sharing area's), the unbinding's continuation on the
 * `account-unbinding` queue, and the open platform account.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  DynamoAccountLifecycle,
  DynamoGrantCascadeReads,
  grantRemovalItems,
  type ReleaseCascade,
  type UnbindCascade,
} from '#shared/adapters/dynamodb/account-lifecycle.ts';
import { autoReplyUnbindCascade } from '#shared/adapters/dynamodb/auto-replies.ts';
import { DynamoAccountDirectory, DynamoAccountSettingsStore } from '#shared/adapters/dynamodb/account-queries.ts';
import { DynamoDepartmentGrants } from '#shared/adapters/dynamodb/department-grants.ts';
import { DynamoFanSyncRequests } from '#shared/adapters/dynamodb/fan-sync-requests.ts';
import { queuePublisher } from '#shared/adapters/queues/queue-publisher.ts';
import { queuedUnbindingContinuation, UNBINDING_CONTINUATION_QUEUE } from '#shared/adapters/queues/unbinding-continuation.ts';
import { db, tableName } from '#shared/db/client.ts';
import { authorizationChangeWeChat, type AuthorizationChangeDeps } from '#shared/domain/accounts/authorization-changes.ts';
import type { OpenPlatformChoice } from '#shared/domain/accounts/model.ts';
import { openPlatformAfterBinding, openPlatformWeChat, type OpenPlatformDeps } from '#shared/domain/accounts/open-platform.ts';
import { AccountQueries } from '#shared/domain/accounts/queries.ts';
import { AccountSettings } from '#shared/domain/accounts/settings.ts';
import {
  authorizationCheck,
  grantsReleaseTakes,
  grantsUnbindingTakes,
  type UnbindDeps,
  type UnbindingContinuation,
  type UnbindingDeps,
} from '#shared/domain/accounts/unbind.ts';
import { wechatApiClient } from '#shared/wechat/api-client.ts';
import { auditLog, componentAppId, log, now } from '#shared/wiring/common.ts';
import { sharingCascadesOn } from '#shared/wiring/sharing.ts';
import { tenantRequiredFuncIds } from '#shared/wiring/tenants.ts';
import { authorizerTokens, componentTokenService } from '#shared/wiring/tokens.ts';
import { eventOutbox } from '#shared/wiring/events.ts';

let lifecycle: DynamoAccountLifecycle | undefined;

/** The process-wide account lifecycle store, with its cascades. */
export function accountLifecycle(): DynamoAccountLifecycle {
  lifecycle ??= accountLifecycleOn(db(), tableName());
  return lifecycle;
}

/**
 * The account lifecycle on a table, with the cascades of an unbinding and a release: the department
 * grants first (found through the links the sharing part deletes), then the sharing area's.
 */
export function accountLifecycleOn(client: DynamoDBDocumentClient, table: string, options: { transactionLimit?: number } = {}): DynamoAccountLifecycle {
  const grants = grantCascadesOn(client, table);
  const sharing = sharingCascadesOn(client, table);
  // The auto-reply rules go with an owner's unbinding, so that a later owner never answers with them.
  return new DynamoAccountLifecycle(client, table, {
    unbindCascades: [grants.unbind, sharing.unbind, autoReplyUnbindCascade(table)],
    releaseCascades: [grants.release, sharing.release],
    ...options,
  });
}

/** The department grants' part of an unbinding and of a release (the rule: `unbind.ts`). */
export function grantCascadesOn(client: DynamoDBDocumentClient, table: string): { unbind: UnbindCascade; release: ReleaseCascade } {
  const reads = new DynamoGrantCascadeReads(client, table);
  return {
    unbind: { itemsToRemove: async (appid) => grantRemovalItems(table, appid, await grantsUnbindingTakes(appid, reads)) },
    release: { itemsToRemove: async (tenantId, appid) => grantRemovalItems(table, appid, await grantsReleaseTakes(tenantId, appid, reads)) },
  };
}

/** The unbinding's continuation: a delayed message for `unbinding-worker`. */
export function unbindingContinuation(): UnbindingContinuation {
  return queuedUnbindingContinuation(queuePublisher(UNBINDING_CONTINUATION_QUEUE));
}

/** The console's account reads (who sees what; `missingPermissions` against the looking tenant's effective policy). */
export function accountQueries(): AccountQueries {
  return new AccountQueries(new DynamoAccountDirectory(db(), tableName()), new DynamoDepartmentGrants(db(), tableName()), tenantRequiredFuncIds());
}

/** `PATCH /v1/accounts/{appid}`. */
export function accountSettings(): AccountSettings {
  return new AccountSettings(accountQueries(), new DynamoAccountSettingsStore(db(), tableName()), auditLog());
}

/** What an authorization push (re-authorization, revocation) of a held account is answered with. */
export function authorizationChangeDeps(): AuthorizationChangeDeps {
  return {
    store: accountLifecycle(),
    wechat: authorizationChangeWeChat(wechatApiClient(), componentTokenService(), componentAppId),
    audit: auditLog(),
    now,
    log,
    fanSync: new DynamoFanSyncRequests(db(), tableName(), queuePublisher('fan-sync')),
    events: eventOutbox(),
  };
}

/** `DELETE /v1/accounts/{appid}`: the owner's unbinding, a recipient's release. */
export function unbindDeps(): UnbindDeps {
  return {
    store: accountLifecycle(),
    wechat: authorizationCheck(wechatApiClient(), componentTokenService(), componentAppId),
    audit: auditLog(),
    now,
    continuation: unbindingContinuation(),
    events: eventOutbox(),
  };
}

/** Finishing an unbinding: the continuation worker (with the clock) and the binding callback's `endRevokedBinding`. */
export function unbindingDeps(): UnbindingDeps & Pick<UnbindDeps, 'now'> {
  return { store: accountLifecycle(), audit: auditLog(), continuation: unbindingContinuation(), events: eventOutbox(), now };
}

export function openPlatformDeps(): OpenPlatformDeps {
  return { store: accountLifecycle(), wechat: openPlatformWeChat(wechatApiClient(), authorizerTokens), audit: auditLog(), now };
}

/**
 * For the binding's `afterBind`: the open-platform step the admin chose (`create`, `{ openAppId }`,
 * `none`) right after a binding. Never throws; its outcome is the account's `openPlatform` and an
 * audit event (`account.open_platform_bound|failed|skipped`).
 */
export async function openPlatformAfterBind(binding: { tenantId: string; userId: string; appid: string; openPlatform?: OpenPlatformChoice }): Promise<void> {
  if (!binding.openPlatform) return;
  await openPlatformAfterBinding({ ...binding, choice: binding.openPlatform }, { ...openPlatformDeps(), log });
}
