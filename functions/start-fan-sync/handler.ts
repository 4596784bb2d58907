/**
 * POST /v1/accounts/{appid}/fan-syncs (admin, owner) — a full follower sync of an active account:
 * `202 { jobId }`, the account's running job when one is running (one per account).
 */
import * as v from 'valibot';
import { consoleRoute } from '#shared/http/console-route.ts';
import { appIdSchema, noQuery } from '#shared/http/validation.ts';
import { fanConsole } from '#shared/wiring/fans.ts';

const fans = fanConsole({ startsSyncs: true });
const params = v.strictObject({ appid: appIdSchema });

export const handler = consoleRoute({ who: 'admin', params, query: noQuery }, async ({ caller, params }) => ({
  status: 202,
  body: await fans.startSync(caller, params.appid),
}));
