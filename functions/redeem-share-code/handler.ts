/**
 * POST /v1/shared-accounts (admin) — `{ code }` → `201 Account` (role `shared`). `400
 * validation_failed` for something that cannot be a code (not counted), `410 share_code_invalid` for
 * every code that does not work, `429 rate_limited` with `Retry-After` after 10 such failures within an hour.
 */
import * as v from 'valibot';
import { redeemShareCode } from '#shared/domain/sharing/redeem-share-code.ts';
import { typedShareCodeSchema } from '#shared/domain/sharing/schemas.ts';
import { consoleRoute } from '#shared/http/console-route.ts';
import { noQuery } from '#shared/http/validation.ts';
import { redeemShareCodeDeps } from '#shared/wiring/sharing.ts';

const deps = redeemShareCodeDeps();
const body = v.strictObject({ code: typedShareCodeSchema });

export const handler = consoleRoute({ who: 'admin', query: noQuery, body }, async ({ caller, body }) => ({
  status: 201,
  body: await redeemShareCode({ tenantId: caller.tenantId, userId: caller.userId, code: body.code }, deps),
}));
