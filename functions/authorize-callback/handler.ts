/**
 * GET /v1/wechat/authorized — where WeChat sends the admin's browser after consent. Always a 302 to
 * the console (`bind=ok&appid=…` or `bind=error&code=…`), never an error page: a person is looking.
 * No bearer token and no signature: the single-use `state` is what ties the request to a tenant.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import * as v from 'valibot';
import { config } from '#shared/config/config.ts';
import { consoleRedirectUrl, type CallbackOutcome } from '#shared/domain/binding/authorization-urls.ts';
import { completeAuthorization } from '#shared/domain/binding/complete-authorization.ts';
import { observability } from '#shared/http/middleware.ts';
import { logger } from '#shared/observability/powertools.ts';
import { completeAuthorizationDeps } from '#shared/wiring/binding.ts';

const deps = completeAuthorizationDeps();

const query = v.object({
  state: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{16,64}$/)),
  auth_code: v.pipe(v.string(), v.minLength(1), v.maxLength(512)),
  expires_in: v.optional(v.pipe(v.string(), v.regex(/^\d{1,10}$/))),
});

interface Redirect {
  statusCode: 302;
  headers: Record<string, string>;
  body: string;
}

const redirectTo = (outcome: CallbackOutcome): Redirect => ({
  statusCode: 302,
  headers: { location: consoleRedirectUrl(config().consoleUrl, outcome), 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' },
  body: '',
});

/** The last word on any failure of the hub itself: the browser still lands on the console. */
const redirectOnError: middy.MiddlewareObj<APIGatewayProxyEventV2, Redirect> = {
  onError: (request) => {
    const error = request.error;
    logger.error('Authorization callback failed', { error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error) });
    request.response = redirectTo({ bind: 'error', code: 'internal_error' });
  },
};

export const handler = middy<APIGatewayProxyEventV2, Redirect>()
  .use(observability() as unknown as middy.MiddlewareObj<APIGatewayProxyEventV2, Redirect>[])
  .use(redirectOnError)
  .use(httpHeaderNormalizer({ canonical: false }) as middy.MiddlewareObj<APIGatewayProxyEventV2, Redirect>)
  .handler(async (event) => {
    const parsed = v.safeParse(query, event.queryStringParameters ?? {});
    if (!parsed.success) {
      logger.warn('Authorization callback without a usable state or auth_code', { fields: parsed.issues.map((issue) => v.getDotPath(issue)) });
      return redirectTo({ bind: 'error', code: 'validation_failed' });
    }
    const outcome = await completeAuthorization({ state: parsed.output.state, authCode: parsed.output.auth_code }, deps);
    if (outcome.ok) return redirectTo({ bind: 'ok', appid: outcome.binding.appid });
    return redirectTo({
      bind: 'error',
      code: outcome.error.code,
      message: outcome.error.message,
      ...(outcome.appid ? { appid: outcome.appid } : {}),
    });
  });
