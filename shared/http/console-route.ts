/**
 * `consoleRoute` builds the handler of one console route (API.md §3): the base stack, a JSON body
 * of at most 64 KiB, valibot validation of path, query and body, the caller from the verified JWT
 * claims, and the admin check when the route needs it. `who: 'operator'` routes take an operator
 * (`operatorFromClaims`, no tenant) instead of a tenant caller; every other route refuses a token
 * whose only role is operator (403, `callerFromClaims`). The route's function receives typed input
 * and returns `{ status, body }`; errors become `{ error: … }` responses in one place.
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import middy from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import * as v from 'valibot';
import { callerFromClaims, operatorFromClaims, requireAdmin, type Caller, type OperatorCaller } from '#shared/auth/caller.ts';
import { ValidationFailed } from '#shared/errors/domain-errors.ts';
import { jsonResponse, type JsonResponse } from '#shared/http/error-envelope.ts';
import { baseHttpStack, bodyLimit } from '#shared/http/middleware.ts';
import { validateParts, type AnySchema } from '#shared/http/validation.ts';
import { logger } from '#shared/observability/powertools.ts';

export const CONSOLE_BODY_LIMIT_BYTES = 64 * 1024;

export type ConsoleEvent = APIGatewayProxyEventV2WithJWTAuthorizer;

export type Who = 'admin' | 'any' | 'operator';

export interface RouteSpec<P extends AnySchema | undefined, Q extends AnySchema | undefined, B extends AnySchema | undefined, W extends Who = Who> {
  /** `admin`: only admins of the tenant; `any`: any authenticated member (reads); `operator`: platform staff, any tenant (API.md §3 ⁺). */
  who: W;
  params?: P;
  query?: Q;
  body?: B;
}

type Out<S> = S extends AnySchema ? v.InferOutput<S> : undefined;

/** The caller a route's function receives: an operator on operator routes, else the tenant's user. */
export type CallerOf<W extends Who> = W extends 'operator' ? OperatorCaller : Caller;

export interface RouteInput<P, Q, B, C = Caller> {
  caller: C;
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
  W extends Who = Who,
>(spec: RouteSpec<P, Q, B, W>, run: (input: RouteInput<Out<P>, Out<Q>, Out<B>, CallerOf<W>>) => Promise<RouteResult>) {
  const handler = middy<ConsoleEvent, JsonResponse>()
    .use(baseHttpStack())
    .use(bodyLimit(CONSOLE_BODY_LIMIT_BYTES))
    .use(optionalJsonBody(spec.body !== undefined))
    .handler(async (event) => {
      const claims = event.requestContext?.authorizer?.jwt?.claims;
      let caller: Caller | OperatorCaller;
      if (spec.who === 'operator') {
        const operator = operatorFromClaims(claims);
        logger.appendKeys({ operator: operator.userId });
        caller = operator;
      } else {
        const member = callerFromClaims(claims);
        logger.appendKeys({ tenantId: member.tenantId });
        if (spec.who === 'admin') requireAdmin(member);
        caller = member;
      }
      const input = validateParts(
        { params: spec.params, query: spec.query, body: spec.body },
        { params: event.pathParameters ?? {}, query: event.queryStringParameters ?? {}, body: event.body as unknown },
      );
      const result = await run({ caller: caller as CallerOf<W>, event, ...(input as { params: Out<P>; query: Out<Q>; body: Out<B> }) });
      return jsonResponse(result.status, result.body, result.headers);
    });
  // The route's own schemas travel with its handler: the OpenAPI document is generated from them.
  return Object.assign(handler, { contract: spec as RouteContract });
}
