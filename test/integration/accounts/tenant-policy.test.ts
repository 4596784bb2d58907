/**
 * An account's `missingPermissions` is judged against the effective binding policy of the tenant
 * that looks at it (its own `requiredFuncIds` where an operator set them, the `BIND_*` default
 * elsewhere): the owner's for its own accounts, the recipient's for a shared one. Through the
 * process-wide wiring the routes use, on a table of the embedded engine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import { resetConfigForTests } from '#shared/config/config.ts';
import { redeemShareCode } from '#shared/domain/sharing/redeem-share-code.ts';
import { createShareCodes } from '#shared/domain/sharing/share-codes.ts';
import { accountQueries } from '#shared/wiring/accounts.ts';
import { createShareCodesDeps, redeemShareCodeDeps } from '#shared/wiring/sharing.ts';
import { admin } from '#test/integration/accounts/support.ts';
import { freshTable, type TestTable } from '#test/integration/support/table.ts';
import { seedOwnedAccount, seedSharedLink } from '#test/support/seed.ts';

describe('the required permission sets an account is judged against', () => {
  let table: TestTable;
  const savedEnv = { ...process.env };

  /** A tenant whose operator set its own required permission sets (the deployment default is 1,2,3). */
  const tenantRequiring = async (tenantId: string, requiredFuncIds: number[], ownedCount = 0) => {
    await table.client.send(
      new PutCommand({
        TableName: table.name,
        Item: {
          pk: accountKeys.tenantPk(tenantId),
          sk: accountKeys.tenantSk,
          type: 'TenantSettings',
          tenantId,
          ownedCount,
          bindingPolicy: { requiredFuncIds },
          settingsVersion: 1,
        },
      }),
    );
  };
  const missingIds = (view: { missingPermissions?: { id: number }[] }) => view.missingPermissions?.map((set) => set.id);

  beforeAll(async () => {
    table = await freshTable('tenant-policy');
    Object.assign(process.env, { TABLE_NAME: table.name, DYNAMODB_ENDPOINT: table.endpoint, BIND_REQUIRED_FUNC_IDS: '1,2,3' });
    resetConfigForTests();
  });

  afterAll(() => {
    // Worker processes can be reused by other test files.
    for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
    Object.assign(process.env, savedEnv);
    resetConfigForTests();
  });

  it('judges an owner’s account against the owner’s own policy rather than the deployment default', async () => {
    // Prepare
    const owned = await seedOwnedAccount(table.client, table.name, 't-own-policy', { account: { funcIds: [1, 2, 3] } });
    await tenantRequiring('t-own-policy', [1, 24], 1);

    // Act
    const view = await accountQueries().get(admin('t-own-policy'), owned.account.appid);

    // Assess
    expect(missingIds(view)).toEqual([24]);
  });

  it('judges a shared account in the recipient’s list against the recipient’s own policy', async () => {
    // Prepare
    const owned = await seedOwnedAccount(table.client, table.name, 't-lenient-owner', { account: { funcIds: [1, 2, 3] } });
    await tenantRequiring('t-lenient-owner', [1], 1);
    await tenantRequiring('t-strict-recipient', [1, 2, 3, 7]);
    await seedSharedLink(table.client, table.name, 't-strict-recipient', owned.account.appid);

    // Act
    const [view] = await accountQueries().list(admin('t-strict-recipient'));

    // Assess
    expect(missingIds(view!)).toEqual([7]);
  });

  it('answers a redemption with the account judged against the recipient’s own policy', async () => {
    // Prepare
    const owned = await seedOwnedAccount(table.client, table.name, 't-sharing-owner', { account: { funcIds: [1, 2, 3] } });
    await tenantRequiring('t-redeeming', [1, 24]);
    const { codes } = await createShareCodes(
      { tenantId: 't-sharing-owner', userId: 'owner-admin', appid: owned.account.appid, count: 1, includePayment: false },
      createShareCodesDeps(),
    );

    // Act
    const view = await redeemShareCode({ tenantId: 't-redeeming', userId: 'recipient-admin', code: codes[0]! }, redeemShareCodeDeps());

    // Assess
    expect(missingIds(view)).toEqual([24]);
  });
});
