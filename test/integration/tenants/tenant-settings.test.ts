/**
 * A tenant's settings on the embedded engine (issue 15 item 1): an operator's binding policy
 * overrides the deployment defaults field by field, the quota an operator raises admits one more
 * binding and the one it lowers refuses new ones while the existing stay, and every change is in
 * that tenant's audit trail as `operator:<sub>`, written with the change or not at all.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoAccountStore } from '#shared/adapters/dynamodb/account-store.ts';
import { auditKeys, DynamoAuditLog } from '#shared/adapters/dynamodb/audit-log.ts';
import { DynamoAuthorizationStates } from '#shared/adapters/dynamodb/authorization-states.ts';
import { DynamoTenantSettings } from '#shared/adapters/dynamodb/tenant-settings.ts';
import type { BindingWeChat } from '#shared/domain/binding/ports.ts';
import { completeAuthorization, type AuthorizationOutcome } from '#shared/domain/binding/complete-authorization.ts';
import type { TenantDefaults } from '#shared/domain/tenants/ports.ts';
import { changeTenantSettings, getTenantSettings, tenantSettingsReader, type TenantSettingsChange } from '#shared/domain/tenants/settings.ts';
import { nextAppid, silentLog } from '#test/integration/binding/support.ts';
import { freshTable, type TestTable } from '#test/integration/support/table.ts';

const defaults: TenantDefaults = {
  accountQuota: 2,
  bindingPolicy: { requireServiceAccount: true, requireVerified: true, requiredFuncIds: [1, 2, 3] },
};

/** `code:<appid>:<serviceTypeId>:<verifyTypeId>`: the account the stand-in describes (2 = service, 0 = verified, -1 = not). */
const codeFor = (appid: string, account: { serviceTypeId?: number; verifyTypeId?: number } = {}) =>
  `code:${appid}:${account.serviceTypeId ?? 2}:${account.verifyTypeId ?? 0}`;

const wechat: Pick<BindingWeChat, 'queryAuth' | 'getAuthorizerInfo'> = {
  async queryAuth(code) {
    const [, appid = ''] = code.split(':');
    return { appid, funcIds: [1, 2, 3], accessToken: `access-${appid}`, refreshToken: `refreshtoken@@@${appid}`, expiresIn: 7200 };
  },
  async getAuthorizerInfo(appid) {
    const [serviceTypeId, verifyTypeId] = profiles.get(appid) ?? [2, 0];
    return { appid, userName: `gh_${appid.slice(-12)}`, nickname: appid, serviceTypeId, verifyTypeId, openPay: false, funcIds: [1, 2, 3] };
  },
};
const profiles = new Map<string, [number, number]>();

describe('tenant settings on the embedded engine', () => {
  let table: TestTable;
  let settings: DynamoTenantSettings;
  let states: DynamoAuthorizationStates;
  let accounts: DynamoAccountStore;
  let stateCounter = 0;

  const deps = () => ({ store: settings, defaults, now: () => new Date() });
  const patch = (tenantId: string, change: TenantSettingsChange, sub = 'ops-1') => changeTenantSettings({ userId: sub }, tenantId, change, deps());
  const trail = async (tenantId: string) =>
    (
      await table.client.send(
        new QueryCommand({ TableName: table.name, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': auditKeys.pk(tenantId) } }),
      )
    ).Items ?? [];

  /** The binding callback as a tenant's admin reaches it, wired as `shared/wiring/binding.ts` wires it. */
  const bind = async (tenantId: string, appid: string, account: { serviceTypeId?: number; verifyTypeId?: number } = {}): Promise<string> => {
    profiles.set(appid, [account.serviceTypeId ?? 2, account.verifyTypeId ?? 0]);
    const state = `tenant-settings-state-${++stateCounter}`;
    const now = new Date();
    await states.save(state, { tenantId, userId: 'admin', createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + 60_000).toISOString() });
    const outcome: AuthorizationOutcome = await completeAuthorization(
      { state, authCode: codeFor(appid, account) },
      {
        states,
        wechat,
        accounts,
        fanSync: { queueFullSync: async () => 'job' },
        audit: new DynamoAuditLog(table.client, table.name),
        tenantSettings: tenantSettingsReader({ store: settings, defaults }),
        defaultQuota: defaults.accountQuota,
        now: () => new Date(),
        log: silentLog,
      },
    );
    return outcome.ok ? outcome.binding.kind : outcome.error.code;
  };

  beforeAll(async () => {
    table = await freshTable('tenant-settings');
    settings = new DynamoTenantSettings(table.client, table.name);
    states = new DynamoAuthorizationStates(table.client, table.name);
    accounts = new DynamoAccountStore(table.client, table.name);
  });

  describe('the binding policy', () => {
    it('answers the deployment defaults for a tenant nothing is stored for', async () => {
      // Act
      const answer = await getTenantSettings('t-unknown', deps());

      // Assess
      expect(answer).toEqual({
        tenantId: 't-unknown',
        accountQuota: 2,
        ownedAccounts: 0,
        bindingPolicy: { requireServiceAccount: true, requireVerified: true, requiredFuncIds: [1, 2, 3], source: 'default' },
        features: { wecom: false },
      });
    });

    it('takes the fields an operator set from the tenant and the others from the defaults', async () => {
      // Act
      const answer = await patch('t-policy-fields', { bindingPolicy: { requireVerified: false, requiredFuncIds: [3, 1, 1] } });

      // Assess
      expect(answer.bindingPolicy).toEqual({ requireServiceAccount: true, requireVerified: false, requiredFuncIds: [1, 3], source: 'tenant' });
    });

    it('binds an unverified service account for the tenant whose policy allows it and refuses it to another tenant', async () => {
      // Prepare
      await patch('t-lenient', { bindingPolicy: { requireVerified: false } });

      // Act
      const outcomes = [await bind('t-lenient', nextAppid(), { verifyTypeId: -1 }), await bind('t-strict', nextAppid(), { verifyTypeId: -1 })];

      // Assess
      expect(outcomes).toEqual(['bound', 'not_verified']);
    });

    it('keeps applying the default of a field the tenant did not set', async () => {
      // Prepare
      await patch('t-lenient-only-verified', { bindingPolicy: { requireVerified: false } });

      // Act
      const outcome = await bind('t-lenient-only-verified', nextAppid(), { serviceTypeId: 0, verifyTypeId: -1 });

      // Assess
      expect(outcome).toBe('not_service_account');
    });

    it('goes back to the defaults when the operator clears the policy with null', async () => {
      // Prepare
      await patch('t-cleared', { bindingPolicy: { requireVerified: false } });

      // Act
      await patch('t-cleared', { bindingPolicy: null });

      // Assess
      expect([(await getTenantSettings('t-cleared', deps())).bindingPolicy.source, await bind('t-cleared', nextAppid(), { verifyTypeId: -1 })]).toEqual([
        'default',
        'not_verified',
      ]);
    });
  });

  describe('the account quota', () => {
    it('admits exactly one more binding once an operator raises it by one', async () => {
      // Prepare
      const tenant = 't-quota-raised';
      await bind(tenant, nextAppid());
      await bind(tenant, nextAppid());
      const refused = await bind(tenant, nextAppid());

      // Act
      await patch(tenant, { accountQuota: 3 });
      const after = [await bind(tenant, nextAppid()), await bind(tenant, nextAppid())];

      // Assess
      expect([refused, ...after]).toEqual(['account_quota_exceeded', 'bound', 'account_quota_exceeded']);
    });

    it('refuses new bindings once lowered below the count, and keeps the existing ones', async () => {
      // Prepare
      const tenant = 't-quota-lowered';
      const owned = [nextAppid(), nextAppid()];
      for (const appid of owned) await bind(tenant, appid);

      // Act
      await patch(tenant, { accountQuota: 1 });
      const outcome = await bind(tenant, nextAppid());

      // Assess
      const statuses = await Promise.all(owned.map(async (appid) => (await accounts.account(appid))?.status));
      expect([outcome, statuses, (await getTenantSettings(tenant, deps())).ownedAccounts]).toEqual(['account_quota_exceeded', ['active', 'active'], 2]);
    });

    it('still re-authorizes an account the tenant owns once its quota is lowered below the count', async () => {
      // Prepare
      const tenant = 't-quota-reauth';
      const appid = nextAppid();
      await bind(tenant, appid);
      await bind(tenant, nextAppid());
      await patch(tenant, { accountQuota: 1 });

      // Act
      const outcome = await bind(tenant, appid);

      // Assess
      expect(outcome).toBe('reauthorized');
    });
  });

  describe('the audit trail', () => {
    it('records a change in that tenant’s trail as operator:<sub> with the changed fields before and after', async () => {
      // Act
      await patch('t-audited', { accountQuota: 7, features: { wecom: true } }, 'alice-ops');

      // Assess
      const events = await trail('t-audited');
      expect(events.map(({ actor, action, details }) => ({ actor, action, details }))).toEqual([
        {
          actor: 'operator:alice-ops',
          action: 'tenant.settings_changed',
          details: { before: { accountQuota: 2, features: { wecom: false } }, after: { accountQuota: 7, features: { wecom: true } } },
        },
      ]);
    });

    it('writes neither the change nor its event when the tenant changed since it was read', async () => {
      // Prepare
      await patch('t-stale', { accountQuota: 3 });
      const stale = { at: new Date().toISOString(), actor: 'operator:late', action: 'tenant.settings_changed' };

      // Act
      const result = await settings.write('t-stale', { accountQuota: 9, features: {} }, 0, stale);

      // Assess
      expect([result, (await settings.read('t-stale')).accountQuota, (await trail('t-stale')).length]).toEqual(['changed', 3, 1]);
    });

    it('applies concurrent changes of one tenant each once, each with its own event', async () => {
      // Act
      await Promise.all([
        patch('t-concurrent', { accountQuota: 9 }, 'a'),
        patch('t-concurrent', { features: { wecom: true } }, 'b'),
        patch('t-concurrent', { bindingPolicy: { requireVerified: false } }, 'c'),
      ]);

      // Assess
      const answer = await getTenantSettings('t-concurrent', deps());
      expect([answer.accountQuota, answer.features.wecom, answer.bindingPolicy.requireVerified, (await trail('t-concurrent')).length]).toEqual([
        9,
        true,
        false,
        3,
      ]);
    });

    it('writes nothing for a change that changes nothing', async () => {
      // Prepare
      await patch('t-same', { accountQuota: 4 });

      // Act
      await patch('t-same', { accountQuota: 4, features: { wecom: false } });

      // Assess
      expect((await trail('t-same')).length).toBe(1);
    });
  });
});
