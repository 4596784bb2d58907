/**
 * The tokens area wired to the table, WeChat (`WECHAT_API_BASE`) and the component's credentials:
 * the component token, every account's authorizer token (a refused refresh token queues its recovery
 * on the `token-recovery` queue), the scheduled refresh, the recovery job, the reconciliation and the
 * vending route. Handlers and other wirings use these; tests build their own services.
 */
import { DynamoAccountStatusMarks, DynamoAuthorizerTokenStore, DynamoRecoveryMarks } from '#shared/adapters/dynamodb/authorizer-token-store.ts';
import { DynamoComponentStore } from '#shared/adapters/dynamodb/component-store.ts';
import { DynamoLease } from '#shared/adapters/dynamodb/lease.ts';
import { DynamoDueIndex } from '#shared/adapters/dynamodb/token-due-index.ts';
import { DynamoAccountDirectory } from '#shared/adapters/dynamodb/account-queries.ts';
import { queuePublisher } from '#shared/adapters/queues/queue-publisher.ts';
import { wechatCredentials } from '#shared/config/wechat-credentials.ts';
import { db, tableName } from '#shared/db/client.ts';
import { auditedStatusChanges } from '#shared/domain/accounts/authorization-changes.ts';
import type { AccountStatusChanges } from '#shared/domain/tokens/ports.ts';
import { AuthorizerTokenService } from '#shared/domain/tokens/authorizer-token.ts';
import { ComponentTokenService } from '#shared/domain/tokens/component-token.ts';
import { reconciliationWeChat, type ReconciliationDependencies } from '#shared/domain/tokens/reconciliation.ts';
import { ReusedComponentToken } from '#shared/domain/tokens/reused-component-token.ts';
import type { ScheduledRefreshDependencies } from '#shared/domain/tokens/scheduled-refresh.ts';
import type { VendingDependencies } from '#shared/domain/tokens/token-vending.ts';
import { TokenRecoveryRequests, type RecoveryJobDependencies, type RecoveryQueue } from '#shared/domain/tokens/token-recovery.ts';
import { wechatApiClient } from '#shared/wechat/api-client.ts';
import type { TokenSource } from '#shared/wechat/api-types.ts';
import { auditLog, componentAppId, log } from '#shared/wiring/common.ts';

let component: ComponentTokenService | undefined;

/** The process-wide component token service (the ticket is stored by the authorization-push flow). */
export function componentTokenService(): ComponentTokenService {
  component ??= new ComponentTokenService({
    store: new DynamoComponentStore(db(), tableName()),
    lease: new DynamoLease(db(), tableName()),
    api: wechatApiClient(),
    credentials: wechatCredentials,
  });
  return component;
}

/** 61003 → revoked, 61023 for good → re-authorization required, each audited in the owner's trail. */
export function accountStatusChanges(): AccountStatusChanges {
  return auditedStatusChanges(new DynamoAccountStatusMarks(db(), tableName()), auditLog());
}

/** The `token-recovery` queue: one `{ appid }` message per recovery (`recover-authorizer-token` consumes it). */
function recoveryQueue(): RecoveryQueue {
  const queue = queuePublisher('token-recovery');
  return { send: (appid: string) => queue.send([{ body: JSON.stringify({ appid }) }]) };
}

function authorizerTokenServiceWith(componentToken: TokenSource): AuthorizerTokenService {
  return new AuthorizerTokenService({
    store: new DynamoAuthorizerTokenStore(db(), tableName()),
    statusChanges: accountStatusChanges(),
    lease: new DynamoLease(db(), tableName()),
    api: wechatApiClient(),
    recovery: new TokenRecoveryRequests({
      marks: new DynamoRecoveryMarks(db(), tableName()),
      queue: recoveryQueue(),
      // The mark stays: it goes stale and a later caller (or the scheduled refresh) queues the job again.
      onQueueFailure: (appid, error) =>
        log.error('Could not queue the recovery of a refused refresh token', { appid, error: error instanceof Error ? error.message : String(error) }),
    }),
    component: componentToken,
    componentAppId,
  });
}

let authorizer: AuthorizerTokenService | undefined;

/** The process-wide authorizer token service. */
export function authorizerTokenService(): AuthorizerTokenService {
  authorizer ??= authorizerTokenServiceWith(componentTokenService());
  return authorizer;
}

/** The access token of one account, for the WeChat client (`TokenSource`). */
export function authorizerTokens(appid: string): TokenSource {
  return authorizerTokenService().forAccount(appid);
}

/** One scheduled run's parts: it reads the component token once per run instead of once per refresh. */
export function scheduledRefreshDeps(): Omit<ScheduledRefreshDependencies, 'remainingMs' | 'options'> {
  const component = componentTokenService();
  return {
    component,
    index: new DynamoDueIndex(db(), tableName()),
    tokens: authorizerTokenServiceWith(new ReusedComponentToken(component)),
  };
}

/** The recovery job's parts (`recover-authorizer-token`); the handler adds the invocation's remaining time. */
export function tokenRecoveryDeps(): Omit<RecoveryJobDependencies, 'remainingMs' | 'options'> {
  const component = componentTokenService();
  const client = wechatApiClient();
  return {
    store: new DynamoAuthorizerTokenStore(db(), tableName()),
    marks: new DynamoRecoveryMarks(db(), tableName()),
    authorizerList: async (offset, count) => client.getAuthorizerList(component, { componentAppId: await componentAppId(), offset, count }),
    tokens: authorizerTokenService(),
    statusChanges: accountStatusChanges(),
    queue: recoveryQueue(),
  };
}

export function reconciliationDeps(): ReconciliationDependencies {
  const statusChanges = accountStatusChanges();
  return {
    index: new DynamoDueIndex(db(), tableName()),
    wechat: reconciliationWeChat(wechatApiClient(), componentTokenService(), componentAppId),
    held: new DynamoAccountStatusMarks(db(), tableName()),
    markRevoked: (appid: string, at: string) => statusChanges.markRevoked(appid, at),
    audit: auditLog(),
  };
}

/** The internal token-vending route. */
export function vendingDeps(): VendingDependencies {
  const accounts = new DynamoAccountDirectory(db(), tableName());
  return {
    tokens: authorizerTokenService(),
    ownerOf: async (appid: string) => (await accounts.account(appid, { consistent: true }))?.ownerTenantId,
    audit: auditLog(),
  };
}
