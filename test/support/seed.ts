/**
 * Writes accounts, tenant links, tenant settings and department grants straight into a table, laid
 * out as the key design says (`shared/adapters/dynamodb/account-keys.ts`) with the domain records
 * as attributes: for tests of the reads and settings that should not need the binding flow.
 */
import { randomBytes } from 'node:crypto';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import type { AccountRecord, TenantLink, TenantSettings } from '#shared/domain/accounts/model.ts';

export const SEED_TIME = '2026-01-05T08:00:00.000Z';

/** A made-up appid of the right shape (`wx` + 16 hex), random so that tests never share one. */
export const seedAppid = (): string => `wx${randomBytes(8).toString('hex')}`;

/** A verified service account with message, user and account-service permissions, active, owned by `ownerTenantId`. */
export function seedAccount(appid: string, ownerTenantId: string, overrides: Partial<AccountRecord> = {}): AccountRecord {
  return {
    appid,
    userName: `gh_${appid.slice(-12)}`,
    nickname: `Account ${appid.slice(-4)}`,
    serviceTypeId: 2,
    verifyTypeId: 0,
    openPay: false,
    funcIds: [1, 2, 3],
    status: 'active',
    ownerTenantId,
    authorizedAt: SEED_TIME,
    updatedAt: SEED_TIME,
    ...overrides,
  };
}

export const accountItem = (account: AccountRecord) => ({
  pk: accountKeys.accountPk(account.appid),
  sk: accountKeys.accountSk,
  gsi1pk: accountKeys.userNameGsi(account.userName),
  gsi1sk: accountKeys.accountSk,
  type: 'Account',
  ...account,
});

export const linkItem = (link: TenantLink) => ({
  pk: accountKeys.tenantPk(link.tenantId),
  sk: accountKeys.linkSk(link.appid),
  gsi1pk: accountKeys.linksOfAccount(link.appid),
  gsi1sk: accountKeys.linkGsiSk(link.role, link.tenantId),
  type: 'TenantLink',
  ...link,
});

export const tenantItem = (settings: TenantSettings) => ({
  pk: accountKeys.tenantPk(settings.tenantId),
  sk: accountKeys.tenantSk,
  type: 'TenantSettings',
  ...settings,
});

export const grantItem = (tenantId: string, departmentId: string, appid: string) => ({
  pk: accountKeys.tenantPk(tenantId),
  sk: accountKeys.grantSk(departmentId, appid),
  type: 'DepartmentGrant',
  tenantId,
  departmentId,
  appid,
  grantedAt: SEED_TIME,
  grantedBy: 'seed',
});

export const ownerLink = (tenantId: string, appid: string, overrides: Partial<TenantLink> = {}): TenantLink => ({
  tenantId,
  appid,
  role: 'owner',
  linkedAt: SEED_TIME,
  plaintextAuthorization: false,
  ...overrides,
});

export const sharedLink = (tenantId: string, appid: string, overrides: Partial<TenantLink> = {}): TenantLink => ({
  tenantId,
  appid,
  role: 'shared',
  linkedAt: SEED_TIME,
  plaintextAuthorization: false,
  includePayment: false,
  ...overrides,
});

export async function putItems(client: DynamoDBDocumentClient, table: string, items: readonly Record<string, unknown>[]): Promise<void> {
  for (let start = 0; start < items.length; start += 25) {
    let pending = items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } }));
    while (pending.length > 0) {
      const result = await client.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      pending = (result.UnprocessedItems?.[table] ?? []) as typeof pending;
    }
  }
}

export interface SeededBinding {
  account: AccountRecord;
  link: TenantLink;
}

/**
 * An account owned by `tenantId`: the account item, the owner link and the tenant's settings
 * (its owned count raised by one), as a completed binding leaves them.
 */
export async function seedOwnedAccount(
  client: DynamoDBDocumentClient,
  table: string,
  tenantId: string,
  options: { appid?: string; account?: Partial<AccountRecord>; link?: Partial<TenantLink>; settings?: Partial<TenantSettings> } = {},
): Promise<SeededBinding> {
  const account = seedAccount(options.appid ?? seedAppid(), tenantId, options.account);
  const link = ownerLink(tenantId, account.appid, options.link);
  const items: Record<string, unknown>[] = [accountItem(account), linkItem(link)];
  if (options.settings) items.push(tenantItem({ tenantId, ownedCount: 1, ...options.settings }));
  await putItems(client, table, items);
  return { account, link };
}

/** A recipient's link to an account another tenant owns. */
export async function seedSharedLink(
  client: DynamoDBDocumentClient,
  table: string,
  tenantId: string,
  appid: string,
  overrides: Partial<TenantLink> = {},
): Promise<TenantLink> {
  const link = sharedLink(tenantId, appid, overrides);
  await putItems(client, table, [linkItem(link)]);
  return link;
}

export async function seedGrants(
  client: DynamoDBDocumentClient,
  table: string,
  tenantId: string,
  departmentId: string,
  appids: readonly string[],
): Promise<void> {
  await putItems(
    client,
    table,
    appids.map((appid) => grantItem(tenantId, departmentId, appid)),
  );
}

export async function seedTenant(client: DynamoDBDocumentClient, table: string, settings: Partial<TenantSettings> & { tenantId: string }): Promise<void> {
  await putItems(client, table, [tenantItem({ ownedCount: 0, ...settings })]);
}
