/**
 * DELETE /v1/accounts/{appid}/communities (admin) — the owner unlinks every tenant's communities from
 * the account and its payment interface, a recipient only its own. `200 { unlinked }`.
 */
import * as v from 'valibot';
import { unlinkCommunities } from '#shared/domain/communities/communities.ts';
import { consoleRoute } from '#shared/http/console-route.ts';
import { appIdSchema, noQuery } from '#shared/http/validation.ts';
import { communityDeps } from '#shared/wiring/communities.ts';

const deps = communityDeps();
const params = v.strictObject({ appid: appIdSchema });

export const handler = consoleRoute({ who: 'admin', params, query: noQuery }, async ({ caller, params }) => ({
  status: 200,
  body: await unlinkCommunities({ tenantId: caller.tenantId, userId: caller.userId, appid: params.appid }, deps),
}));
