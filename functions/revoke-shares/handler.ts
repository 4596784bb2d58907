/**
 * DELETE /v1/accounts/{appid}/shares (admin of the owner) — revokes every share, the recipients'
 * community and payment links, and every unused code. `204`.
 */
import * as v from 'valibot';
import { revokeShares } from '#shared/domain/sharing/shares.ts';
import { consoleRoute } from '#shared/http/console-route.ts';
import { appIdSchema, noQuery } from '#shared/http/validation.ts';
import { sharesDeps } from '#shared/wiring/sharing.ts';

const deps = sharesDeps();
const params = v.strictObject({ appid: appIdSchema });

export const handler = consoleRoute({ who: 'admin', params, query: noQuery }, async ({ caller, params }) => {
  await revokeShares({ tenantId: caller.tenantId, userId: caller.userId, appid: params.appid }, deps);
  return { status: 204 };
});
