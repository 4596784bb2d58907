/**
 * DELETE /v1/accounts/{appid} (admin) — the owner unbinds (only once WeChat shows the authorization
 * revoked, else `409 revoke_in_wechat_first`): `unbinding`, the cascade in chunks, `unbound`, all
 * within the request, with a queued continuation should it die (`unbind.ts`); a recipient releases
 * the share. `204` once done, either way.
 */
import * as v from 'valibot';
import { deleteAccount } from '#shared/domain/accounts/unbind.ts';
import { consoleRoute } from '#shared/http/console-route.ts';
import { appIdSchema, noQuery } from '#shared/http/validation.ts';
import { unbindDeps } from '#shared/wiring/accounts.ts';

const deps = unbindDeps();
const params = v.strictObject({ appid: appIdSchema });

export const handler = consoleRoute({ who: 'admin', params, query: noQuery }, async ({ caller, params }) => {
  await deleteAccount({ tenantId: caller.tenantId, userId: caller.userId, appid: params.appid }, deps);
  return { status: 204 };
});
