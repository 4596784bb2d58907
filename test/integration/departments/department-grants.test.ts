import { beforeAll, describe, expect, it } from 'vitest';
import { freshTable, type TestTable } from '#test/integration/support/table.ts';
import { seedAppid, seedGrants, seedOwnedAccount, seedSharedLink } from '#test/support/seed.ts';
import { accountServices, admin, member, rejection } from '#test/integration/accounts/support.ts';

describe('department grants on the embedded engine', () => {
  let table: TestTable;
  let services: ReturnType<typeof accountServices>;

  const ownAccounts = async (tenantId: string, count: number) => {
    const appids: string[] = [];
    for (let i = 0; i < count; i += 1) appids.push((await seedOwnedAccount(table.client, table.name, tenantId)).account.appid);
    return appids.sort();
  };

  beforeAll(async () => {
    table = await freshTable('department-grants');
    services = accountServices(table);
  });

  it('grants owned and shared accounts to a department and reads them back', async () => {
    // Prepare
    const [owned] = await ownAccounts('t-grant', 1);
    const foreign = await seedOwnedAccount(table.client, table.name, 't-grant-owner');
    await seedSharedLink(table.client, table.name, 't-grant', foreign.account.appid);

    // Act
    await services.departments.replace(admin('t-grant'), 'sales', [foreign.account.appid, owned!]);

    // Assess
    expect(await services.departments.read(admin('t-grant'), 'sales')).toEqual({ departmentId: 'sales', appids: [owned!, foreign.account.appid].sort() });
  });

  it('replaces 80 grants by an overlapping 100, which takes more writes than one transaction holds', async () => {
    // Prepare
    const appids = await ownAccounts('t-replace', 160);
    const before = appids.slice(0, 80);
    const after = appids.slice(60, 160);
    await services.departments.replace(admin('t-replace'), 'ops', before);

    // Act
    const answer = await services.departments.replace(admin('t-replace'), 'ops', after);

    // Assess
    expect(answer.appids).toEqual(after);
    expect((await services.departments.read(admin('t-replace'), 'ops')).appids).toEqual(after);
  });

  it('ends with exactly the asked set when the writes are split over many small transactions', async () => {
    // Prepare
    const appids = await ownAccounts('t-small-tx', 30);
    const small = accountServices(table, { transactionLimit: 7 });
    await small.departments.replace(admin('t-small-tx'), 'ops', appids.slice(0, 20));

    // Act
    await small.departments.replace(admin('t-small-tx'), 'ops', appids.slice(10, 30));

    // Assess
    expect((await small.departments.read(admin('t-small-tx'), 'ops')).appids).toEqual(appids.slice(10, 30));
  });

  it('refuses with not_found, naming only the appids the tenant does not hold, and changes nothing', async () => {
    // Prepare
    const [owned, kept] = await ownAccounts('t-unknown', 2);
    const foreign = await seedOwnedAccount(table.client, table.name, 't-unknown-other');
    const neverBound = seedAppid();
    await services.departments.replace(admin('t-unknown'), 'ops', [kept!]);

    // Act
    const failure = await rejection(services.departments.replace(admin('t-unknown'), 'ops', [owned!, foreign.account.appid, neverBound]));

    // Assess
    expect(failure.code).toBe('not_found');
    expect(failure.details).toEqual({ appids: [foreign.account.appid, neverBound].sort() });
    expect((await services.departments.read(admin('t-unknown'), 'ops')).appids).toEqual([kept!]);
  });

  it('keeps departments apart, even when one id is the start of another', async () => {
    // Prepare
    const [first, second] = await ownAccounts('t-prefix', 2);
    await services.departments.replace(admin('t-prefix'), 'sales', [first!]);

    // Act
    await services.departments.replace(admin('t-prefix'), 'sales.east', [second!]);

    // Assess
    expect((await services.departments.read(admin('t-prefix'), 'sales')).appids).toEqual([first!]);
    expect((await services.departments.read(admin('t-prefix'), 'sales.east')).appids).toEqual([second!]);
  });

  it('empties a department with an empty set, and its members then see no account', async () => {
    // Prepare
    const appids = await ownAccounts('t-empty', 3);
    await services.departments.replace(admin('t-empty'), 'ops', appids);

    // Act
    await services.departments.replace(admin('t-empty'), 'ops', []);

    // Assess
    expect((await services.departments.read(admin('t-empty'), 'ops')).appids).toEqual([]);
    expect(await services.queries.list(member('t-empty', ['ops']))).toEqual([]);
  });

  it('leaves out a grant whose account the tenant no longer holds', async () => {
    // Prepare
    const held = await seedOwnedAccount(table.client, table.name, 't-stale');
    const gone = await seedOwnedAccount(table.client, table.name, 't-stale', { account: { status: 'unbound' } });
    await seedGrants(table.client, table.name, 't-stale', 'ops', [held.account.appid, gone.account.appid]);

    // Act
    const grants = await services.departments.read(admin('t-stale'), 'ops');

    // Assess
    expect(grants.appids).toEqual([held.account.appid]);
  });

  it('records granted and revoked accounts in the audit trail as department.grants_changed', async () => {
    // Prepare
    const [first, second] = await ownAccounts('t-audit-grants', 2);
    await services.departments.replace(admin('t-audit-grants'), 'ops', [first!]);

    // Act
    await services.departments.replace(admin('t-audit-grants'), 'ops', [second!]);

    // Assess
    const { events } = await services.audit.list('t-audit-grants', { limit: 1 });
    expect(events).toEqual([
      expect.objectContaining({ action: 'department.grants_changed', details: { departmentId: 'ops', granted: [second!], revoked: [first!] } }),
    ]);
  });
});
