/**
 * DELETE /v1/accounts/{appid}/menu (admin, owner) → `204`: `menu/delete` (the default menu and every
 * conditional one). Needs permission set 15.
 */
import * as v from 'valibot';
import { deleteMenu } from '#shared/domain/replies/menus.ts';
import { consoleRoute } from '#shared/http/console-route.ts';
import { appIdSchema, noQuery } from '#shared/http/validation.ts';
import { menuDeps } from '#shared/wiring/replies.ts';

const deps = menuDeps();
const params = v.strictObject({ appid: appIdSchema });

export const handler = consoleRoute({ who: 'admin', params, query: noQuery }, async ({ caller, params }) => {
  await deleteMenu({ tenantId: caller.tenantId, userId: caller.userId, appid: params.appid }, deps);
  return { status: 204 };
});
