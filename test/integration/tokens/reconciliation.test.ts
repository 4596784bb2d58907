import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import { DynamoAuditLog } from '#shared/adapters/dynamodb/audit-log.ts';
import { DynamoAccountStatusMarks } from '#shared/adapters/dynamodb/authorizer-token-store.ts';
import type { ReconciliationWeChat } from '#shared/domain/tokens/ports.ts';
import { reconcileAuthorizers, reconciliationWeChat } from '#shared/domain/tokens/reconciliation.ts';
import { accountItem, bindAccount, callsTo, startLifecycleWorld, tokenItem, type LifecycleWorld } from '#test/integration/support/world.ts';
import { dueIndex, statusChangesOf, tokenService } from '#test/integration/tokens/support.ts';

describe('the daily reconciliation with the authorizer list, on the embedded engine against the WeChat simulator', () => {
  let world: LifecycleWorld;

  const auditLog = () => new DynamoAuditLog(world.table.client, world.table.name);

  /** As `markReauthorizationRequired` leaves an account: the status, and off the due index. */
  const strand = async (appid: string) => {
    await world.table.client.send(
      new UpdateCommand({
        TableName: world.table.name,
        Key: { pk: accountKeys.accountPk(appid), sk: accountKeys.accountSk },
        UpdateExpression: 'SET #status = :status',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': 'reauthorization_required' },
      }),
    );
    await world.table.client.send(
      new UpdateCommand({
        TableName: world.table.name,
        Key: { pk: accountKeys.accountPk(appid), sk: accountKeys.tokenSk },
        UpdateExpression: 'REMOVE gsi2pk, gsi2sk',
      }),
    );
  };

  const wechat = () => reconciliationWeChat(world.client, world.component, async () => world.componentAppId);

  const reconcile = (overrides: { wechat?: ReconciliationWeChat } = {}) => {
    const changes = statusChangesOf(world);
    return reconcileAuthorizers({
      index: dueIndex(world),
      wechat: overrides.wechat ?? wechat(),
      held: new DynamoAccountStatusMarks(world.table.client, world.table.name),
      markRevoked: (appid, at) => changes.markRevoked(appid, at),
      audit: auditLog(),
      pageSize: 2,
    });
  };

  beforeEach(async () => {
    world = await startLifecycleWorld('reconciliation');
  });

  afterEach(async () => {
    await world?.close();
  });

  it('stores the refresh token WeChat lists when it differs from the stored one', async () => {
    // Prepare
    const account = await bindAccount(world);
    await bindAccount(world);
    await bindAccount(world);
    world.simulator.invalidateRefreshToken(account.appid);

    // Act
    const summary = await reconcile();

    // Assess
    expect(summary).toMatchObject({ active: 3, refreshTokensRepaired: 1, missing: 0 });
    expect((await tokenItem(world, account.appid))?.refreshToken).not.toBe(account.refreshToken);
    expect(callsTo(world, 'api_get_authorizer_list')).toBe(2);
  });

  it('makes the repaired refresh token work for the next refresh', async () => {
    // Prepare
    const account = await bindAccount(world, { expired: true });
    world.simulator.invalidateRefreshToken(account.appid);
    await reconcile();
    world.simulator.resetCalls();

    // Act
    await tokenService(world).current(account.appid);

    // Assess
    expect(callsTo(world, 'api_authorizer_token')).toBe(1);
    expect(callsTo(world, 'api_get_authorizer_list')).toBe(0);
  });

  it('revokes an active account WeChat no longer authorizes, in the owner’s audit trail', async () => {
    // Prepare
    const kept = await bindAccount(world);
    const gone = await bindAccount(world);
    await world.simulator.revoke(gone.appid);

    // Act
    const summary = await reconcile();

    // Assess
    expect(summary).toMatchObject({ missing: 1, revoked: 1, confirmedAuthorized: 0 });
    expect((await accountItem(world, gone.appid))?.status).toBe('revoked');
    expect((await accountItem(world, kept.appid))?.status).toBe('active');
    const { events } = await new DynamoAuditLog(world.table.client, world.table.name).list(gone.tenantId, { limit: 10 });
    expect(events.map((e) => e.action)).toEqual(['account.revoked']);
  });

  it('keeps an account that slipped through the list’s pages once WeChat confirms its authorization', async () => {
    // Prepare
    const account = await bindAccount(world);
    const real = wechat();
    const lossy: ReconciliationWeChat = {
      authorizerList: async (offset, count) => {
        const page = await real.authorizerList(offset, count);
        return { ...page, list: page.list.filter((entry) => entry.authorizerAppId !== account.appid) };
      },
      stillAuthorized: (appid) => real.stillAuthorized(appid),
      mint: (appid, refreshToken) => real.mint(appid, refreshToken),
    };

    // Act
    const summary = await reconcile({ wechat: lossy });

    // Assess
    expect(summary).toMatchObject({ missing: 1, revoked: 0, confirmedAuthorized: 1 });
    expect((await accountItem(world, account.appid))?.status).toBe('active');
  });

  it('brings a listed account that needs re-authorization back to active with the listed refresh token, audited', async () => {
    // Prepare
    const account = await bindAccount(world);
    await bindAccount(world);
    world.simulator.invalidateRefreshToken(account.appid);
    await strand(account.appid);
    world.simulator.resetCalls();

    // Act
    const summary = await reconcile();
    const token = await tokenService(world).current(account.appid);

    // Assess
    expect(summary).toMatchObject({ active: 1, waitingListed: 1, reactivated: 1 });
    expect((await accountItem(world, account.appid))?.status).toBe('active');
    const stored = await tokenItem(world, account.appid);
    expect(stored?.refreshToken).not.toBe(account.refreshToken);
    expect(stored?.accessToken).toBe(token);
    expect(stored?.gsi2pk).toBeDefined();
    expect(callsTo(world, 'api_authorizer_token')).toBe(1);
    const { events } = await auditLog().list(account.tenantId, { limit: 10 });
    expect(events.map((e) => e.action)).toEqual(['account.reactivated']);
  });

  it('leaves an account that needs re-authorization as it is when WeChat refuses the listed refresh token', async () => {
    // Prepare
    const account = await bindAccount(world);
    await strand(account.appid);
    world.simulator.injectFault({ path: '/cgi-bin/component/api_authorizer_token', errcode: 61023 });

    // Act
    const summary = await reconcile();

    // Assess
    expect(summary).toMatchObject({ waitingListed: 1, reactivated: 0, reactivationsSkipped: 1 });
    expect((await accountItem(world, account.appid))?.status).toBe('reauthorization_required');
  });

  it('leaves a revoked account WeChat lists revoked and counts it', async () => {
    // Prepare
    const account = await bindAccount(world);
    await new DynamoAccountStatusMarks(world.table.client, world.table.name).markRevoked(account.appid, new Date().toISOString());
    world.simulator.resetCalls();

    // Act
    const summary = await reconcile();

    // Assess
    expect(summary).toMatchObject({ active: 0, revokedButListed: 1, reactivated: 0 });
    expect((await accountItem(world, account.appid))?.status).toBe('revoked');
    expect(callsTo(world, 'api_authorizer_token')).toBe(0);
  });

  it('does not overwrite a refresh token that changed after it was read', async () => {
    // Prepare
    const account = await bindAccount(world);

    // Act
    const repaired = await dueIndex(world).repairRefreshToken(account.appid, 'refreshtoken@@@read-earlier', 'refreshtoken@@@listed', new Date().toISOString());

    // Assess
    expect(repaired).toBe(false);
    expect((await tokenItem(world, account.appid))?.refreshToken).toBe(account.refreshToken);
  });
});
