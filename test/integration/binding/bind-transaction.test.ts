/**
 * The binding transaction on the embedded engine: the invariants that span items (one active owner,
 * the tenant's quota) hold under concurrent binds, a re-authorization keeps what the tenant set, and
 * a transaction that fails stores nothing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import { DynamoAccountStore } from '#shared/adapters/dynamodb/account-store.ts';
import { DynamoAuditLog } from '#shared/adapters/dynamodb/audit-log.ts';
import { DynamoAuthorizationStates } from '#shared/adapters/dynamodb/authorization-states.ts';
import { completeAuthorization, type AuthorizationOutcome } from '#shared/domain/binding/complete-authorization.ts';
import type { BindingWrite } from '#shared/domain/binding/ports.ts';
import { freshTable, type TestTable } from '#test/integration/support/table.ts';
import { authCodeFor, bindingDefaults, nextAppid, silentLog, tenantSettingsOn, wechatStandIn } from '#test/integration/binding/support.ts';

describe('the binding transaction on the embedded engine', () => {
  let table: TestTable;
  let store: DynamoAccountStore;
  let states: DynamoAuthorizationStates;
  let stateCounter = 0;

  const item = async (pk: string, sk: string) =>
    (await table.client.send(new GetCommand({ TableName: table.name, Key: { pk, sk }, ConsistentRead: true }))).Item;
  const setTenantQuota = (tenantId: string, quota: number) =>
    table.client.send(
      new PutCommand({
        TableName: table.name,
        Item: { pk: accountKeys.tenantPk(tenantId), sk: accountKeys.tenantSk, type: 'TenantSettings', tenantId, quota, ownedCount: 0 },
      }),
    );

  /** The callback as a tenant's admin reaches it: a fresh state, then the use case with this table. */
  const authorize = async (tenantId: string, appid: string, funcIds?: number[]): Promise<AuthorizationOutcome> => {
    const state = `integration-state-${++stateCounter}-${tenantId}`;
    const now = new Date();
    await states.save(state, { tenantId, userId: 'admin', createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + 60_000).toISOString() });
    return completeAuthorization(
      { state, authCode: authCodeFor(appid, funcIds) },
      {
        states,
        wechat: wechatStandIn,
        accounts: store,
        fanSync: { queueFullSync: async () => 'job' },
        audit: new DynamoAuditLog(table.client, table.name),
        tenantSettings: tenantSettingsOn(table.client, table.name),
        defaultQuota: bindingDefaults.accountQuota,
        now: () => new Date(),
        log: silentLog,
        pause: (attempt) => new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt)),
      },
    );
  };
  const codeOf = (outcome: AuthorizationOutcome) => (outcome.ok ? 'ok' : outcome.error.code);

  beforeAll(async () => {
    table = await freshTable('bind-transaction');
    store = new DynamoAccountStore(table.client, table.name);
    states = new DynamoAuthorizationStates(table.client, table.name);
  });

  describe('20 tenants binding one account at once', () => {
    it('lets exactly one of them bind it and tells the others it is bound elsewhere', async () => {
      // Prepare
      const appid = nextAppid();
      const tenants = Array.from({ length: 20 }, (_, i) => `t-race-${i}`);

      // Act
      const outcomes = await Promise.all(tenants.map((tenant) => authorize(tenant, appid)));

      // Assess
      const codes = outcomes.map(codeOf);
      expect(codes.filter((code) => code === 'ok')).toHaveLength(1);
      expect(codes.filter((code) => code === 'account_bound_elsewhere')).toHaveLength(19);
    });

    it('leaves one owner link, belonging to the owner the account names', async () => {
      // Prepare
      const appid = nextAppid();
      const tenants = Array.from({ length: 20 }, (_, i) => `t-links-${i}`);

      // Act
      await Promise.all(tenants.map((tenant) => authorize(tenant, appid)));

      // Assess
      const account = await store.account(appid);
      const links = await table.client.send(
        new QueryCommand({
          TableName: table.name,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :pk',
          ExpressionAttributeValues: { ':pk': accountKeys.linksOfAccount(appid) },
        }),
      );
      expect(links.Items?.map((link) => link.tenantId)).toEqual([account?.ownerTenantId]);
    });
  });

  it('keeps a tenant within its quota when it binds ten accounts at once', async () => {
    // Prepare
    const tenant = 't-quota-race';
    await setTenantQuota(tenant, 3);
    const appids = Array.from({ length: 10 }, nextAppid);

    // Act
    const outcomes = await Promise.all(appids.map((appid) => authorize(tenant, appid)));

    // Assess
    const codes = outcomes.map(codeOf);
    expect([codes.filter((c) => c === 'ok').length, codes.filter((c) => c === 'account_quota_exceeded').length]).toEqual([3, 7]);
    expect((await store.tenantSettings(tenant))?.ownedCount).toBe(3);
  });

  it('applies the default quota to a tenant without its own', async () => {
    // Prepare
    const tenant = 't-default-quota';
    for (let i = 0; i < 5; i++) await authorize(tenant, nextAppid());

    // Act
    const sixth = await authorize(tenant, nextAppid());

    // Assess
    expect(codeOf(sixth)).toBe('account_quota_exceeded');
  });

  describe('a re-authorization by the owning tenant', () => {
    it('updates the permissions and keeps linkedAt, the link’s settings, the tenant default and the count', async () => {
      // Prepare
      const tenant = 't-reauth-settings';
      const appid = nextAppid();
      await authorize(tenant, appid, [1, 2, 3]);
      const linkedAt = (await store.link(tenant, appid))?.linkedAt;
      await table.client.send(
        new UpdateCommand({
          TableName: table.name,
          Key: { pk: accountKeys.tenantPk(tenant), sk: accountKeys.linkSk(appid) },
          UpdateExpression: 'SET plaintextAuthorization = :on',
          ExpressionAttributeValues: { ':on': true },
        }),
      );
      await table.client.send(
        new UpdateCommand({
          TableName: table.name,
          Key: { pk: accountKeys.tenantPk(tenant), sk: accountKeys.tenantSk },
          UpdateExpression: 'SET defaultAppid = :appid',
          ExpressionAttributeValues: { ':appid': appid },
        }),
      );

      // Act
      const outcome = await authorize(tenant, appid, [1, 2, 3, 7]);

      // Assess
      expect(outcome).toMatchObject({ ok: true, binding: { kind: 'reauthorized' } });
      expect(await store.account(appid)).toMatchObject({ funcIds: [1, 2, 3, 7], status: 'active' });
      expect(await store.link(tenant, appid)).toMatchObject({ linkedAt, plaintextAuthorization: true, role: 'owner' });
      expect(await store.tenantSettings(tenant)).toMatchObject({ ownedCount: 1, defaultAppid: appid });
    });

    it('brings a revoked account back to active without counting it twice', async () => {
      // Prepare
      const tenant = 't-reauth-revoked';
      const appid = nextAppid();
      await authorize(tenant, appid);
      await table.client.send(
        new UpdateCommand({
          TableName: table.name,
          Key: { pk: accountKeys.accountPk(appid), sk: accountKeys.accountSk },
          UpdateExpression: 'SET #status = :revoked, revokedAt = :at',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':revoked': 'revoked', ':at': new Date().toISOString() },
        }),
      );

      // Act
      await authorize(tenant, appid);

      // Assess
      const account = await store.account(appid);
      expect([account?.status, account?.revokedAt]).toEqual(['active', undefined]);
      expect((await store.tenantSettings(tenant))?.ownedCount).toBe(1);
    });
  });

  describe('binding an account whose previous binding is over', () => {
    const revokeOwnedBy = async (appid: string) =>
      table.client.send(
        new UpdateCommand({
          TableName: table.name,
          Key: { pk: accountKeys.accountPk(appid), sk: accountKeys.accountSk },
          UpdateExpression: 'SET #status = :revoked, updatedAt = :at',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':revoked': 'revoked', ':at': new Date().toISOString() },
        }),
      );

    it('makes the new tenant the active owner of a revoked account', async () => {
      // Prepare
      const appid = nextAppid();
      await authorize('t-old-owner-1', appid);
      await revokeOwnedBy(appid);

      // Act
      const outcome = await authorize('t-new-owner-1', appid);

      // Assess
      expect(outcome).toMatchObject({ ok: true, binding: { kind: 'bound' } });
      expect(await store.account(appid)).toMatchObject({ ownerTenantId: 't-new-owner-1', status: 'active' });
    });

    it('removes the previous owner’s link and gives back its quota slot in the same transaction', async () => {
      // Prepare
      const appid = nextAppid();
      await authorize('t-old-owner-2', appid);
      await revokeOwnedBy(appid);

      // Act
      await authorize('t-new-owner-2', appid);

      // Assess
      expect(await store.link('t-old-owner-2', appid)).toBeUndefined();
      expect((await store.tenantSettings('t-old-owner-2'))?.ownedCount).toBe(0);
    });
  });

  describe('a transaction that fails', () => {
    const write = (appid: string, tenantId: string, plan: BindingWrite['plan']): BindingWrite => ({
      tenantId,
      plan,
      profile: { appid, userName: `gh_${appid.slice(-12)}`, nickname: 'n', serviceTypeId: 2, verifyTypeId: 0, openPay: false, funcIds: [1, 2, 3] },
      tokens: { accessToken: 'access', refreshToken: 'refreshtoken@@@x', expiresAt: new Date(Date.now() + 7_200_000).toISOString() },
      at: new Date().toISOString(),
      defaultQuota: 5,
    });

    it('stores neither account, tokens nor link when the quota refuses it', async () => {
      // Prepare
      const tenant = 't-no-room';
      const appid = nextAppid();
      await setTenantQuota(tenant, 0);

      // Act
      const result = await store.writeBinding(write(appid, tenant, { kind: 'new' }));

      // Assess
      expect(result).toBe('quota_exceeded');
      const stored = await Promise.all([
        item(accountKeys.accountPk(appid), accountKeys.accountSk),
        item(accountKeys.accountPk(appid), accountKeys.tokenSk),
        item(accountKeys.tenantPk(tenant), accountKeys.linkSk(appid)),
      ]);
      expect(stored).toEqual([undefined, undefined, undefined]);
    });

    it('changes nothing of an account another tenant bound since it was read', async () => {
      // Prepare
      const appid = nextAppid();
      await authorize('t-winner', appid);
      const before = await Promise.all([item(accountKeys.accountPk(appid), accountKeys.accountSk), item(accountKeys.accountPk(appid), accountKeys.tokenSk)]);

      // Act
      const result = await store.writeBinding(write(appid, 't-late', { kind: 'new' }));

      // Assess
      expect(result).toBe('account_changed');
      expect(await Promise.all([item(accountKeys.accountPk(appid), accountKeys.accountSk), item(accountKeys.accountPk(appid), accountKeys.tokenSk)])).toEqual(
        before,
      );
      expect(await store.link('t-late', appid)).toBeUndefined();
    });
  });
});
