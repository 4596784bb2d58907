/**
 * GET /v1/accounts/{appid}/messages (owner; a member only for its departments' accounts) — what
 * users sent and did (消息管理), kept 30 days, newest first, `limit` (1–200, default 50) at a time,
 * optionally only messages (`type=message`) or only events (`type=event`); `nextCursor` continues.
 */
import * as v from 'valibot';
import { consoleRoute } from '#shared/http/console-route.ts';
import { appIdSchema } from '#shared/http/validation.ts';
import { messageConsole } from '#shared/wiring/messages.ts';

const messages = messageConsole();
const params = v.strictObject({ appid: appIdSchema });
const query = v.strictObject({
  cursor: v.optional(v.pipe(v.string(), v.maxLength(2048))),
  limit: v.optional(
    v.pipe(v.string(), v.regex(/^\d{1,3}$/, 'must be a whole number from 1 to 200'), v.transform(Number), v.minValue(1), v.maxValue(200)),
    '50',
  ),
  type: v.optional(v.picklist(['message', 'event'], 'must be message or event')),
});

export const handler = consoleRoute({ who: 'any', params, query }, async ({ caller, params, query }) => ({
  status: 200,
  body: await messages.list(caller, params.appid, {
    limit: query.limit,
    ...(query.cursor ? { cursor: query.cursor } : {}),
    ...(query.type ? { type: query.type } : {}),
  }),
}));
