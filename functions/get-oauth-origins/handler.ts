/**
 * GET /v1/oauth/origins — the origins the tenant's pages live on, where web authorization may send
 * a visitor back to (admin; `shared/domain/oauth/allowed-origins.ts`).
 */
import { allowedOrigins } from '#shared/domain/oauth/allowed-origins.ts';
import { consoleRoute } from '#shared/http/console-route.ts';
import { noQuery } from '#shared/http/validation.ts';
import { allowedOriginsDeps } from '#shared/wiring/oauth.ts';

const deps = allowedOriginsDeps();

export const handler = consoleRoute({ who: 'admin', query: noQuery }, async ({ caller }) => ({ status: 200, body: await allowedOrigins(caller, deps) }));
