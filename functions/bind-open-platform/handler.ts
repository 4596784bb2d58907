/**
 * POST /v1/accounts/{appid}/open-platform (admin, owner) — binds the account to the open platform
 * account `openAppId`, or to a new one → `200 { openAppId, created }`.
 */
import * as v from 'valibot';
import { bindOpenPlatform } from '#shared/domain/accounts/open-platform.ts';
import { consoleRoute } from '#shared/http/console-route.ts';
import { appIdSchema, noQuery } from '#shared/http/validation.ts';
import { openPlatformDeps } from '#shared/wiring/accounts.ts';

const deps = openPlatformDeps();
const params = v.strictObject({ appid: appIdSchema });
const body = v.optional(v.strictObject({ openAppId: v.optional(appIdSchema) }), {});

export const handler = consoleRoute({ who: 'admin', params, query: noQuery, body }, async ({ caller, params, body }) => ({
  status: 200,
  body: await bindOpenPlatform(
    { tenantId: caller.tenantId, userId: caller.userId, appid: params.appid, ...(body.openAppId ? { openAppId: body.openAppId } : {}) },
    deps,
  ),
}));
