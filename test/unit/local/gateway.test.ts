import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HubFunction, Route } from '#infra/catalogue.ts';
import { isFromThisMachine, startGateway, type LocalGateway } from '#infra/local/gateway.ts';
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
    expect(await response.json()).toMatchObject({
      error: {
        code: 'validation_failed',
        details: { fields: [{ field: 'body', message: expect.stringContaining('larger than') }], limitBytes: 10 * 1024 * 1024 },
      },
    });
    expect(events).toHaveLength(0);
  });

  /** POSTs a token request with the given extra headers (node:http, so that Host can be set). */
  const askForToken = (headers: Record<string, string> = {}) =>
    new Promise<{ status: number; json: { token?: string; error?: { code: string } } }>((resolve, reject) => {
      const body = JSON.stringify({ tenant: 'acme', admin: true });
      const outgoing = httpRequest(
        `${gateway.baseUrl}/console/token`,
        { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers } },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });

  it('mints a console token for a request sent on this machine', async () => {
    // Act
    const answer = await askForToken();

    // Assess
    expect(answer.status).toBe(201);
    expect(answer.json.token).toEqual(expect.any(String));
  });

  it('mints a console token for a request to localhost', async () => {
    // Act
    const answer = await askForToken({ host: `localhost:${gateway.port}` });

    // Assess
    expect(answer.status).toBe(201);
  });

  it.each([
    ['an X-Forwarded-For header', { 'x-forwarded-for': '203.0.113.7' }],
    ['a Forwarded header', { forwarded: 'for=203.0.113.7;proto=https' }],
    ['the Host of a tunnel', { host: 'oa-hub-dev.example-tunnel.io' }],
  ])('answers 404 and mints nothing for a token request relayed with %s', async (_label, headers) => {
    // Act
    const answer = await askForToken(headers);

    // Assess
    expect([answer.status, answer.json.error?.code, answer.json.token]).toEqual([404, 'not_found', undefined]);
  });

  it('does not count a request from another machine as sent on this one', () => {
    // Prepare
    const request = { socket: { remoteAddress: '192.0.2.10' }, headers: { host: '127.0.0.1:3000' } };

    // Act
    const local = isFromThisMachine(request);

    // Assess
    expect(local).toBe(false);
  });

  it('counts a direct loopback request to 127.0.0.1 as sent on this machine', () => {
    // Prepare
    const request = { socket: { remoteAddress: '::ffff:127.0.0.1' }, headers: { host: '127.0.0.1:3000' } };

    // Act
    const local = isFromThisMachine(request);

    // Assess
    expect(local).toBe(true);
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
