/**
 * GET /v1/accounts/{appid}/fans/{openid}/history (owner; a member only for its departments'
 * accounts) — the follower's subscribe and unsubscribe events, newest first, each with its time
 * and, for a subscribe through a QR code, its scene (`shared/domain/fans/history.ts`).
 */
import * as v from 'valibot';
import { followerHistory } from '#shared/domain/fans/history.ts';
import { consoleRoute } from '#shared/http/console-route.ts';
import { appIdSchema, noQuery } from '#shared/http/validation.ts';
import { fanHistory } from '#shared/wiring/fans.ts';

const deps = fanHistory();
const params = v.strictObject({
  appid: appIdSchema,
  openid: v.pipe(v.string(), v.regex(/^[0-9A-Za-z_-]{1,64}$/, 'must be a WeChat openid')),
});

export const handler = consoleRoute({ who: 'any', params, query: noQuery }, async ({ caller, params }) => ({
  status: 200,
  body: await followerHistory(caller, params.appid, params.openid, deps),
}));
