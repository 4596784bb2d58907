import { beforeAll, describe, expect, it } from 'vitest';
import { freshTable, type TestTable } from '#test/integration/support/table.ts';
import { seedGrants, seedOwnedAccount, seedSharedLink, seedTenant } from '#test/support/seed.ts';
import { accountServices, admin, member, rejection } from '#test/integration/accounts/support.ts';

describe('reading accounts on the embedded engine', () => {
  let table: TestTable;
  let services: ReturnType<typeof accountServices>;

  beforeAll(async () => {
    table = await freshTable('account-queries');
    services = accountServices(table);
  });

  it('shows an admin every account its tenant owns or was shared, owned ones first', async () => {
    // Prepare
    const owned = await seedOwnedAccount(table.client, table.name, 't-list');
    const foreign = await seedOwnedAccount(table.client, table.name, 't-list-owner');
    await seedSharedLink(table.client, table.name, 't-list', foreign.account.appid);
    await seedOwnedAccount(table.client, table.name, 't-list-other');

    // Act
    const accounts = await services.queries.list(admin('t-list'));

    // Assess
    expect(accounts.map((a) => [a.appid, a.role])).toEqual([
      [owned.account.appid, 'owner'],
      [foreign.account.appid, 'shared'],
    ]);
  });

  it('shows a member only the accounts granted to one of its departments', async () => {
    // Prepare
    const granted = await seedOwnedAccount(table.client, table.name, 't-member');
    await seedOwnedAccount(table.client, table.name, 't-member');
    await seedGrants(table.client, table.name, 't-member', 'sales', [granted.account.appid]);

    // Act
    const accounts = await services.queries.list(member('t-member', ['ops', 'sales']));

    // Assess
    expect(accounts.map((a) => a.appid)).toEqual([granted.account.appid]);
  });

  it('does not extend a parent department’s grant to its child department', async () => {
    // Prepare
    const granted = await seedOwnedAccount(table.client, table.name, 't-parent');
    await seedGrants(table.client, table.name, 't-parent', 'sales', [granted.account.appid]);

    // Act
    const listed = await services.queries.list(member('t-parent', ['sales.east']));
    const read = await rejection(services.queries.get(member('t-parent', ['sales.east']), granted.account.appid));

    // Assess
    expect(listed).toEqual([]);
    expect(read.code).toBe('forbidden');
  });

  it('hides an account its tenant unbound as owner, and shows a recipient the same account as unbound', async () => {
    // Prepare
    const unbound = await seedOwnedAccount(table.client, table.name, 't-unbound', { account: { status: 'unbound', unboundAt: '2026-01-06T00:00:00.000Z' } });
    await seedSharedLink(table.client, table.name, 't-unbound-recipient', unbound.account.appid);

    // Act
    const ownerView = await services.queries.list(admin('t-unbound'));
    const ownerRead = await rejection(services.queries.get(admin('t-unbound'), unbound.account.appid));
    const recipientView = await services.queries.list(admin('t-unbound-recipient'));

    // Assess
    expect(ownerView).toEqual([]);
    expect(ownerRead.code).toBe('not_found');
    expect(recipientView.map((a) => [a.appid, a.status, a.role])).toEqual([[unbound.account.appid, 'unbound', 'shared']]);
  });

  it('shows an account being unbound to its owner and its recipients with the status unbinding', async () => {
    // Prepare
    const unbinding = await seedOwnedAccount(table.client, table.name, 't-unbinding', {
      account: { status: 'unbinding', revokedAt: '2026-01-06T00:00:00.000Z' },
    });
    await seedSharedLink(table.client, table.name, 't-unbinding-recipient', unbinding.account.appid);

    // Act
    const ownerRead = await services.queries.get(admin('t-unbinding'), unbinding.account.appid);
    const recipientView = await services.queries.list(admin('t-unbinding-recipient'));

    // Assess
    expect([ownerRead.status, ownerRead.role]).toEqual(['unbinding', 'owner']);
    expect(recipientView.map((a) => [a.appid, a.status])).toEqual([[unbinding.account.appid, 'unbinding']]);
  });

  it('hides a former owner’s link once another tenant took the account over', async () => {
    // Prepare
    const taken = await seedOwnedAccount(table.client, table.name, 't-new-owner');
    await seedOwnedAccount(table.client, table.name, 't-old-owner', { appid: taken.account.appid, account: { ownerTenantId: 't-new-owner' } });

    // Act
    const read = await rejection(services.queries.get(admin('t-old-owner'), taken.account.appid));

    // Assess
    expect(read.code).toBe('not_found');
  });

  it('answers not_found for another tenant’s account, to its admins and members alike', async () => {
    // Prepare
    const foreign = await seedOwnedAccount(table.client, table.name, 't-foreign-owner');
    await seedGrants(table.client, table.name, 't-foreign-reader', 'sales', [foreign.account.appid]);

    // Act
    const byAdmin = await rejection(services.queries.get(admin('t-foreign-reader'), foreign.account.appid));
    const byMember = await rejection(services.queries.get(member('t-foreign-reader', ['sales']), foreign.account.appid));

    // Assess
    expect([byAdmin.code, byMember.code]).toEqual(['not_found', 'not_found']);
  });

  it('answers forbidden to a member whose departments were not granted an account of its own tenant', async () => {
    // Prepare
    const account = await seedOwnedAccount(table.client, table.name, 't-forbidden');
    await seedGrants(table.client, table.name, 't-forbidden', 'sales', [account.account.appid]);

    // Act
    const failure = await rejection(services.queries.get(member('t-forbidden', ['ops']), account.account.appid));

    // Assess
    expect(failure.code).toBe('forbidden');
  });

  it('shows a granted member the account with its permissions, capabilities and missing required permissions', async () => {
    // Prepare
    const account = await seedOwnedAccount(table.client, table.name, 't-view', { account: { funcIds: [3, 1], openPay: true } });
    await seedGrants(table.client, table.name, 't-view', 'ops', [account.account.appid]);
    await seedTenant(table.client, table.name, { tenantId: 't-view', ownedCount: 1, defaultAppid: account.account.appid });

    // Act
    const view = await services.queries.get(member('t-view', ['ops']), account.account.appid);

    // Assess
    expect(view).toMatchObject({
      appid: account.account.appid,
      role: 'owner',
      status: 'active',
      isDefault: true,
      permissions: [
        { id: 1, name: '消息管理' },
        { id: 3, name: '账号服务' },
      ],
      capabilities: { qrCodes: true, templateMessages: true, payment: true },
      missingPermissions: [{ id: 2, name: '用户管理' }],
    });
  });

  it('reads a tenant holding more accounts than one BatchGet returns', async () => {
    // Prepare
    const appids: string[] = [];
    for (let i = 0; i < 130; i += 1) appids.push((await seedOwnedAccount(table.client, table.name, 't-many')).account.appid);

    // Act
    const accounts = await services.queries.list(admin('t-many'));

    // Assess
    expect(accounts.map((a) => a.appid)).toEqual([...appids].sort());
  });
});
