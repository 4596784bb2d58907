import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAccountLifecycle } from '#shared/adapters/dynamodb/account-lifecycle.ts';
import { DynamoAuditLog } from '#shared/adapters/dynamodb/audit-log.ts';
import {
  authorizationChangeWeChat,
  reactToAuthorized,
  reactToUnauthorized,
  type AuthorizationChangeDeps,
} from '#shared/domain/accounts/authorization-changes.ts';
import { accountItem, bindAccount, startLifecycleWorld, tokenItem, type LifecycleWorld } from '#test/integration/support/world.ts';

describe('authorization pushes for accounts the hub holds', () => {
  let world: LifecycleWorld;
  let deps: AuthorizationChangeDeps;
  const silent = { info: () => undefined, warn: () => undefined };

  const auditActions = async (tenantId: string) =>
    (await new DynamoAuditLog(world.table.client, world.table.name).list(tenantId, { limit: 20 })).events.map((e) => e.action);

  beforeAll(async () => {
    world = await startLifecycleWorld('authorization-changes');
    deps = {
      store: new DynamoAccountLifecycle(world.table.client, world.table.name),
      wechat: authorizationChangeWeChat(world.client, world.component, async () => world.componentAppId),
      audit: new DynamoAuditLog(world.table.client, world.table.name),
      now: () => new Date(),
      log: silent,
    };
  });

  afterAll(async () => {
    await world?.close();
  });

  it('updates the permissions and the refresh token of an active account on updateauthorized, leaving the code unspent', async () => {
    // Prepare
    const account = await bindAccount(world, { funcIds: [1, 2, 3, 24] });
    const outcome = await world.simulator.authorize(account.appid, [1, 3]);

    // Act
    const result = await reactToAuthorized({ authorizerAppid: account.appid, infoType: 'updateauthorized', authorizationCode: outcome.authCode }, deps);

    // Assess
    expect(result).toBe('reauthorized');
    expect((await accountItem(world, account.appid))?.funcIds).toEqual([1, 3]);
    expect((await tokenItem(world, account.appid))?.refreshToken).not.toBe(account.refreshToken);
    const exchanged = await world.client.queryAuth(world.component, { componentAppId: world.componentAppId, authorizationCode: outcome.authCode });
    expect(exchanged.authorizationInfo.authorizerAppId).toBe(account.appid);
  });

  it('queues a follower sync after a re-authorization, and not after a push it leaves alone', async () => {
    // Prepare
    const queued: string[] = [];
    const withSync: AuthorizationChangeDeps = { ...deps, fanSync: { queueFullSync: async (appid) => (queued.push(appid), 'job') } };
    const account = await bindAccount(world, { funcIds: [1, 2, 3] });
    const revoked = await bindAccount(world, { status: 'revoked' });
    const outcome = await world.simulator.authorize(account.appid, [1, 2, 3, 7]);
    const ignored = await world.simulator.authorize(revoked.appid, [1, 2, 3]);

    // Act
    await reactToAuthorized({ authorizerAppid: account.appid, infoType: 'updateauthorized', authorizationCode: outcome.authCode }, withSync);
    await reactToAuthorized({ authorizerAppid: revoked.appid, infoType: 'authorized', authorizationCode: ignored.authCode }, withSync);

    // Assess
    expect(queued).toEqual([account.appid]);
  });

  it('acknowledges a re-authorization push for an account being unbound and changes nothing', async () => {
    // Prepare
    const account = await bindAccount(world, { status: 'unbinding' });
    const outcome = await world.simulator.authorize(account.appid, [1, 2, 3]);
    const before = await accountItem(world, account.appid);

    // Act
    const result = await reactToAuthorized({ authorizerAppid: account.appid, infoType: 'updateauthorized', authorizationCode: outcome.authCode }, deps);

    // Assess
    expect(result).toBe('ignored');
    expect(await accountItem(world, account.appid)).toEqual(before);
    expect(await auditActions(account.tenantId)).toEqual([]);
  });

  it('revokes nothing when an unauthorized push meets an account being unbound', async () => {
    // Prepare
    const account = await bindAccount(world, { status: 'unbinding' });

    // Act
    const result = await reactToUnauthorized({ authorizerAppid: account.appid }, deps);

    // Assess
    expect(result).toBe('ignored');
    expect((await accountItem(world, account.appid))?.status).toBe('unbinding');
  });

  it('brings an account that needed re-authorization back to active and onto the refresh schedule', async () => {
    // Prepare
    const account = await bindAccount(world, { status: 'reauthorization_required' });
    const outcome = await world.simulator.authorize(account.appid, [1, 2, 3]);

    // Act
    await reactToAuthorized({ authorizerAppid: account.appid, infoType: 'updateauthorized', authorizationCode: outcome.authCode }, deps);

    // Assess
    expect((await accountItem(world, account.appid))?.status).toBe('active');
    const token = await tokenItem(world, account.appid);
    expect(token?.gsi2pk).toEqual(expect.stringMatching(/^DUE#/));
    expect(Date.parse(String(token?.expiresAt))).toBeLessThanOrEqual(Date.now());
  });

  it('writes account.reauthorized to the owner’s audit trail', async () => {
    // Prepare
    const account = await bindAccount(world);
    const outcome = await world.simulator.authorize(account.appid, [1, 2, 3, 24]);

    // Act
    await reactToAuthorized({ authorizerAppid: account.appid, infoType: 'updateauthorized', authorizationCode: outcome.authCode }, deps);

    // Assess
    expect(await auditActions(account.tenantId)).toEqual(['account.reauthorized']);
  });

  it('leaves a revoked account to the redirect callback', async () => {
    // Prepare
    const account = await bindAccount(world, { status: 'revoked' });
    const outcome = await world.simulator.authorize(account.appid, [1, 2, 3]);

    // Act
    const result = await reactToAuthorized({ authorizerAppid: account.appid, infoType: 'authorized', authorizationCode: outcome.authCode }, deps);

    // Assess
    expect(result).toBe('ignored');
    expect((await accountItem(world, account.appid))?.status).toBe('revoked');
  });

  it('does nothing for an account the hub does not hold', async () => {
    // Prepare
    const spec = world.simulator.addAccount({ nickname: 'Unknown', serviceType: 'service', verified: true });
    const outcome = await world.simulator.authorize(spec.appid, [1, 2, 3]);

    // Act
    const result = await reactToAuthorized({ authorizerAppid: spec.appid, infoType: 'authorized', authorizationCode: outcome.authCode }, deps);

    // Assess
    expect(result).toBe('ignored');
    expect(await accountItem(world, spec.appid)).toBeUndefined();
  });

  it('marks the account revoked on unauthorized: tokens and due index gone, profile and link kept', async () => {
    // Prepare
    const account = await bindAccount(world);
    await world.simulator.revoke(account.appid);

    // Act
    const result = await reactToUnauthorized({ authorizerAppid: account.appid }, deps);

    // Assess
    expect(result).toBe('revoked');
    const stored = await accountItem(world, account.appid);
    expect([stored?.status, typeof stored?.revokedAt, stored?.nickname]).toEqual(['revoked', 'string', 'Lifecycle test account']);
    const token = await tokenItem(world, account.appid);
    expect([token?.accessToken, token?.refreshToken, token?.gsi2pk, token?.gsi2sk]).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('changes nothing, and audits nothing more, when unauthorized arrives a second time', async () => {
    // Prepare
    const account = await bindAccount(world);
    await reactToUnauthorized({ authorizerAppid: account.appid }, deps);
    const before = await accountItem(world, account.appid);

    // Act
    const result = await reactToUnauthorized({ authorizerAppid: account.appid }, deps);

    // Assess
    expect(result).toBe('ignored');
    expect(await accountItem(world, account.appid)).toEqual(before);
    expect(await auditActions(account.tenantId)).toEqual(['account.revoked']);
  });
});
