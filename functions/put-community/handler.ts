/**
 * PUT /v1/communities/{communityId} (admin) — `{ accountAppId?: string|null, paymentAppId?:
 * string|null }` → `200 Community`. Creates the community on first use; `null` unlinks, an absent
 * field stays as it is.
 */
import * as v from 'valibot';
import { putCommunity } from '#shared/domain/communities/communities.ts';
import { communityIdSchema } from '#shared/domain/sharing/schemas.ts';
import { consoleRoute } from '#shared/http/console-route.ts';
import { appIdSchema, noQuery } from '#shared/http/validation.ts';
import { communityDeps } from '#shared/wiring/communities.ts';

const deps = communityDeps();
const params = v.strictObject({ communityId: communityIdSchema });
const body = v.strictObject({
  accountAppId: v.optional(v.nullable(appIdSchema)),
  paymentAppId: v.optional(v.nullable(appIdSchema)),
});

export const handler = consoleRoute({ who: 'admin', params, query: noQuery, body }, async ({ caller, params, body }) => ({
  status: 200,
  body: await putCommunity({ tenantId: caller.tenantId, userId: caller.userId, communityId: params.communityId, ...body }, deps),
}));
