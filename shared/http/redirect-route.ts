/**
 * `redirectRoute` builds the handler of a route a person's browser is sent to (WeChat's redirect
 * after consent): always a 302, never an error page, since a person is looking. The stack:
 * observability, the fallback redirect for any failure of the hub itself (logged), header
 * normalization; then the query validated by the route's valibot schema (a query that fails it is
 * redirected as `invalid`, logged with the failing field names, never their values) and the route's
 * outcome turned into the redirect. No bearer token and no signature: what ties such a request to
 * someone is the route's own business (the single-use `state`).
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import * as v from 'valibot';
import { observability } from '#shared/http/middleware.ts';
import type { AnySchema } from '#shared/http/validation.ts';
import { logger } from '#shared/observability/powertools.ts';

export interface Redirect {
  statusCode: 302;
  headers: Record<string, string>;
  body: string;
}

export interface RedirectRouteSpec<Q extends AnySchema, O> {
  /** What the route is called in its log lines, e.g. `Authorization callback`. */
  name: string;
  query: Q;
  /** Where an outcome sends the browser (its parameter's type is the route's outcome type). */
  location: (outcome: O) => string;
  /** The outcome of a query the schema refuses. */
  invalid: NoInfer<O>;
  /** The outcome of any failure of the hub itself. */
  failed: NoInfer<O>;
}

export function redirectRoute<Q extends AnySchema, O>(
  spec: RedirectRouteSpec<Q, O>,
  run: (input: { query: v.InferOutput<Q>; event: APIGatewayProxyEventV2 }) => Promise<NoInfer<O>>,
) {
  const redirectTo = (outcome: O): Redirect => ({
    statusCode: 302,
    headers: { location: spec.location(outcome), 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' },
    body: '',
  });
  /** The last word on any failure of the hub itself: the browser still lands where `failed` says. */
  const redirectOnError: middy.MiddlewareObj<APIGatewayProxyEventV2, Redirect> = {
    onError: (request) => {
      const error = request.error;
      logger.error(`${spec.name} failed`, { error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error) });
      request.response = redirectTo(spec.failed);
    },
  };
  return middy<APIGatewayProxyEventV2, Redirect>()
    .use(observability())
    .use(redirectOnError)
    .use(httpHeaderNormalizer({ canonical: false }))
    .handler(async (event) => {
      const parsed = v.safeParse(spec.query, event.queryStringParameters ?? {});
      if (!parsed.success) {
        logger.warn(`${spec.name} without a usable query`, { fields: parsed.issues.map((issue) => v.getDotPath(issue)) });
        return redirectTo(spec.invalid);
      }
      return redirectTo(await run({ query: parsed.output, event }));
    });
}
