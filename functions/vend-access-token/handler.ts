/**
 * GET /v1/internal/accounts/{appid}/access-token — IAM-authorized (SigV4 in AWS; a local service
 * token locally, shaped like the IAM authorizer context): the account's current access token and its
 * expiry for the product's other services, audited by calling service in the owner's trail
 * (`shared/domain/tokens/token-vending.ts`).
 */
import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import middy from '@middy/core';
import * as v from 'valibot';
import { callingService, vendAccessToken } from '#shared/domain/tokens/token-vending.ts';
import { Unauthorized } from '#shared/errors/domain-errors.ts';
import { jsonResponse, type JsonResponse } from '#shared/http/error-envelope.ts';
import { baseHttpStack } from '#shared/http/middleware.ts';
import { appIdSchema, noQuery, validateParts } from '#shared/http/validation.ts';
import { logger } from '#shared/observability/powertools.ts';
import { vendingDeps } from '#shared/wiring/tokens.ts';

type InternalEvent = APIGatewayProxyEventV2WithIAMAuthorizer;

const deps = vendingDeps();

const params = v.strictObject({ appid: appIdSchema });

export const handler = middy<InternalEvent, JsonResponse>()
  .use(baseHttpStack() as unknown as middy.MiddlewareObj<InternalEvent, JsonResponse>[])
  .handler(async (event) => {
    const arn = event.requestContext?.authorizer?.iam?.userArn;
    // The gateway authorizes every call; a call without an IAM identity never came through it.
    if (typeof arn !== 'string' || arn === '') throw new Unauthorized('The internal route takes IAM-signed calls only.');
    const input = validateParts({ params, query: noQuery }, { params: event.pathParameters ?? {}, query: event.queryStringParameters ?? {} });
    const service = callingService(arn);
    // The ARN (with the platform's AWS account id) goes to the operator's logs, never to the tenant's audit trail.
    logger.appendKeys({ callerService: service.name, callerArn: service.arn });
    const token = await vendAccessToken(input.params.appid, service, deps);
    return jsonResponse(200, token);
  });
