/**
 * The binding area wired to the table, WeChat and the configuration: the authorization link, and
 * WeChat's redirect after consent (taking over a revoked binding ends it as its owner's unbinding
 * would, and a binding being unbound is finished first, `shared/domain/accounts/unbind.ts`
 * `endRevokedBinding`; the first follower sync is queued; then the open-platform step the admin chose).
 * The callback applies the tenant's own binding policy and quota (`shared/wiring/tenants.ts`), the
 * deployment defaults where it has none.
 */
import { DynamoAccountStore } from '#shared/adapters/dynamodb/account-store.ts';
import { DynamoAuthorizationStates } from '#shared/adapters/dynamodb/authorization-states.ts';
import { DynamoFanSyncRequests } from '#shared/adapters/dynamodb/fan-sync-requests.ts';
import { queuePublisher } from '#shared/adapters/queues/queue-publisher.ts';
import { config } from '#shared/config/config.ts';
import { wechatCredentials } from '#shared/config/wechat-credentials.ts';
import { db, tableName } from '#shared/db/client.ts';
import { endRevokedBinding } from '#shared/domain/accounts/unbind.ts';
import type { AuthorizationPageDeps } from '#shared/domain/binding/authorization-page.ts';
import type { CompleteAuthorizationDeps } from '#shared/domain/binding/complete-authorization.ts';
import type { CreateAuthorizationDeps } from '#shared/domain/binding/create-authorization.ts';
import { wechatBinding } from '#shared/domain/binding/wechat-binding.ts';
import { wechatApiClient } from '#shared/wechat/api-client.ts';
import { openPlatformAfterBind, unbindingDeps } from '#shared/wiring/accounts.ts';
import { auditLog, log, now } from '#shared/wiring/common.ts';
import { componentTokenService } from '#shared/wiring/tokens.ts';
import { eventOutbox } from '#shared/wiring/events.ts';
import { tenantSettingsReader } from '#shared/wiring/tenants.ts';

const bindingWeChat = () => wechatBinding(wechatApiClient(), componentTokenService(), wechatCredentials);

/** `POST /v1/authorizations`. */
export function createAuthorizationDeps(): CreateAuthorizationDeps {
  return {
    wechat: bindingWeChat(),
    states: new DynamoAuthorizationStates(db(), tableName()),
    accounts: new DynamoAccountStore(db(), tableName()),
    publicBaseUrl: config().publicBaseUrl,
    now,
  };
}

/** The hub's authorization page (`GET /v1/wechat/authorize`, WeChat's 授权发起页). */
export function authorizationPageDeps(): AuthorizationPageDeps {
  return { states: new DynamoAuthorizationStates(db(), tableName()), publicBaseUrl: config().publicBaseUrl, mpBase: config().wechatMpBase, now };
}

/** WeChat's redirect after consent (`GET /v1/wechat/authorized`). */
export function completeAuthorizationDeps(): CompleteAuthorizationDeps {
  return {
    states: new DynamoAuthorizationStates(db(), tableName()),
    wechat: bindingWeChat(),
    accounts: new DynamoAccountStore(db(), tableName()),
    fanSync: new DynamoFanSyncRequests(db(), tableName(), queuePublisher('fan-sync')),
    audit: auditLog(),
    events: eventOutbox(),
    // The tenant's effective policy and quota (the operator's settings over the deployment defaults).
    tenantSettings: tenantSettingsReader(),
    defaultQuota: config().defaultAccountQuota,
    // The open-platform step the admin chose with the link (default: create, or keep the one WeChat
    // shows), so followers carry a unionid. Never undoes the binding; its outcome is stored and audited.
    afterBind: (binding) => openPlatformAfterBind(binding),
    endRevokedBinding: (previous, at) => endRevokedBinding(previous, at, unbindingDeps()),
    now,
    log,
  };
}
