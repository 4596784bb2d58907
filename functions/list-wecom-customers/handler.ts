/**
 * GET /v1/wecom/customers (admin; `features.wecom`) — the corp's customers in external_userid order,
 * `limit` (1–500, default 100) at a time, optionally only those linked to a follower (`linked=true`)
 * or not; `nextCursor` continues.
 */
import * as v from 'valibot';
import { consoleRoute } from '#shared/http/console-route.ts';
import { customerConsole } from '#shared/wiring/wecom.ts';

const customers = customerConsole();
const query = v.strictObject({
  cursor: v.optional(v.pipe(v.string(), v.maxLength(2048))),
  limit: v.optional(
    v.pipe(v.string(), v.regex(/^\d{1,3}$/, 'must be a whole number from 1 to 500'), v.transform(Number), v.minValue(1), v.maxValue(500)),
    '100',
  ),
  linked: v.optional(
    v.pipe(
      v.picklist(['true', 'false'], 'must be true or false'),
      v.transform((text) => text === 'true'),
    ),
  ),
});

export const handler = consoleRoute({ who: 'admin', query }, async ({ caller, query }) => ({
  status: 200,
  body: await customers.customers(caller, {
    limit: query.limit,
    ...(query.cursor ? { cursor: query.cursor } : {}),
    ...(query.linked === undefined ? {} : { linked: query.linked }),
  }),
}));
