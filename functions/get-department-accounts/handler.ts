/** GET /v1/departments/{departmentId}/accounts — the accounts granted to one department (admin). */
import { DynamoAccountDirectory } from '#shared/adapters/dynamodb/account-queries.ts';
import { DynamoAuditLog } from '#shared/adapters/dynamodb/audit-log.ts';
import { DynamoDepartmentGrants } from '#shared/adapters/dynamodb/department-grants.ts';
import { db, tableName } from '#shared/db/client.ts';
import { DepartmentAccess } from '#shared/domain/departments/grants.ts';
import { departmentParams } from '#shared/domain/departments/schemas.ts';
import { consoleRoute } from '#shared/http/console-route.ts';
import { noQuery } from '#shared/http/validation.ts';

const departments = new DepartmentAccess(
  new DynamoAccountDirectory(db(), tableName()),
  new DynamoDepartmentGrants(db(), tableName()),
  new DynamoAuditLog(db(), tableName()),
);

export const handler = consoleRoute({ who: 'admin', params: departmentParams, query: noQuery }, async ({ caller, params }) => ({
  status: 200,
  body: await departments.read(caller, params.departmentId),
}));
