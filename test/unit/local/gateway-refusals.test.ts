/**
 * The answers the local gateway gives itself, in both styles: the hub's envelope (API.md §1) by
 * default, and API Gateway's own `{"message":"…"}` with the style `aws`. Includes the requests
 * Node's parser refuses (oversized headers, an unknown method, not HTTP) and CONNECT, which Node
 * answers bare or not at all unless the gateway does. Issue 17, item 8.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubFunction, Route } from '#infra/catalogue.ts';
import { FunctionTimedOut } from '#infra/local/functions.ts';
import { MAX_REQUEST_BODY_BYTES, startGateway, type LocalGateway } from '#infra/local/gateway.ts';
import { gatewayStyleFrom, type GatewayStyle } from '#infra/local/http-api-event.ts';
import { mintServiceToken } from '#infra/local/tokens.ts';

const secret = new TextEncoder().encode('a-local-test-key-that-is-long-enough-0123');
const fn = (name: string, routes: Route[]): HubFunction => ({ name, description: name, table: 'read', readsWeChatSecret: false, callsWeChat: false, routes });
const functions = [
  fn('console', [{ method: 'GET', path: '/v1/console-thing', auth: 'jwt' }]),
  fn('internal', [{ method: 'GET', path: '/v1/internal/thing', auth: 'iam' }]),
  fn('open', [{ method: 'POST', path: '/v1/open/{id}', auth: 'wechat' }]),
  fn('crash', [{ method: 'GET', path: '/v1/crash', auth: 'wechat' }]),
  fn('slow', [{ method: 'GET', path: '/v1/slow', auth: 'wechat' }]),
];

/** Sends bytes as they are (fetch would refuse to) and reads the whole answer. */
function rawExchange(port: number, request: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    });
    socket.end(request);
  });
}

interface Case {
  name: string;
  send: (gateway: LocalGateway) => Promise<{ status: number; body: string; headers: Record<string, string> }>;
  hub: { status: number; code: string };
  aws: { status: number; message: string };
}

const viaFetch = async (response: Response) => ({ status: response.status, body: await response.text(), headers: Object.fromEntries(response.headers) });

const cases: Case[] = [
  {
    name: 'a path no route matches',
    send: async (gateway) => viaFetch(await fetch(`${gateway.baseUrl}/v1/nothing-here`)),
    hub: { status: 404, code: 'not_found' },
    aws: { status: 404, message: 'Not Found' },
  },
  {
    name: 'a method the path has no route for',
    send: async (gateway) => viaFetch(await fetch(`${gateway.baseUrl}/v1/crash`, { method: 'DELETE' })),
    hub: { status: 404, code: 'not_found' },
    aws: { status: 404, message: 'Not Found' },
  },
  {
    name: 'a console route without a token',
    send: async (gateway) => viaFetch(await fetch(`${gateway.baseUrl}/v1/console-thing`)),
    hub: { status: 401, code: 'unauthorized' },
    aws: { status: 401, message: 'Unauthorized' },
  },
  {
    name: 'a console route with a token that is not one',
    send: async (gateway) => viaFetch(await fetch(`${gateway.baseUrl}/v1/console-thing`, { headers: { authorization: 'Bearer not.a.token' } })),
    hub: { status: 401, code: 'unauthorized' },
    aws: { status: 401, message: 'Unauthorized' },
  },
  {
    name: 'an internal route without a service token',
    send: async (gateway) => viaFetch(await fetch(`${gateway.baseUrl}/v1/internal/thing`)),
    hub: { status: 403, code: 'forbidden' },
    aws: { status: 403, message: 'Forbidden' },
  },
  {
    name: 'a path that is not valid URL encoding',
    send: (gateway) => rawExchange(gateway.port, 'GET /v1/open/%E0%A4%A HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'),
    hub: { status: 400, code: 'validation_failed' },
    aws: { status: 400, message: 'Bad Request' },
  },
  {
    name: 'a body over 10 MB',
    send: (gateway) =>
      rawExchange(
        gateway.port,
        `POST /v1/open/x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: ${MAX_REQUEST_BODY_BYTES + 1}\r\n\r\nabc`,
      ),
    hub: { status: 413, code: 'validation_failed' },
    aws: { status: 413, message: 'Request Entity Too Large' },
  },
  {
    name: 'headers over Node’s limit',
    send: (gateway) => rawExchange(gateway.port, `GET /v1/crash HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
    hub: { status: 431, code: 'validation_failed' },
    aws: { status: 431, message: 'Request Header Fields Too Large' },
  },
  {
    name: 'a method Node cannot parse',
    send: (gateway) => rawExchange(gateway.port, 'BREW /v1/crash HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'),
    hub: { status: 400, code: 'validation_failed' },
    aws: { status: 400, message: 'Bad Request' },
  },
  {
    name: 'a request that is not HTTP',
    send: (gateway) => rawExchange(gateway.port, 'hello there\r\n\r\n'),
    hub: { status: 400, code: 'validation_failed' },
    aws: { status: 400, message: 'Bad Request' },
  },
  {
    name: 'an invalid Content-Length',
    send: (gateway) => rawExchange(gateway.port, 'POST /v1/open/x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ten\r\n\r\n'),
    hub: { status: 400, code: 'validation_failed' },
    aws: { status: 400, message: 'Bad Request' },
  },
  {
    name: 'CONNECT',
    send: (gateway) => rawExchange(gateway.port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'),
    hub: { status: 404, code: 'not_found' },
    aws: { status: 404, message: 'Not Found' },
  },
  {
    name: 'a function that fails',
    send: async (gateway) => viaFetch(await fetch(`${gateway.baseUrl}/v1/crash`)),
    hub: { status: 500, code: 'internal_error' },
    aws: { status: 500, message: 'Internal Server Error' },
  },
  {
    name: 'a function that times out',
    send: async (gateway) => viaFetch(await fetch(`${gateway.baseUrl}/v1/slow`)),
    hub: { status: 500, code: 'internal_error' },
    aws: { status: 503, message: 'Service Unavailable' },
  },
];

describe.each(['hub', 'aws'] as const)('the local gateway’s own refusals in the %s style', (style: GatewayStyle) => {
  let gateway: LocalGateway;

  beforeAll(async () => {
    gateway = await startGateway({
      port: 0,
      routes: functions.flatMap((f) => (f.routes ?? []).map((route) => ({ fn: f, route }))),
      jwtSecret: secret,
      log: () => undefined,
      style,
      invoke: async (name) => {
        if (name === 'crash') throw new Error('boom at secret-internals.ts:12');
        if (name === 'slow') throw new FunctionTimedOut('slow timed out after 10 s');
        return { statusCode: 200, body: 'handled' };
      },
    });
  });
  afterAll(() => gateway.stop());

  it.each(cases)('answers $name in its own words, as JSON', async ({ send, hub, aws }) => {
    // Act
    const answer = await send(gateway);

    // Assess
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    if (style === 'hub') {
      expect([answer.status, JSON.parse(answer.body)]).toEqual([
        hub.status,
        { error: expect.objectContaining({ code: hub.code, message: expect.any(String) }) },
      ]);
    } else {
      expect([answer.status, JSON.parse(answer.body)]).toEqual([aws.status, { message: aws.message }]);
    }
  });

  it('never puts the failing function’s error text in the answer', async () => {
    // Act
    const answer = await fetch(`${gateway.baseUrl}/v1/crash`);

    // Assess
    expect(await answer.text()).not.toMatch(/boom|secret-internals/);
  });

  it('still challenges for a bearer token on 401', async () => {
    // Act
    const answer = await fetch(`${gateway.baseUrl}/v1/console-thing`);

    // Assess
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('passes a function’s own answers through unchanged', async () => {
    // Prepare
    const token = await mintServiceToken(secret, { service: 'templates' });

    // Act
    const answer = await fetch(`${gateway.baseUrl}/v1/internal/thing`, { headers: { authorization: `Bearer ${token}` } });

    // Assess
    expect([answer.status, await answer.text()]).toEqual([200, 'handled']);
  });
});

describe('the gateway style setting (LOCAL_GATEWAY_STYLE)', () => {
  it('is hub when unset or empty', () => {
    // Act
    const styles = [gatewayStyleFrom(undefined), gatewayStyleFrom('')];

    // Assess
    expect(styles).toEqual(['hub', 'hub']);
  });

  it('takes aws', () => {
    // Act
    const style = gatewayStyleFrom('aws');

    // Assess
    expect(style).toBe('aws');
  });

  it('refuses anything else, naming the variable', () => {
    // Act
    const read = () => gatewayStyleFrom('AWS ');

    // Assess
    expect(read).toThrow(/LOCAL_GATEWAY_STYLE must be one of hub, aws/);
  });
});
