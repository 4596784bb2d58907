/**
 * PATCH /v1/accounts/{appid} — `{ isDefault?, plaintextAuthorization? }`, at least one (admin).
 * `isDefault: true` makes it the tenant's only default; `false` clears the default only when it is
 * this account. 404 `not_found` when the tenant holds no link to the account (including one that an
 * unbind removes while this request runs). Audited as `settings.changed` when something changed.
 */
import * as v from 'valibot';
import { DynamoAccountDirectory, DynamoAccountSettingsStore } from '#shared/adapters/dynamodb/account-queries.ts';
import { DynamoAuditLog } from '#shared/adapters/dynamodb/audit-log.ts';
import { DynamoDepartmentGrants } from '#shared/adapters/dynamodb/department-grants.ts';
import { config } from '#shared/config/config.ts';
import { db, tableName } from '#shared/db/client.ts';
import { AccountQueries } from '#shared/domain/accounts/queries.ts';
import { AccountSettings } from '#shared/domain/accounts/settings.ts';
import { consoleRoute } from '#shared/http/console-route.ts';
import { appIdSchema, noQuery } from '#shared/http/validation.ts';

const queries = new AccountQueries(
  new DynamoAccountDirectory(db(), tableName()),
  new DynamoDepartmentGrants(db(), tableName()),
  config().bindingPolicy.requiredFuncIds,
);
const settings = new AccountSettings(queries, new DynamoAccountSettingsStore(db(), tableName()), new DynamoAuditLog(db(), tableName()));

const params = v.strictObject({ appid: appIdSchema });

const body = v.pipe(
  v.strictObject({
    isDefault: v.optional(v.boolean()),
    plaintextAuthorization: v.optional(v.boolean()),
  }),
  v.check((change) => change.isDefault !== undefined || change.plaintextAuthorization !== undefined, 'must set isDefault or plaintextAuthorization'),
);

export const handler = consoleRoute({ who: 'admin', params, query: noQuery, body }, async ({ caller, params, body }) => ({
  status: 200,
  body: await settings.update(caller, params.appid, body),
}));
