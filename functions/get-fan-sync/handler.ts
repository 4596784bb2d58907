/** GET /v1/accounts/{appid}/fan-syncs/{jobId} (admin, owner) — one follower sync with its progress (API.md `FanSyncJob`). */
import * as v from 'valibot';
import { consoleRoute } from '#shared/http/console-route.ts';
import { appIdSchema, noQuery } from '#shared/http/validation.ts';
import { fanConsole } from '#shared/wiring/fans.ts';

const fans = fanConsole();
const params = v.strictObject({
  appid: appIdSchema,
  jobId: v.pipe(v.string(), v.regex(/^[0-9A-Za-z_-]{1,64}$/, 'must be a job id this API returned')),
});

export const handler = consoleRoute({ who: 'admin', params, query: noQuery }, async ({ caller, params }) => ({
  status: 200,
  body: await fans.job(caller, params.appid, params.jobId),
}));
