/**
 * GET /v1/accounts/{appid}/fans (owner; a member only for its departments' accounts) — the
 * account's followers in openid order, `limit` (1–500, default 100) at a time, optionally only the
 * subscribed (`subscribed=true`) or unsubscribed ones; `nextCursor` continues.
 */
import * as v from 'valibot';
import { consoleRoute } from '#shared/http/console-route.ts';
import { appIdSchema } from '#shared/http/validation.ts';
import { fanConsole } from '#shared/wiring/fans.ts';

const fans = fanConsole();
const params = v.strictObject({ appid: appIdSchema });
const query = v.strictObject({
  cursor: v.optional(v.pipe(v.string(), v.maxLength(2048))),
  limit: v.optional(
    v.pipe(v.string(), v.regex(/^\d{1,3}$/, 'must be a whole number from 1 to 500'), v.transform(Number), v.minValue(1), v.maxValue(500)),
    '100',
  ),
  subscribed: v.optional(
    v.pipe(
      v.picklist(['true', 'false'], 'must be true or false'),
      v.transform((text) => text === 'true'),
    ),
  ),
});

export const handler = consoleRoute({ who: 'any', params, query }, async ({ caller, params, query }) => ({
  status: 200,
  body: await fans.fans(caller, params.appid, {
    limit: query.limit,
    ...(query.cursor ? { cursor: query.cursor } : {}),
    ...(query.subscribed === undefined ? {} : { subscribed: query.subscribed }),
  }),
}));
