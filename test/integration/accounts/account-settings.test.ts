import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import { DynamoAccountSettingsStore } from '#shared/adapters/dynamodb/account-queries.ts';
import { AccountSettings, type AccountSettingsStore } from '#shared/domain/accounts/settings.ts';
import { freshTable, type TestTable } from '#test/integration/support/table.ts';
import { seedOwnedAccount, seedSharedLink } from '#test/support/seed.ts';
import { accountServices, admin, rejection } from '#test/integration/accounts/support.ts';

describe('account settings on the embedded engine', () => {
  let table: TestTable;
  let services: ReturnType<typeof accountServices>;

  const defaultsOf = async (tenantId: string) => (await services.queries.list(admin(tenantId))).filter((a) => a.isDefault).map((a) => a.appid);

  beforeAll(async () => {
    table = await freshTable('account-settings');
    services = accountServices(table);
  });

  it('makes an account the tenant’s default, creating the settings of a tenant that holds only shared accounts', async () => {
    // Prepare
    const owned = await seedOwnedAccount(table.client, table.name, 't-share-owner');
    await seedSharedLink(table.client, table.name, 't-only-shared', owned.account.appid);

    // Act
    const view = await services.settings.update(admin('t-only-shared'), owned.account.appid, { isDefault: true });

    // Assess
    expect(view).toMatchObject({ appid: owned.account.appid, role: 'shared', isDefault: true });
    expect(await services.directory.tenantSettings('t-only-shared')).toMatchObject({
      defaultAppid: owned.account.appid,
      ownedCount: 0,
    });
  });

  it('keeps one default per tenant when another account becomes the default', async () => {
    // Prepare
    const first = await seedOwnedAccount(table.client, table.name, 't-switch', { settings: { ownedCount: 2 } });
    const second = await seedOwnedAccount(table.client, table.name, 't-switch');
    await services.settings.update(admin('t-switch'), first.account.appid, { isDefault: true });

    // Act
    await services.settings.update(admin('t-switch'), second.account.appid, { isDefault: true });

    // Assess
    expect(await defaultsOf('t-switch')).toEqual([second.account.appid]);
  });

  it('leaves another account’s default alone when an account that is not the default is set to isDefault false', async () => {
    // Prepare
    const chosen = await seedOwnedAccount(table.client, table.name, 't-clear', { settings: { ownedCount: 2 } });
    const other = await seedOwnedAccount(table.client, table.name, 't-clear');
    await services.settings.update(admin('t-clear'), chosen.account.appid, { isDefault: true });

    // Act
    const view = await services.settings.update(admin('t-clear'), other.account.appid, { isDefault: false });

    // Assess
    expect(view.isDefault).toBe(false);
    expect(await defaultsOf('t-clear')).toEqual([chosen.account.appid]);
  });

  it('clears the default when the default account is set to isDefault false', async () => {
    // Prepare
    const chosen = await seedOwnedAccount(table.client, table.name, 't-unset', { settings: { ownedCount: 1 } });
    await services.settings.update(admin('t-unset'), chosen.account.appid, { isDefault: true });

    // Act
    await services.settings.update(admin('t-unset'), chosen.account.appid, { isDefault: false });

    // Assess
    expect(await defaultsOf('t-unset')).toEqual([]);
  });

  it('sets plaintext authorization on the tenant’s own link only', async () => {
    // Prepare
    const owned = await seedOwnedAccount(table.client, table.name, 't-plain-owner');
    await seedSharedLink(table.client, table.name, 't-plain-recipient', owned.account.appid);

    // Act
    await services.settings.update(admin('t-plain-recipient'), owned.account.appid, { plaintextAuthorization: true });

    // Assess
    expect((await services.queries.get(admin('t-plain-recipient'), owned.account.appid)).plaintextAuthorization).toBe(true);
    expect((await services.queries.get(admin('t-plain-owner'), owned.account.appid)).plaintextAuthorization).toBe(false);
  });

  it('records what changed in the audit trail as settings.changed', async () => {
    // Prepare
    const owned = await seedOwnedAccount(table.client, table.name, 't-audit-settings');

    // Act
    await services.settings.update(admin('t-audit-settings'), owned.account.appid, { isDefault: true, plaintextAuthorization: true });

    // Assess
    const { events } = await services.audit.list('t-audit-settings', { limit: 10 });
    expect(events).toEqual([
      expect.objectContaining({
        action: 'settings.changed',
        actor: 'admin-of-t-audit-settings',
        appid: owned.account.appid,
        details: { isDefault: { from: false, to: true }, plaintextAuthorization: { from: false, to: true } },
      }),
    ]);
  });

  it('writes nothing and records nothing when the settings already have the asked values', async () => {
    // Prepare
    const owned = await seedOwnedAccount(table.client, table.name, 't-noop');

    // Act
    const view = await services.settings.update(admin('t-noop'), owned.account.appid, { isDefault: false, plaintextAuthorization: false });

    // Assess
    expect(view).toMatchObject({ isDefault: false, plaintextAuthorization: false });
    expect((await services.audit.list('t-noop', { limit: 10 })).events).toEqual([]);
  });

  it('answers not_found and does not recreate the link when an unbind removes it between the read and the write', async () => {
    // Prepare
    const owned = await seedOwnedAccount(table.client, table.name, 't-race');
    const linkKey = { pk: accountKeys.tenantPk('t-race'), sk: accountKeys.linkSk(owned.account.appid) };
    const racing = accountServices(table);
    const store = new DynamoAccountSettingsStore(table.client, table.name);
    // The unbind lands after the use case read the link and before its write.
    const unbindFirst: AccountSettingsStore = {
      write: async (...args) => {
        await table.client.send(new DeleteCommand({ TableName: table.name, Key: linkKey }));
        return store.write(...args);
      },
    };
    const racingSettings = new AccountSettings(racing.queries, unbindFirst, racing.audit);

    // Act
    const failure = await rejection(racingSettings.update(admin('t-race'), owned.account.appid, { plaintextAuthorization: true }));

    // Assess
    expect(failure.code).toBe('not_found');
    expect((await table.client.send(new GetCommand({ TableName: table.name, Key: linkKey }))).Item).toBeUndefined();
  });

  it('answers not_found for an account of another tenant and changes nothing there', async () => {
    // Prepare
    const foreign = await seedOwnedAccount(table.client, table.name, 't-foreign');

    // Act
    const failure = await rejection(services.settings.update(admin('t-intruder'), foreign.account.appid, { isDefault: true }));

    // Assess
    expect(failure.code).toBe('not_found');
    expect(await services.directory.tenantSettings('t-intruder')).toBeUndefined();
  });
});
