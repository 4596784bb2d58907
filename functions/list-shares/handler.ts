/** GET /v1/accounts/{appid}/shares (admin of the owner) — the recipients with their community counts. */
import * as v from 'valibot';
import { listShares } from '#shared/domain/sharing/shares.ts';
import { consoleRoute } from '#shared/http/console-route.ts';
import { appIdSchema, noQuery } from '#shared/http/validation.ts';
import { sharesDeps } from '#shared/wiring/sharing.ts';

const deps = sharesDeps();
const params = v.strictObject({ appid: appIdSchema });

export const handler = consoleRoute({ who: 'admin', params, query: noQuery }, async ({ caller, params }) => ({
  status: 200,
  body: { shares: await listShares({ tenantId: caller.tenantId, appid: params.appid }, deps) },
}));
