/** GET /v1/communities (any member) — the tenant's communities and what each links to. */
import { listCommunities } from '#shared/domain/communities/communities.ts';
import { consoleRoute } from '#shared/http/console-route.ts';
import { noQuery } from '#shared/http/validation.ts';
import { communityDeps } from '#shared/wiring/communities.ts';

const deps = communityDeps();

export const handler = consoleRoute({ who: 'any', query: noQuery }, async ({ caller }) => ({
  status: 200,
  body: { communities: await listCommunities(caller.tenantId, deps) },
}));
