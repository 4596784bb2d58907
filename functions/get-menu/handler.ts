/**
 * GET /v1/accounts/{appid}/menu (admin, owner) → `200 { menu }`: the menu WeChat holds for the
 * account (`menu/get`), `null` when none was set through the API. Needs permission set 15.
 */
import * as v from 'valibot';
import { readMenu } from '#shared/domain/replies/menus.ts';
import { consoleRoute } from '#shared/http/console-route.ts';
import { appIdSchema, noQuery } from '#shared/http/validation.ts';
import { menuDeps } from '#shared/wiring/replies.ts';

const deps = menuDeps();
const params = v.strictObject({ appid: appIdSchema });

export const handler = consoleRoute({ who: 'admin', params, query: noQuery }, async ({ caller, params }) => ({
  status: 200,
  body: await readMenu({ tenantId: caller.tenantId, appid: params.appid }, deps),
}));
