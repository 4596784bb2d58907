/**
 * The accounts area wired to the table and WeChat: the console's reads and settings, the account
 * lifecycle (re-authorization and revocation by push, unbinding and release with the sharing area's
 * cascade) and the open platform account.
 */
import { DynamoAccountLifecycle } from '#shared/adapters/dynamodb/account-lifecycle.ts';
import { DynamoAccountDirectory, DynamoAccountSettingsStore } from '#shared/adapters/dynamodb/account-queries.ts';
import { DynamoDepartmentGrants } from '#shared/adapters/dynamodb/department-grants.ts';
import { DynamoFanSyncRequests } from '#shared/adapters/dynamodb/fan-sync-requests.ts';
import { queuePublisher } from '#shared/adapters/queues/queue-publisher.ts';
import { config } from '#shared/config/config.ts';
import { db, tableName } from '#shared/db/client.ts';
import { authorizationChangeWeChat, type AuthorizationChangeDeps } from '#shared/domain/accounts/authorization-changes.ts';
import { openPlatformAfterBinding, openPlatformWeChat, type OpenPlatformDeps } from '#shared/domain/accounts/open-platform.ts';
import { AccountQueries } from '#shared/domain/accounts/queries.ts';
import { AccountSettings } from '#shared/domain/accounts/settings.ts';
import { authorizationCheck, type UnbindDeps } from '#shared/domain/accounts/unbind.ts';
import { wechatApiClient } from '#shared/wechat/api-client.ts';
import { auditLog, componentAppId, log, now } from '#shared/wiring/common.ts';
import { sharingCascadesOn } from '#shared/wiring/sharing.ts';
import { authorizerTokens, componentTokenService } from '#shared/wiring/tokens.ts';
import { eventOutbox } from '#shared/wiring/events.ts';

let lifecycle: DynamoAccountLifecycle | undefined;

/** The process-wide account lifecycle store, with the sharing area's cascades. */
export function accountLifecycle(): DynamoAccountLifecycle {
  if (!lifecycle) {
    const sharing = sharingCascadesOn(db(), tableName());
    lifecycle = new DynamoAccountLifecycle(db(), tableName(), { unbindCascades: [sharing.unbind], releaseCascades: [sharing.release] });
  }
  return lifecycle;
}

/** The console's account reads (who sees what). */
export function accountQueries(): AccountQueries {
  return new AccountQueries(new DynamoAccountDirectory(db(), tableName()), new DynamoDepartmentGrants(db(), tableName()), config().bindingPolicy.requiredFuncIds);
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
    events: eventOutbox(),
  };
}

export function openPlatformDeps(): OpenPlatformDeps {
  return { store: accountLifecycle(), wechat: openPlatformWeChat(wechatApiClient(), authorizerTokens), audit: auditLog(), now };
}

/**
 * For the binding's `afterBind`: right after a binding, binds the account to an open platform
 * account (keeps an existing one, or creates one) when the tenant's `autoOpenPlatform` is on and the
 * account granted set 24. Never throws; a failure is logged and audited (`open_platform.failed`).
 */
export async function autoOpenPlatformAfterBinding(binding: { tenantId: string; userId: string; appid: string }): Promise<void> {
  await openPlatformAfterBinding(binding, { ...openPlatformDeps(), log });
}
