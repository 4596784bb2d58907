/**
 * GET /v1/accounts — the accounts the caller's tenant owns or was shared (any member). An admin sees
 * all of them; a member only those granted to one of its departments (exact ids). Missing required
 * permission sets show on each account (`missingPermissions`).
 */
import { consoleRoute } from '#shared/http/console-route.ts';
import { noQuery } from '#shared/http/validation.ts';
import { accountQueries } from '#shared/wiring/accounts.ts';

const queries = accountQueries();

export const handler = consoleRoute({ who: 'any', query: noQuery }, async ({ caller }) => ({
  status: 200,
  body: { accounts: await queries.list(caller) },
}));
