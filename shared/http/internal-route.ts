/**
 * `internalRoute` builds the handler of a service-to-service route (catalogue auth `iam`: SigV4 in
 * AWS, a local service token locally, shaped like the IAM authorizer context): the base stack, the
 * caller's IAM identity required, valibot validation of path and query (no query unless the route
 * declares one) and, for a route that declares a body, of its JSON object body (at most 64 KiB),
 * and the answer as JSON. The route's function gets the caller's ARN: it goes to the
 * operator's logs, never to a tenant's audit trail (it names the platform's AWS account).
 */
import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import middy from '@middy/core';
import * as v from 'valibot';
import { Unauthorized, ValidationFailed } from '#shared/errors/domain-errors.ts';
import { jsonResponse, type JsonResponse } from '#shared/http/error-envelope.ts';
import { baseHttpStack, bodyLimit, rawBody } from '#shared/http/middleware.ts';
import { noQuery, validateParts, type AnySchema } from '#shared/http/validation.ts';

export type InternalEvent = APIGatewayProxyEventV2WithIAMAuthorizer;

export interface InternalRouteSpec<P extends AnySchema, Q extends AnySchema, B extends AnySchema | undefined = undefined> {
  params: P;
  query?: Q;
  /** A JSON object body; without it the route ignores any body. */
  body?: B;
}

export const INTERNAL_BODY_LIMIT_BYTES = 64 * 1024;

export interface InternalInput<P, Q, B = undefined> {
  /** The SigV4 caller's ARN, as the gateway's IAM authorizer passed it. */
  callerArn: string;
  params: P;
  query: Q;
  body: B;
  event: InternalEvent;
}

export interface InternalResult {
  status: number;
  body: unknown;
}

type Out<S> = S extends AnySchema ? v.InferOutput<S> : undefined;

/** The JSON object body, or a 400 `validation_failed` naming the body. */
function jsonObjectBody(event: InternalEvent): unknown {
  const text = rawBody(event);
  if (text === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ValidationFailed([{ field: 'body', message: 'is not valid JSON' }]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ValidationFailed([{ field: 'body', message: 'must be a JSON object' }]);
  return parsed;
}

export function internalRoute<P extends AnySchema, Q extends AnySchema = typeof noQuery, B extends AnySchema | undefined = undefined>(
  spec: InternalRouteSpec<P, Q, B>,
  run: (input: InternalInput<v.InferOutput<P>, v.InferOutput<Q>, Out<B>>) => Promise<InternalResult>,
) {
  const query: AnySchema = spec.query ?? noQuery;
  return middy<InternalEvent, JsonResponse>()
    .use(baseHttpStack())
    .use(bodyLimit(INTERNAL_BODY_LIMIT_BYTES))
    .handler(async (event) => {
      const callerArn = event.requestContext?.authorizer?.iam?.userArn;
      // The gateway authorizes every call; a call without an IAM identity never came through it.
      if (typeof callerArn !== 'string' || callerArn === '') throw new Unauthorized('The internal route takes IAM-signed calls only.');
      const input = validateParts(
        { params: spec.params, query, body: spec.body },
        { params: event.pathParameters ?? {}, query: event.queryStringParameters ?? {}, body: spec.body ? jsonObjectBody(event) : undefined },
      );
      const result = await run({
        callerArn,
        event,
        params: input.params as v.InferOutput<P>,
        query: input.query as v.InferOutput<Q>,
        body: input.body as Out<B>,
      });
      return jsonResponse(result.status, result.body);
    });
}
