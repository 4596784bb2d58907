/**
 * GET /v1/accounts/{appid} — one account of the caller's tenant (any member).
 * - 404 `not_found`: the tenant holds no link to it (never bound here, another tenant's, or unbound
 *   by this tenant as owner) — the same answer for all three, so no other tenant's account is revealed;
 * - 403 `forbidden`: a member asks for an account of its own tenant that none of its departments
 *   was granted (exact department ids; a parent's grant is not a child's).
 */
import * as v from 'valibot';
import { consoleRoute } from '#shared/http/console-route.ts';
import { appIdSchema, noQuery } from '#shared/http/validation.ts';
import { accountQueries } from '#shared/wiring/accounts.ts';

const queries = accountQueries();

const params = v.strictObject({ appid: appIdSchema });

export const handler = consoleRoute({ who: 'any', params, query: noQuery }, async ({ caller, params }) => ({
  status: 200,
  body: await queries.get(caller, params.appid),
}));
