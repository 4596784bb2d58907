/** GET /v1/audit — the tenant's audit trail, newest first (admin). */
import * as v from 'valibot';
import { DynamoAuditLog } from '#shared/adapters/dynamodb/audit-log.ts';
import { db, tableName } from '#shared/db/client.ts';
import { consoleRoute } from '#shared/http/console-route.ts';

const auditLog = new DynamoAuditLog(db(), tableName());

const query = v.strictObject({
  cursor: v.optional(v.pipe(v.string(), v.maxLength(2048))),
  limit: v.optional(
    v.pipe(v.string(), v.regex(/^\d{1,3}$/, 'must be a whole number from 1 to 100'), v.transform(Number), v.minValue(1), v.maxValue(100)),
    '50',
  ),
});

export const handler = consoleRoute({ who: 'admin', query }, async ({ caller, query }) => {
  const page = await auditLog.list(caller.tenantId, { limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) });
  return { status: 200, body: page };
});
