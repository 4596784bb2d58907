/**
 * DELETE /v1/accounts/{appid}/shares/{tenantId} (admin of the owner) — revokes one recipient's share
 * with its communities' account and payment links. `204`, also when that tenant holds no share.
 */
import * as v from 'valibot';
import { tenantIdSchema } from '#shared/domain/sharing/schemas.ts';
import { revokeShare } from '#shared/domain/sharing/shares.ts';
import { consoleRoute } from '#shared/http/console-route.ts';
import { appIdSchema, noQuery } from '#shared/http/validation.ts';
import { sharesDeps } from '#shared/wiring/sharing.ts';

const deps = sharesDeps();
const params = v.strictObject({ appid: appIdSchema, tenantId: tenantIdSchema });

export const handler = consoleRoute({ who: 'admin', params, query: noQuery }, async ({ caller, params }) => {
  await revokeShare({ tenantId: caller.tenantId, userId: caller.userId, appid: params.appid, recipientTenantId: params.tenantId }, deps);
  return { status: 204 };
});
