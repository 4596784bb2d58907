/** The departments area wired to the table: which accounts each department of a tenant is granted. */
import { DynamoAccountDirectory } from '#shared/adapters/dynamodb/account-queries.ts';
import { DynamoDepartmentGrants } from '#shared/adapters/dynamodb/department-grants.ts';
import { db, tableName } from '#shared/db/client.ts';
import { DepartmentAccess } from '#shared/domain/departments/grants.ts';
import { auditLog } from '#shared/wiring/common.ts';

export function departmentAccess(): DepartmentAccess {
  return new DepartmentAccess(new DynamoAccountDirectory(db(), tableName()), new DynamoDepartmentGrants(db(), tableName()), auditLog());
}
