/**
 * The callback's promise to the person whose browser WeChat redirects: always a 302 to the console,
 * whatever fails — here the table itself (mocked with aws-sdk-client-mock).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DeleteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { resetConfigForTests } from '#shared/config/config.ts';
import { consoleEvent, lambdaContext } from '#test/unit/support/events.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const env = { CONSOLE_URL: 'https://console.example.com/app', TABLE_NAME: 'oa-hub-unit' };
type Handler = (
  event: APIGatewayProxyEventV2,
  context: ReturnType<typeof lambdaContext>,
) => Promise<{ statusCode: number; headers: Record<string, string>; body: string }>;

describe('the authorization callback handler', () => {
  let handler: Handler;
  const previous: Record<string, string | undefined> = {};

  beforeAll(async () => {
    for (const [name, value] of Object.entries(env)) {
      previous[name] = process.env[name];
      process.env[name] = value;
    }
    resetConfigForTests();
    handler = (await import('#functions/authorize-callback/handler.ts')).handler as unknown as Handler;
  });

  afterAll(() => {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    resetConfigForTests();
    dynamo.restore();
  });

  const callback = (query: Record<string, string>) => consoleEvent({ path: '/v1/wechat/authorized', query, claims: null }) as unknown as APIGatewayProxyEventV2;

  it('redirects to the console with internal_error when the table cannot be reached', async () => {
    // Prepare
    dynamo.on(DeleteCommand).rejects(new Error('connect ECONNREFUSED'));

    // Act
    const response = await handler(callback({ state: 'AbCdEfGhIjKlMnOpQrStUv', auth_code: 'queryauthcode@@@x', expires_in: '3600' }), lambdaContext());

    // Assess
    expect([response.statusCode, response.headers.location]).toEqual([302, 'https://console.example.com/app?bind=error&code=internal_error']);
    expect(dynamo.commandCalls(DeleteCommand)).toHaveLength(1);
  });

  it('redirects to the console with validation_failed when the state is missing, without touching the table', async () => {
    // Prepare
    dynamo.reset();

    // Act
    const response = await handler(callback({ auth_code: 'queryauthcode@@@x' }), lambdaContext());

    // Assess
    expect([response.statusCode, response.headers.location]).toEqual([302, 'https://console.example.com/app?bind=error&code=validation_failed']);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('never echoes the auth code or the state into the redirect', async () => {
    // Prepare
    dynamo.on(DeleteCommand).resolves({});

    // Act
    const response = await handler(callback({ state: 'AbCdEfGhIjKlMnOpQrStUv', auth_code: 'queryauthcode@@@secret' }), lambdaContext());

    // Assess
    expect(response.headers.location).not.toMatch(/AbCdEfGhIjKlMnOpQrStUv|queryauthcode/);
  });
});
