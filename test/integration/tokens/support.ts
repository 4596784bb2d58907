/**
 * The scheduled refresh and reconciliation wired to a private table and the WeChat simulator the
 * way their handlers wire them to the real ones (`test/integration/support/world.ts`).
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { accountKeys, authorizerTokenAttributes } from '#shared/adapters/dynamodb/account-keys.ts';
import { DynamoAuditLog } from '#shared/adapters/dynamodb/audit-log.ts';
import { DynamoAccountStatusMarks, DynamoAuthorizerTokenStore, DynamoRecoveryMarks } from '#shared/adapters/dynamodb/authorizer-token-store.ts';
import { DynamoLease } from '#shared/adapters/dynamodb/lease.ts';
import { DynamoDueIndex } from '#shared/adapters/dynamodb/token-due-index.ts';
import { auditedStatusChanges } from '#shared/domain/accounts/authorization-changes.ts';
import { AuthorizerTokenService } from '#shared/domain/tokens/authorizer-token.ts';
import { ReusedComponentToken } from '#shared/domain/tokens/reused-component-token.ts';
import type { DueIndex } from '#shared/domain/tokens/ports.ts';
import { runScheduledRefresh, type ScheduledRefreshOptions } from '#shared/domain/tokens/scheduled-refresh.ts';
import { recoverAuthorizerToken, TokenRecoveryRequests, type RecoveryJobOptions } from '#shared/domain/tokens/token-recovery.ts';
import type { AuthorizerListResult } from '#shared/wechat/api-types.ts';
import type { LifecycleWorld } from '#test/integration/support/world.ts';

export const statusChangesOf = (world: LifecycleWorld) =>
  auditedStatusChanges(new DynamoAccountStatusMarks(world.table.client, world.table.name), new DynamoAuditLog(world.table.client, world.table.name));

/** The `token-recovery` queue as a list of the appids sent to it. */
export const recoveryQueue = () => {
  const sent: string[] = [];
  return { sent, send: async (appid: string) => void sent.push(appid) };
};

export function tokenService(
  world: LifecycleWorld,
  component = world.component as { current(): Promise<string>; expire(used: string): Promise<void> },
  queue = recoveryQueue(),
) {
  return new AuthorizerTokenService({
    store: new DynamoAuthorizerTokenStore(world.table.client, world.table.name),
    statusChanges: statusChangesOf(world),
    lease: new DynamoLease(world.table.client, world.table.name),
    api: world.client,
    recovery: new TokenRecoveryRequests({ marks: new DynamoRecoveryMarks(world.table.client, world.table.name), queue }),
    component,
    componentAppId: async () => world.componentAppId,
    // The embedded engine serves one request at a time on a shared machine: the wait bound is generous.
    options: { waitForRefreshMs: 30_000 },
  });
}

export const dueIndex = (world: LifecycleWorld) => new DynamoDueIndex(world.table.client, world.table.name);

/** One scheduled run as `functions/token-refresh` runs it. */
export function scheduledRun(
  world: LifecycleWorld,
  options: { remainingMs?: () => number; options?: Partial<ScheduledRefreshOptions>; index?: DueIndex } = {},
) {
  return runScheduledRefresh({
    component: world.component,
    index: options.index ?? dueIndex(world),
    tokens: tokenService(world, new ReusedComponentToken(world.component)),
    remainingMs: options.remainingMs ?? (() => 200_000),
    ...(options.options ? { options: options.options } : {}),
  });
}

/** Rewrites the stored token so that it expires at `expiresAt` (and is due accordingly). */
export async function setExpiry(world: LifecycleWorld, appid: string, stored: { accessToken: string; refreshToken: string }, expiresAt: string) {
  const attributes = authorizerTokenAttributes(appid, { ...stored, expiresAt }, new Date().toISOString());
  await world.table.client.send(
    new UpdateCommand({
      TableName: world.table.name,
      Key: { pk: accountKeys.accountPk(appid), sk: accountKeys.tokenSk },
      UpdateExpression: 'SET expiresAt = :expiresAt, gsi2sk = :gsi2sk',
      ExpressionAttributeValues: { ':expiresAt': attributes.expiresAt, ':gsi2sk': attributes.gsi2sk },
    }),
  );
}

/** One delivery of the recovery job as `functions/recover-authorizer-token` runs it. */
export function recoveryJob(
  world: LifecycleWorld,
  appid: string,
  o: {
    queue?: ReturnType<typeof recoveryQueue>;
    remainingMs?: () => number;
    last?: boolean;
    options?: Partial<RecoveryJobOptions>;
    authorizerList?: (offset: number, count: number) => Promise<AuthorizerListResult>;
  } = {},
) {
  const queue = o.queue ?? recoveryQueue();
  return recoverAuthorizerToken(
    { appid },
    { last: o.last ?? false },
    {
      store: new DynamoAuthorizerTokenStore(world.table.client, world.table.name),
      marks: new DynamoRecoveryMarks(world.table.client, world.table.name),
      authorizerList:
        o.authorizerList ?? ((offset, count) => world.client.getAuthorizerList(world.component, { componentAppId: world.componentAppId, offset, count })),
      tokens: tokenService(world, world.component, queue),
      statusChanges: statusChangesOf(world),
      queue,
      remainingMs: o.remainingMs ?? (() => 50_000),
      ...(o.options ? { options: o.options } : {}),
    },
  );
}
