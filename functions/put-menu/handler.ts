/**
 * PUT /v1/accounts/{appid}/menu (admin, owner) — WeChat's menu JSON, checked against WECHAT.md §15's
 * limits (`menuSchema`) before any call, then `menu/create` → `200 { menu }`. Needs permission set 15
 * (`422 missing_permissions`); WeChat's refusal is `502 wechat_error` with its errcode.
 */
import * as v from 'valibot';
import { putMenu } from '#shared/domain/replies/menus.ts';
import { menuSchema } from '#shared/domain/replies/menu-rules.ts';
import { consoleRoute } from '#shared/http/console-route.ts';
import { appIdSchema, noQuery } from '#shared/http/validation.ts';
import { menuDeps } from '#shared/wiring/replies.ts';

const deps = menuDeps();
const params = v.strictObject({ appid: appIdSchema });

export const handler = consoleRoute({ who: 'admin', params, query: noQuery, body: menuSchema }, async ({ caller, params, body }) => ({
  status: 200,
  body: await putMenu({ tenantId: caller.tenantId, userId: caller.userId, appid: params.appid, menu: body }, deps),
}));
