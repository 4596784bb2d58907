/**
 * `consoleRoute` builds the handler of one console route (API.md §3): the base stack, a JSON body
 * of at most 64 KiB, valibot validation of path, query and body, the caller from the verified JWT
 * claims, and the admin check when the route needs it. The route's function receives typed input
 * and returns `{ status, body }`; errors become `{ error: … }` responses in one place.
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import middy from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import * as v from 'valibot';
import { callerFromClaims, requireAdmin, type Caller } from '#shared/auth/caller.ts';
import { ValidationFailed } from '#shared/errors/domain-errors.ts';
import { jsonResponse, type JsonResponse } from '#shared/http/error-envelope.ts';
import { baseHttpStack, bodyLimit } from '#shared/http/middleware.ts';
import { validateParts, type AnySchema } from '#shared/http/validation.ts';
import { logger } from '#shared/observability/powertools.ts';

export const CONSOLE_BODY_LIMIT_BYTES = 64 * 1024;

export type ConsoleEvent = APIGatewayProxyEventV2WithJWTAuthorizer;

export interface RouteSpec<P extends AnySchema | undefined, Q extends AnySchema | undefined, B extends AnySchema | undefined> {
  /** `admin`: only admins of the tenant; `any`: any authenticated member (reads). */
  who: 'admin' | 'any';
  params?: P;
  query?: Q;
  body?: B;
}

type Out<S> = S extends AnySchema ? v.InferOutput<S> : undefined;

export interface RouteInput<P, Q, B> {
  caller: Caller;
  params: P;
  query: Q;
  body: B;
  event: ConsoleEvent;
}

export interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const jsonParser = httpJsonBodyParser();

/**
 * Parses a JSON body when one was sent; an absent body is `undefined` for the schema to judge.
 * Malformed JSON is refused on every route; a route without a body schema ignores a well-formed body.
 */
function optionalJsonBody(takesBody: boolean): middy.MiddlewareObj<ConsoleEvent> {
  return {
    before: async (request) => {
      const body = request.event.body;
      if (body === undefined || body === null || body === '') {
        (request.event as { body?: unknown }).body = undefined;
        return;
      }
      await jsonParser.before?.(request as never);
      // Every console body is a JSON object. valibot's object schemas also accept arrays (they are
      // objects to JavaScript), so anything else is refused here, before any schema sees it.
      const parsed: unknown = request.event.body;
      if (takesBody && (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))) {
        throw new ValidationFailed([{ field: 'body', message: 'must be a JSON object' }]);
      }
    },
  };
}

/** What a console handler declares about its input, read back by the OpenAPI generator. */
export type RouteContract = RouteSpec<AnySchema | undefined, AnySchema | undefined, AnySchema | undefined>;

export function consoleRoute<
  P extends AnySchema | undefined = undefined,
  Q extends AnySchema | undefined = undefined,
  B extends AnySchema | undefined = undefined,
>(spec: RouteSpec<P, Q, B>, run: (input: RouteInput<Out<P>, Out<Q>, Out<B>>) => Promise<RouteResult>) {
  const handler = middy<ConsoleEvent, JsonResponse>()
    .use(baseHttpStack())
    .use(bodyLimit(CONSOLE_BODY_LIMIT_BYTES))
    .use(optionalJsonBody(spec.body !== undefined))
    .handler(async (event) => {
      const caller = callerFromClaims(event.requestContext?.authorizer?.jwt?.claims);
      logger.appendKeys({ tenantId: caller.tenantId });
      if (spec.who === 'admin') requireAdmin(caller);
      const input = validateParts(
        { params: spec.params, query: spec.query, body: spec.body },
        { params: event.pathParameters ?? {}, query: event.queryStringParameters ?? {}, body: event.body as unknown },
      );
      const result = await run({ caller, event, ...(input as { params: Out<P>; query: Out<Q>; body: Out<B> }) });
      return jsonResponse(result.status, result.body, result.headers);
    });
  // The route's own schemas travel with its handler: the OpenAPI document is generated from them.
  return Object.assign(handler, { contract: spec as RouteContract });
}
