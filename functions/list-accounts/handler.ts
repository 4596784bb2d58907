/**
 * GET /v1/accounts — the accounts the caller's tenant owns or was shared (any member). An admin sees
 * all of them; a member only those granted to one of its departments (exact ids). Missing required
 * permission sets show on each account (`missingPermissions`).
 */
import { DynamoAccountDirectory } from '#shared/adapters/dynamodb/account-queries.ts';
import { DynamoDepartmentGrants } from '#shared/adapters/dynamodb/department-grants.ts';
import { config } from '#shared/config/config.ts';
import { db, tableName } from '#shared/db/client.ts';
import { AccountQueries } from '#shared/domain/accounts/queries.ts';
import { consoleRoute } from '#shared/http/console-route.ts';
import { noQuery } from '#shared/http/validation.ts';

const queries = new AccountQueries(
  new DynamoAccountDirectory(db(), tableName()),
  new DynamoDepartmentGrants(db(), tableName()),
  config().bindingPolicy.requiredFuncIds,
);

export const handler = consoleRoute({ who: 'any', query: noQuery }, async ({ caller }) => ({
  status: 200,
  body: { accounts: await queries.list(caller) },
}));
