/**
 * PUT /v1/oauth/origins — `{ origins }` replaces the tenant's allowed origins (admin): at most 20
 * `https://host[:port]` origins (`http://127.0.0.1:*` / `http://localhost:*` with
 * `OAUTH_LOOPBACK_ORIGINS`, locally), normalized; audited as `oauth.origins_changed`.
 */
import * as v from 'valibot';
import { MAX_ORIGINS } from '#shared/domain/oauth/origins.ts';
import { replaceAllowedOrigins } from '#shared/domain/oauth/allowed-origins.ts';
import { consoleRoute } from '#shared/http/console-route.ts';
import { noQuery } from '#shared/http/validation.ts';
import { allowedOriginsDeps } from '#shared/wiring/oauth.ts';

const deps = allowedOriginsDeps();

const body = v.strictObject({
  origins: v.pipe(v.array(v.pipe(v.string(), v.minLength(1), v.maxLength(300))), v.maxLength(MAX_ORIGINS, `must hold at most ${MAX_ORIGINS} origins`)),
});

export const handler = consoleRoute({ who: 'admin', query: noQuery, body }, async ({ caller, body }) => ({
  status: 200,
  body: await replaceAllowedOrigins(caller, body.origins, deps),
}));
