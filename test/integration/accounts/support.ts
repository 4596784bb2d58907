/** Wiring of the account reads, settings and department grants on a fresh table of the embedded engine. */
import type { Caller } from '#shared/auth/caller.ts';
import { DynamoAccountDirectory, DynamoAccountSettingsStore } from '#shared/adapters/dynamodb/account-queries.ts';
import { DynamoAuditLog } from '#shared/adapters/dynamodb/audit-log.ts';
import { DynamoDepartmentGrants } from '#shared/adapters/dynamodb/department-grants.ts';
import { AccountQueries } from '#shared/domain/accounts/queries.ts';
import { AccountSettings } from '#shared/domain/accounts/settings.ts';
import { DepartmentAccess } from '#shared/domain/departments/grants.ts';
import type { TestTable } from '#test/integration/support/table.ts';

export const REQUIRED_FUNC_IDS = [1, 2, 3];

export function accountServices(table: TestTable, options: { transactionLimit?: number } = {}) {
  const directory = new DynamoAccountDirectory(table.client, table.name);
  const grants = new DynamoDepartmentGrants(table.client, table.name, options.transactionLimit);
  const audit = new DynamoAuditLog(table.client, table.name);
  const queries = new AccountQueries(directory, grants, REQUIRED_FUNC_IDS);
  return {
    directory,
    grants,
    audit,
    queries,
    settings: new AccountSettings(queries, new DynamoAccountSettingsStore(table.client, table.name), audit),
    departments: new DepartmentAccess(directory, grants, audit),
  };
}

export const admin = (tenantId: string): Caller => ({ tenantId, userId: `admin-of-${tenantId}`, isAdmin: true, departments: [] });
export const member = (tenantId: string, departments: string[]): Caller => ({ tenantId, userId: `member-of-${tenantId}`, isAdmin: false, departments });

/** The error a promise rejects with, or a failure if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<{ code?: string; details?: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; details?: Record<string, unknown> };
  }
  throw new Error('expected the call to fail, but it succeeded');
}
