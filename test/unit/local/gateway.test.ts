import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HubFunction, Route } from '#infra/catalogue.ts';
import { startGateway, type LocalGateway } from '#infra/local/gateway.ts';
import { mintConsoleToken, mintServiceToken } from '#infra/local/tokens.ts';

const secret = new TextEncoder().encode('a-local-test-key-that-is-long-enough-0123');
const fn = (name: string, routes: Route[]): HubFunction => ({ name, description: name, table: 'read', readsWeChatSecret: false, callsWeChat: false, routes });
const functions = [
  fn('echo', [
    { method: 'POST', path: '/v1/echo/{id}', auth: 'wechat' },
    { method: 'GET', path: '/v1/echo/{id}', auth: 'jwt' },
  ]),
  fn('internal', [{ method: 'GET', path: '/v1/internal/thing', auth: 'iam' }]),
  fn('crash', [{ method: 'GET', path: '/v1/crash', auth: 'wechat' }]),
];

describe('local gateway over HTTP', () => {
  let gateway: LocalGateway;
  const events: APIGatewayProxyEventV2[] = [];
  const logs: string[] = [];

  beforeAll(async () => {
    gateway = await startGateway({
      port: 0,
      routes: functions.flatMap((f) => (f.routes ?? []).map((route) => ({ fn: f, route }))),
      jwtSecret: secret,
      log: (line) => logs.push(line),
      invoke: async (name, event) => {
        events.push(event as APIGatewayProxyEventV2);
        if (name === 'crash') throw new Error('boom at secret-internals.ts:12');
        return { statusCode: 200, headers: { 'content-type': 'text/plain' }, body: 'handled', cookies: ['s=1; HttpOnly'] };
      },
    });
  });
  afterAll(() => gateway.stop());
  beforeEach(() => {
    events.length = 0;
    logs.length = 0;
  });

  it('hands a binary body to the function base64-encoded', async () => {
    // Prepare
    const bytes = Buffer.from([0, 1, 2, 250, 255]);

    // Act
    const response = await fetch(`${gateway.baseUrl}/v1/echo/a%20b`, { method: 'POST', body: bytes, headers: { 'content-type': 'application/octet-stream' } });

    // Assess
    expect(response.status).toBe(200);
    expect(events[0]).toMatchObject({ body: bytes.toString('base64'), isBase64Encoded: true, pathParameters: { id: 'a b' }, routeKey: 'POST /v1/echo/{id}' });
  });

  it('returns the function’s status, headers, body and cookies', async () => {
    // Act
    const response = await fetch(`${gateway.baseUrl}/v1/echo/x`, { method: 'POST', body: 'hi', headers: { 'content-type': 'text/plain' } });

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(response.headers.get('set-cookie')).toBe('s=1; HttpOnly');
    expect(await response.text()).toBe('handled');
  });

  it('passes verified claims, flattened, to a console route', async () => {
    // Prepare
    const token = await mintConsoleToken(secret, { tenant: 'acme', admin: true, departments: ['d1', 'd2'] });

    // Act
    await fetch(`${gateway.baseUrl}/v1/echo/x`, { headers: { authorization: `Bearer ${token}` } });

    // Assess
    const authorizer = (events[0]?.requestContext as unknown as { authorizer: { jwt: { claims: Record<string, string> } } }).authorizer;
    expect(authorizer.jwt.claims).toMatchObject({ tenant_id: 'acme', roles: '[admin]', departments: '[d1 d2]', exp: expect.stringMatching(/^\d+$/) });
  });

  it('refuses a console route without a token with 401 and never calls the function', async () => {
    // Act
    const response = await fetch(`${gateway.baseUrl}/v1/echo/x`);

    // Assess
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    expect(events).toHaveLength(0);
  });

  it('refuses an internal route without a service token with 403', async () => {
    // Prepare
    const consoleToken = await mintConsoleToken(secret, { tenant: 'acme', admin: true });

    // Act
    const response = await fetch(`${gateway.baseUrl}/v1/internal/thing`, { headers: { authorization: `Bearer ${consoleToken}` } });

    // Assess
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: 'forbidden' } });
  });

  it('gives an internal route the IAM authorizer context of the service', async () => {
    // Prepare
    const token = await mintServiceToken(secret, { service: 'template-sender' });

    // Act
    const response = await fetch(`${gateway.baseUrl}/v1/internal/thing`, { headers: { authorization: `Bearer ${token}` } });

    // Assess
    expect(response.status).toBe(200);
    expect(events[0]?.requestContext).toMatchObject({ authorizer: { iam: { userArn: 'arn:aws:iam::000000000000:user/service/template-sender' } } });
  });

  it('answers a crashing function with a 500 envelope and logs the error', async () => {
    // Act
    const response = await fetch(`${gateway.baseUrl}/v1/crash`);

    // Assess
    const text = await response.text();
    expect(response.status).toBe(500);
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'internal_error' } });
    expect(text).not.toContain('secret-internals');
    expect(logs.join('\n')).toContain('boom at secret-internals.ts:12');
  });

  it('refuses a body over 10 MB with 413 before calling the function', async () => {
    // Prepare
    const body = Buffer.alloc(10 * 1024 * 1024 + 1, 97);

    // Act
    const response = await fetch(`${gateway.baseUrl}/v1/echo/x`, { method: 'POST', body, headers: { 'content-type': 'text/plain' } });

    // Assess
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: 'payload_too_large' } });
    expect(events).toHaveLength(0);
  });

  it('answers /healthz', async () => {
    // Act
    const response = await fetch(`${gateway.baseUrl}/healthz`);

    // Assess
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });

  it('redirects / to the console page', async () => {
    // Act
    const response = await fetch(`${gateway.baseUrl}/`, { redirect: 'manual' });

    // Assess
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/console');
  });

  it('shows the binding error code on the console page', async () => {
    // Act
    const response = await fetch(`${gateway.baseUrl}/console?bind=error&code=not_verified`);

    // Assess
    expect(await response.text()).toContain('<code id="bind-code">not_verified</code>');
  });

  it('does not echo markup from the query into the console page', async () => {
    // Act
    const response = await fetch(`${gateway.baseUrl}/console?bind=error&code=%3Cscript%3Ealert(1)%3C%2Fscript%3E`);

    // Assess
    const page = await response.text();
    expect(page).not.toContain('<script>');
    expect(page).not.toContain('id="bind-result"');
  });

  it('holds requests until opened when started closed', async () => {
    // Prepare
    const closed = await startGateway({ port: 0, routes: [], jwtSecret: secret, invoke: async () => null, startClosed: true });
    let answered = false;
    const pending = fetch(`${closed.baseUrl}/healthz`).then((r) => {
      answered = true;
      return r.status;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const answeredBeforeOpen = answered;

    // Act
    closed.open();
    const status = await pending;
    await closed.stop();

    // Assess
    expect(answeredBeforeOpen).toBe(false);
    expect(status).toBe(200);
  });
});
