/** GET /v1/audit — the tenant's audit trail, newest first (admin). */
import * as v from 'valibot';
import { consoleRoute } from '#shared/http/console-route.ts';
import { auditLog } from '#shared/wiring/audit.ts';

const trail = auditLog();

const query = v.strictObject({
  cursor: v.optional(v.pipe(v.string(), v.maxLength(2048))),
  limit: v.optional(
    v.pipe(v.string(), v.regex(/^\d{1,3}$/, 'must be a whole number from 1 to 100'), v.transform(Number), v.minValue(1), v.maxValue(100)),
    '50',
  ),
});

export const handler = consoleRoute({ who: 'admin', query }, async ({ caller, query }) => {
  const page = await trail.list(caller.tenantId, { limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) });
  return { status: 200, body: page };
});
