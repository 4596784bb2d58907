/**
 * POST /v1/accounts/{appid}/share-codes (admin of the owner, account active) — `{ count: 1..100,
 * includePayment?: boolean }` (default false; true needs WeChat Pay, else `422 payment_not_available`)
 * → `201 { codes, expiresAt }`. The codes are in this answer only (never
 * cached, never stored, never logged).
 */
import * as v from 'valibot';
import { createShareCodes } from '#shared/domain/sharing/share-codes.ts';
import { shareCodeCountSchema } from '#shared/domain/sharing/schemas.ts';
import { consoleRoute } from '#shared/http/console-route.ts';
import { appIdSchema, noQuery } from '#shared/http/validation.ts';
import { createShareCodesDeps } from '#shared/wiring/sharing.ts';

const deps = createShareCodesDeps();
const params = v.strictObject({ appid: appIdSchema });
const body = v.strictObject({
  count: shareCodeCountSchema,
  includePayment: v.optional(v.boolean('must be true or false'), false),
});

export const handler = consoleRoute({ who: 'admin', params, query: noQuery, body }, async ({ caller, params, body }) => ({
  status: 201,
  body: await createShareCodes(
    { tenantId: caller.tenantId, userId: caller.userId, appid: params.appid, count: body.count, includePayment: body.includePayment },
    deps,
  ),
  headers: { 'cache-control': 'no-store' },
}));
