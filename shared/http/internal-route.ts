/**
 * `internalRoute` builds the handler of a service-to-service route (catalogue auth `iam`: SigV4 in
 * AWS, a local service token locally, shaped like the IAM authorizer context): the base stack, the
 * caller's IAM identity required, valibot validation of path and query (no query unless the route
 * declares one), and the answer as JSON. The route's function gets the caller's ARN: it goes to the
 * operator's logs, never to a tenant's audit trail (it names the platform's AWS account).
 */
import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import middy from '@middy/core';
import * as v from 'valibot';
import { Unauthorized } from '#shared/errors/domain-errors.ts';
import { jsonResponse, type JsonResponse } from '#shared/http/error-envelope.ts';
import { baseHttpStack } from '#shared/http/middleware.ts';
import { noQuery, validateParts, type AnySchema } from '#shared/http/validation.ts';

export type InternalEvent = APIGatewayProxyEventV2WithIAMAuthorizer;

export interface InternalRouteSpec<P extends AnySchema, Q extends AnySchema> {
  params: P;
  query?: Q;
}

export interface InternalInput<P, Q> {
  /** The SigV4 caller's ARN, as the gateway's IAM authorizer passed it. */
  callerArn: string;
  params: P;
  query: Q;
  event: InternalEvent;
}

export interface InternalResult {
  status: number;
  body: unknown;
}

export function internalRoute<P extends AnySchema, Q extends AnySchema = typeof noQuery>(
  spec: InternalRouteSpec<P, Q>,
  run: (input: InternalInput<v.InferOutput<P>, v.InferOutput<Q>>) => Promise<InternalResult>,
) {
  const query: AnySchema = spec.query ?? noQuery;
  return middy<InternalEvent, JsonResponse>()
    .use(baseHttpStack())
    .handler(async (event) => {
      const callerArn = event.requestContext?.authorizer?.iam?.userArn;
      // The gateway authorizes every call; a call without an IAM identity never came through it.
      if (typeof callerArn !== 'string' || callerArn === '') throw new Unauthorized('The internal route takes IAM-signed calls only.');
      const input = validateParts({ params: spec.params, query }, { params: event.pathParameters ?? {}, query: event.queryStringParameters ?? {} });
      const result = await run({ callerArn, event, params: input.params as v.InferOutput<P>, query: input.query as v.InferOutput<Q> });
      return jsonResponse(result.status, result.body);
    });
}
