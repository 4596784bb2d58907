/**
 * POST /v1/internal/oauth/exchange — `{ code }`: the page's back end trades the one-time code of a
 * web authorization for the `OAuthUser`, once (IAM; `shared/domain/oauth/exchange.ts`); a bad, used
 * or expired code answers 410 `oauth_code_invalid`.
 */
import * as v from 'valibot';
import { exchangeOAuthCode } from '#shared/domain/oauth/exchange.ts';
import { internalRoute } from '#shared/http/internal-route.ts';
import { exchangeDeps } from '#shared/wiring/oauth.ts';

const deps = exchangeDeps();

const body = v.strictObject({ code: v.pipe(v.string(), v.minLength(1), v.maxLength(128)) });

export const handler = internalRoute({ params: v.optional(v.strictObject({}), {}), body }, async ({ body }) => ({
  status: 200,
  body: await exchangeOAuthCode(body.code, deps),
}));
