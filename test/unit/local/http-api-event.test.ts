import { describe, expect, it } from 'vitest';
import type { Route } from '#infra/catalogue.ts';
import {
  buildHttpApiEvent,
  compileRoute,
  InvalidFunctionResponse,
  matchRoute,
  requestTime,
  toGatewayResponse,
  type IncomingRequest,
} from '#infra/local/http-api-event.ts';

const request = (overrides: Partial<IncomingRequest> = {}): IncomingRequest => ({
  method: 'GET',
  url: '/v1/accounts/wx1234567890abcdef',
  rawHeaders: ['Host', '127.0.0.1:3000', 'User-Agent', 'curl/8.0'],
  body: Buffer.alloc(0),
  sourceIp: '127.0.0.1',
  protocol: 'HTTP/1.1',
  localPort: 3000,
  ...overrides,
});

const routes = (
  [
    { method: 'GET', path: '/v1/accounts', auth: 'jwt' },
    { method: 'GET', path: '/v1/accounts/{appid}', auth: 'jwt' },
    { method: 'DELETE', path: '/v1/accounts/{appid}/shares/{tenantId}', auth: 'jwt' },
    { method: 'GET', path: '/v1/accounts/special', auth: 'jwt' },
    { method: 'GET', path: '/files/{path+}', auth: 'wechat' },
  ] satisfies Route[]
).map((route) => compileRoute(route, route.path));

describe('route matching', () => {
  it('gives the route key in API Gateway syntax', () => {
    // Act
    const match = matchRoute(routes, 'GET', '/v1/accounts/wx1234567890abcdef');

    // Assess
    expect(match).toMatchObject({ kind: 'route', compiled: { routeKey: 'GET /v1/accounts/{appid}' } });
  });

  it('URL-decodes path parameters', () => {
    // Act
    const match = matchRoute(routes, 'DELETE', '/v1/accounts/wx1/shares/t%C3%A9nant%2F1');

    // Assess
    expect(match).toMatchObject({ kind: 'route', pathParameters: { appid: 'wx1', tenantId: 'ténant/1' } });
  });

  it('prefers a literal segment over a parameter', () => {
    // Act
    const match = matchRoute(routes, 'GET', '/v1/accounts/special');

    // Assess
    expect(match).toMatchObject({ kind: 'route', compiled: { routeKey: 'GET /v1/accounts/special' } });
  });

  it('lets a greedy parameter take the rest of the path', () => {
    // Act
    const match = matchRoute(routes, 'GET', '/files/a/b/c.txt');

    // Assess
    expect(match).toMatchObject({ kind: 'route', pathParameters: { path: 'a/b/c.txt' } });
  });

  it('answers not found for a known path with another method', () => {
    // Act
    const match = matchRoute(routes, 'POST', '/v1/accounts');

    // Assess
    expect(match).toEqual({ kind: 'not_found' });
  });

  it('does not match a trailing slash or an empty parameter', () => {
    // Act
    const matches = [matchRoute(routes, 'GET', '/v1/accounts/'), matchRoute(routes, 'GET', '/v1/accounts/wx1/')];

    // Assess
    expect(matches).toEqual([{ kind: 'not_found' }, { kind: 'not_found' }]);
  });

  it('reports a path with broken percent-encoding', () => {
    // Act
    const match = matchRoute(routes, 'GET', '/v1/accounts/%E0%A4%A');

    // Assess
    expect(match).toEqual({ kind: 'bad_path' });
  });
});

describe('the payload 2.0 event', () => {
  it('carries version, route key, raw path and query, and the request context', () => {
    // Prepare
    const now = new Date('2024-03-12T19:03:58.390Z');

    // Act
    const event = buildHttpApiEvent(request({ url: '/v1/accounts/wx1?limit=5' }), {
      routeKey: 'GET /v1/accounts/{appid}',
      pathParameters: { appid: 'wx1' },
      now,
      requestId: 'JKJaXmPLvHcESHA=',
    });

    // Assess
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /v1/accounts/{appid}',
      rawPath: '/v1/accounts/wx1',
      rawQueryString: 'limit=5',
      pathParameters: { appid: 'wx1' },
      isBase64Encoded: false,
      requestContext: {
        accountId: expect.stringMatching(/^\d{12}$/),
        apiId: expect.any(String),
        domainName: '127.0.0.1',
        domainPrefix: '127',
        http: { method: 'GET', path: '/v1/accounts/wx1', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'curl/8.0' },
        requestId: 'JKJaXmPLvHcESHA=',
        routeKey: 'GET /v1/accounts/{appid}',
        stage: '$default',
        time: '12/Mar/2024:19:03:58 +0000',
        timeEpoch: now.getTime(),
      },
    });
  });

  it('leaves out query parameters, path parameters, cookies and body when there are none', () => {
    // Act
    const event = buildHttpApiEvent(request({ url: '/v1/accounts' }), { routeKey: 'GET /v1/accounts' });

    // Assess
    expect(event).not.toHaveProperty('queryStringParameters');
    expect(event).not.toHaveProperty('pathParameters');
    expect(event).not.toHaveProperty('cookies');
    expect(event).not.toHaveProperty('body');
  });

  it('joins duplicate query keys with commas and decodes the values', () => {
    // Act
    const event = buildHttpApiEvent(request({ url: '/v1/accounts?tag=a&tag=b%20c&empty&x=1' }), { routeKey: 'GET /v1/accounts' });

    // Assess
    expect(event.rawQueryString).toBe('tag=a&tag=b%20c&empty&x=1');
    expect(event.queryStringParameters).toEqual({ tag: 'a,b c', empty: '', x: '1' });
  });

  it('lowercases header names and joins duplicate headers with commas', () => {
    // Act
    const event = buildHttpApiEvent(request({ rawHeaders: ['X-Custom', 'one', 'x-custom', 'two', 'Accept', 'text/plain'] }), {
      routeKey: 'GET /v1/accounts',
    });

    // Assess
    expect(event.headers).toMatchObject({ 'x-custom': 'one,two', accept: 'text/plain' });
  });

  it('moves cookies out of the headers into their own list', () => {
    // Act
    const event = buildHttpApiEvent(request({ rawHeaders: ['Cookie', 'a=1; b=2', 'Cookie', 'c=3'] }), { routeKey: 'GET /v1/accounts' });

    // Assess
    expect(event.cookies).toEqual(['a=1', 'b=2', 'c=3']);
    expect(event.headers).not.toHaveProperty('cookie');
  });

  it.each([
    ['application/json', '{"a":1}'],
    ['application/json; charset=utf-8', '{"a":1}'],
    ['text/xml', '<xml/>'],
    ['application/xml', '<xml/>'],
    ['text/plain', 'hello'],
    ['application/x-www-form-urlencoded', 'a=1&b=2'],
  ])('passes a %s body as UTF-8 text', (contentType, text) => {
    // Act
    const event = buildHttpApiEvent(request({ method: 'POST', rawHeaders: ['Content-Type', contentType], body: Buffer.from(text) }), {
      routeKey: 'POST /x',
    });

    // Assess
    expect(event).toMatchObject({ body: text, isBase64Encoded: false });
  });

  it.each([['application/octet-stream'], ['image/png'], ['multipart/form-data; boundary=x'], [undefined]])('base64-encodes a %s body', (contentType) => {
    // Prepare
    const bytes = Buffer.from([0, 255, 16, 32]);

    // Act
    const event = buildHttpApiEvent(request({ method: 'POST', rawHeaders: contentType ? ['Content-Type', contentType] : [], body: bytes }), {
      routeKey: 'POST /x',
    });

    // Assess
    expect(event).toMatchObject({ body: bytes.toString('base64'), isBase64Encoded: true });
  });

  it('passes the authorizer context through', () => {
    // Prepare
    const authorizer = { jwt: { claims: { sub: 'u1' }, scopes: null } };

    // Act
    const event = buildHttpApiEvent(request(), { routeKey: 'GET /v1/accounts/{appid}', authorizer });

    // Assess
    expect((event.requestContext as unknown as { authorizer: unknown }).authorizer).toEqual(authorizer);
  });

  it('formats the request time the way API Gateway does', () => {
    // Act
    const time = requestTime(new Date('2020-01-05T04:03:02Z'));

    // Assess
    expect(time).toBe('05/Jan/2020:04:03:02 +0000');
  });
});

describe('the function’s answer as an HTTP response', () => {
  it('uses a structured answer as given', () => {
    // Act
    const response = toGatewayResponse({ statusCode: 201, headers: { 'Content-Type': 'text/plain', 'X-N': 3 }, body: 'made' });

    // Assess
    expect(response).toEqual({ statusCode: 201, headers: { 'content-type': 'text/plain', 'x-n': '3' }, cookies: [], body: Buffer.from('made') });
  });

  it('decodes a base64 body and keeps the cookies', () => {
    // Act
    const response = toGatewayResponse({ statusCode: 200, isBase64Encoded: true, body: Buffer.from([1, 2]).toString('base64'), cookies: ['a=1'] });

    // Assess
    expect(response.body).toEqual(Buffer.from([1, 2]));
    expect(response.cookies).toEqual(['a=1']);
  });

  it('defaults the content type of a structured answer to JSON', () => {
    // Act
    const response = toGatewayResponse({ statusCode: 204 });

    // Assess
    expect(response.headers['content-type']).toBe('application/json');
  });

  it('turns a bare value into a 200 JSON answer', () => {
    // Act
    const response = toGatewayResponse({ hello: 'world' });

    // Assess
    expect(response).toEqual({ statusCode: 200, headers: { 'content-type': 'application/json' }, cookies: [], body: Buffer.from('{"hello":"world"}') });
  });

  it('refuses a status code that is not an HTTP status', () => {
    // Act
    const shaping = () => toGatewayResponse({ statusCode: 'ok' });

    // Assess
    expect(shaping).toThrow(InvalidFunctionResponse);
  });
});
