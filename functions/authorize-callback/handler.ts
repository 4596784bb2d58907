/**
 * GET /v1/wechat/authorized — where WeChat sends the admin's browser after consent. Always a 302 to
 * the console (`bind=ok&appid=…` or `bind=error&code=…`), never an error page (`redirectRoute`).
 * No bearer token and no signature: the single-use `state` is what ties the request to a tenant.
 */
import * as v from 'valibot';
import { accountLifecycle, autoOpenPlatformAfterBinding } from '#shared/adapters/dynamodb/account-lifecycle.ts';
import { DynamoAccountStore } from '#shared/adapters/dynamodb/account-store.ts';
import { DynamoAuditLog } from '#shared/adapters/dynamodb/audit-log.ts';
import { DynamoAuthorizationStates } from '#shared/adapters/dynamodb/authorization-states.ts';
import { componentTokenService } from '#shared/adapters/dynamodb/component-store.ts';
import { DynamoFanSyncRequests } from '#shared/adapters/dynamodb/fan-sync-requests.ts';
import { queuePublisher } from '#shared/adapters/queues/queue-publisher.ts';
import { config } from '#shared/config/config.ts';
import { wechatCredentials } from '#shared/config/wechat-credentials.ts';
import { db, tableName } from '#shared/db/client.ts';
import { consoleRedirectUrl, type CallbackOutcome } from '#shared/domain/binding/authorization-urls.ts';
import { completeAuthorization, type CompleteAuthorizationDeps } from '#shared/domain/binding/complete-authorization.ts';
import { wechatBinding } from '#shared/domain/binding/wechat-binding.ts';
import { redirectRoute } from '#shared/http/redirect-route.ts';
import { logger } from '#shared/observability/powertools.ts';
import { wechatApiClient } from '#shared/wechat/api-client.ts';

const audit = new DynamoAuditLog(db(), tableName());

const deps: CompleteAuthorizationDeps = {
  states: new DynamoAuthorizationStates(db(), tableName()),
  wechat: wechatBinding(wechatApiClient(), componentTokenService(), wechatCredentials),
  accounts: new DynamoAccountStore(db(), tableName()),
  fanSync: new DynamoFanSyncRequests(db(), tableName(), queuePublisher('fan-sync')),
  audit,
  policy: config().bindingPolicy,
  defaultQuota: config().defaultAccountQuota,
  // With the tenant's autoOpenPlatform on (default) and set 24 granted: bind to, or create, the open
  // platform account so followers carry a unionid. Never undoes the binding; failures are audited.
  afterBind: (binding) => autoOpenPlatformAfterBinding(binding),
  // Another organisation's binding that WeChat revoked ends with the same unbind (and cascade) its
  // owner would have run, before this tenant takes the account over.
  endRevokedBinding: async (previous, at) => {
    const result = await accountLifecycle().unbind({ tenantId: previous.ownerTenantId, appid: previous.appid, at });
    if (result === 'done') {
      await audit.record(previous.ownerTenantId, { at, actor: 'system', action: 'account.unbound', appid: previous.appid, details: { reason: 'bound_by_another_organisation' } });
    }
    return result;
  },
  now: () => new Date(),
  log: {
    info: (message, fields = {}) => logger.info(message, fields),
    warn: (message, fields = {}) => logger.warn(message, fields),
    error: (message, fields = {}) => logger.error(message, fields),
  },
};

const query = v.object({
  state: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{16,64}$/)),
  auth_code: v.pipe(v.string(), v.minLength(1), v.maxLength(512)),
  expires_in: v.optional(v.pipe(v.string(), v.regex(/^\d{1,10}$/))),
});

export const handler = redirectRoute(
  {
    name: 'Authorization callback',
    query,
    location: (outcome: CallbackOutcome) => consoleRedirectUrl(config().consoleUrl, outcome),
    invalid: { bind: 'error', code: 'validation_failed' },
    failed: { bind: 'error', code: 'internal_error' },
  },
  async ({ query }): Promise<CallbackOutcome> => {
    const outcome = await completeAuthorization({ state: query.state, authCode: query.auth_code }, deps);
    if (outcome.ok) return { bind: 'ok', appid: outcome.binding.appid };
    return { bind: 'error', code: outcome.error.code, message: outcome.error.message, ...(outcome.appid ? { appid: outcome.appid } : {}) };
  },
);
