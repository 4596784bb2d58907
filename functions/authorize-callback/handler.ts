/**
 * GET /v1/wechat/authorized — where WeChat sends the admin's browser after consent. Always a 302 to
 * the console (`bind=ok&appid=…` or `bind=error&code=…`), never an error page (`redirectRoute`).
 * No bearer token and no signature: the single-use `state` is what ties the request to a tenant.
 */
import * as v from 'valibot';
import { config } from '#shared/config/config.ts';
import { consoleRedirectUrl, type CallbackOutcome } from '#shared/domain/binding/authorization-urls.ts';
import { completeAuthorization } from '#shared/domain/binding/complete-authorization.ts';
import { redirectRoute } from '#shared/http/redirect-route.ts';
import { logger } from '#shared/observability/powertools.ts';
import { completeAuthorizationDeps } from '#shared/wiring/binding.ts';

const deps = completeAuthorizationDeps();

const query = v.object({
  state: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{16,64}$/)),
  auth_code: v.pipe(v.string(), v.minLength(1), v.maxLength(512)),
  expires_in: v.optional(v.pipe(v.string(), v.regex(/^\d{1,10}$/))),
});

export const handler = redirectRoute(
  {
    name: 'Authorization callback',
    query,
    location: (outcome: CallbackOutcome) => consoleRedirectUrl(config().consoleUrl, outcome),
    invalid: { bind: 'error', code: 'validation_failed' },
    failed: { bind: 'error', code: 'internal_error' },
  },
  async ({ query }): Promise<CallbackOutcome> => {
    const outcome = await completeAuthorization({ state: query.state, authCode: query.auth_code }, deps);
    if (outcome.ok) return { bind: 'ok', appid: outcome.binding.appid };
    return { bind: 'error', code: outcome.error.code, message: outcome.error.message, ...(outcome.appid ? { appid: outcome.appid } : {}) };
  },
);
