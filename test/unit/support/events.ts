/** Builders of Lambda events and contexts for unit tests of handlers and middleware. */
import type { Context } from 'aws-lambda';
import type { ConsoleEvent } from '#shared/http/console-route.ts';

export function lambdaContext(functionName = 'test-function'): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: 'req-1',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export interface ConsoleEventInput {
  method?: string;
  path?: string;
  claims?: Record<string, string | number | boolean | string[]> | null;
  body?: string;
  contentType?: string;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
}

export function consoleEvent(input: ConsoleEventInput = {}): ConsoleEvent {
  const method = input.method ?? 'GET';
  const path = input.path ?? '/v1/test';
  const headers: Record<string, string> = {};
  if (input.body !== undefined) headers['content-type'] = input.contentType ?? 'application/json';
  const claims = input.claims === undefined ? { sub: 'u-1', tenant_id: 't-1', roles: '[admin]' } : input.claims;
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: new URLSearchParams(input.query ?? {}).toString(),
    headers,
    ...(input.query ? { queryStringParameters: input.query } : {}),
    ...(input.pathParameters ? { pathParameters: input.pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: '127.0.0.1',
      domainPrefix: '127',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: 'req-1',
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: '21/Nov/2026:00:00:00 +0000',
      timeEpoch: 0,
      authorizer: { principalId: '', integrationLatency: 0, jwt: { claims: (claims ?? undefined) as never, scopes: [] } },
    },
    ...(input.body !== undefined ? { body: input.body } : {}),
    isBase64Encoded: false,
  } as ConsoleEvent;
}
