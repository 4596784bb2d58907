/**
 * The local API Gateway: a `node:http` server on loopback that serves every route of the catalogue
 * through the same handlers Lambda runs. Per request it does what an HTTP API does: refuse bodies
 * over 10 MB, match the route (404 otherwise), run the route's authorizer (JWT for console routes,
 * a local stand-in for IAM on internal routes), build the payload 2.0 event, invoke the function and
 * turn its answer into the response. The answers the gateway gives itself — no route, no valid
 * token, a body or headers too large, a request that is not valid HTTP (also a method Node cannot
 * parse, or `CONNECT`), a function that failed — use the hub's envelope (API.md §1) so that clients
 * see one shape locally; with the style `aws` (`LOCAL_GATEWAY_STYLE=aws`, `npm start --
 * --gateway-style aws`) they imitate API Gateway's own `{"message":"…"}` answers instead
 * (`http-api-event.ts`, `refusalResponse`), so that clients can be tested against both.
 *
 * Besides the API it serves `GET /healthz`, the console at `/console` (the page, its `/console/app.js`
 * and `/console/app.css`, and — local only, never in AWS — `POST /console/token`, which mints a
 * console token as `npm run token` does — a tenant's admin or member, or with `{ operator: true }` an
 * operator — for requests sent on this machine only), the OpenAPI
 * document at `GET /openapi.json` (infra/local/openapi.ts), a redirect from `/` to the console and
 * the local-only pages it is given (`pages`: the demo product page at `/demo/h5`, infra/local/demo/).
 */
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { HubFunction, Route } from '#infra/catalogue.ts';
import { bearerToken, iamAuthorizerContext, jwtAuthorizerContext, refusalMessages, verifyConsoleToken, verifyServiceToken } from '#infra/local/authorizers.ts';
import { consoleAsset, consolePage, type ConsolePageInfo } from '#infra/local/console-page.ts';
import { FunctionTimedOut, loadHandler, type Invoke } from '#infra/local/functions.ts';
import { openApiDocument } from '#infra/local/openapi.ts';
import { identifierPattern, mintConsoleToken, mintOperatorToken } from '#infra/local/tokens.ts';
import { parseConfig } from '#shared/config/config.ts';
import type { RouteContract } from '#shared/http/console-route.ts';
import {
  buildHttpApiEvent,
  compileRoute,
  gatewayStyleFrom,
  matchRoute,
  newRequestId,
  rawHttpResponse,
  refusalResponse,
  toGatewayResponse,
  type CompiledRoute,
  type GatewayResponse,
  type GatewayStyle,
  type Refusal,
} from '#infra/local/http-api-event.ts';

/** API Gateway's payload limit for HTTP APIs. */
export const MAX_REQUEST_BODY_BYTES = 10 * 1024 * 1024;

export interface GatewayOptions {
  /** 0 = a free port. */
  port: number;
  routes: readonly { fn: HubFunction; route: Route }[];
  invoke: Invoke;
  jwtSecret: Uint8Array;
  log?: (line: string) => void;
  /** Read per request: the simulator's URL is known only after the gateway listens. */
  consoleInfo?: () => Partial<ConsolePageInfo>;
  /** Hold requests until `open()` is called (the stack finishes the environment first). */
  startClosed?: boolean;
  /** The contract a console function's handler carries, for /openapi.json. Default: its handler's `contract`. */
  contractOf?: (functionName: string) => Promise<RouteContract | undefined>;
  /** How the gateway's own refusals are worded (see the file header). Default: `LOCAL_GATEWAY_STYLE`, else `hub`. */
  style?: GatewayStyle;
  /** Local-only pages asked before the routes (the demo product page, `infra/local/demo/`); undefined = not theirs. */
  pages?: (request: LocalPageRequest) => Promise<GatewayResponse | undefined>;
}

export interface LocalPageRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  fromThisMachine: boolean;
}

export interface LocalGateway {
  readonly port: number;
  readonly baseUrl: string;
  open(): void;
  stop(): Promise<void>;
}

type Target = { fn: HubFunction; route: Route };

const envelope = (status: number, code: string, message: string, headers: Record<string, string> = {}, details?: Record<string, unknown>): GatewayResponse => ({
  statusCode: status,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  cookies: [],
  body: Buffer.from(JSON.stringify({ error: { code, message, ...(details ? { details } : {}) } })),
});

class BodyTooLarge extends Error {}

const noRoute: Refusal = { status: 404, code: 'not_found', message: 'No route matches this method and path.' };
const bodyTooLarge: Refusal = {
  status: 413,
  code: 'validation_failed',
  message: `The request body is larger than ${MAX_REQUEST_BODY_BYTES} bytes.`,
  headers: { connection: 'close' },
  details: { fields: [{ field: 'body', message: `is larger than ${MAX_REQUEST_BODY_BYTES} bytes` }], limitBytes: MAX_REQUEST_BODY_BYTES },
};
const internalError: Refusal = { status: 500, code: 'internal_error', message: 'Something went wrong on our side. It has been logged.' };

/** What Node's parser could not take as an HTTP request (`clientError`): the answer, or none when the client is gone. */
function parseRefusal(error: NodeJS.ErrnoException): Refusal | undefined {
  switch (error.code) {
    case 'ECONNRESET':
    case 'EPIPE':
      return undefined;
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        code: 'validation_failed',
        message: 'The request headers are too large.',
        details: { fields: [{ field: 'headers', message: 'are too large' }] },
      };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, code: 'validation_failed', message: 'The request did not arrive in time.' };
    case 'HPE_INVALID_METHOD':
      return {
        status: 400,
        code: 'validation_failed',
        message: 'The request method is not one this gateway knows.',
        details: { fields: [{ field: 'method', message: 'is not a known HTTP method' }] },
      };
    default:
      return { status: 400, code: 'validation_failed', message: 'The request is not valid HTTP/1.1.' };
  }
}

function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    request.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > limit) {
        refused = true;
        chunks.length = 0;
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (!refused) resolve(Buffer.concat(chunks));
    });
    request.on('error', reject);
  });
}

export async function startGateway(options: GatewayOptions): Promise<LocalGateway> {
  const log = options.log ?? (() => {});
  const style = options.style ?? gatewayStyleFrom(process.env.LOCAL_GATEWAY_STYLE);
  const refuse = (refusal: Refusal): GatewayResponse => refusalResponse(style, refusal);
  const routes: CompiledRoute<Target>[] = options.routes.map((entry) => compileRoute(entry.route, entry));
  let release!: () => void;
  const opened = new Promise<void>((resolve) => (release = resolve));
  if (!options.startClosed) release();
  let baseUrl = '';

  async function answer(request: IncomingMessage): Promise<GatewayResponse> {
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > MAX_REQUEST_BODY_BYTES) throw new BodyTooLarge();
    const body = await readBody(request, MAX_REQUEST_BODY_BYTES);
    await opened;

    const method = (request.method ?? 'GET').toUpperCase();
    const url = request.url ?? '/';
    const rawPath = url.split('?')[0]!;

    if (method === 'GET' && rawPath === '/healthz') return envelopeFree(200, { ok: true });
    if (method === 'GET' && rawPath === '/') return { statusCode: 302, headers: { location: '/console' }, cookies: [], body: Buffer.alloc(0) };
    if (method === 'GET' && (rawPath === '/console' || rawPath === '/console/')) {
      const page = consolePage(new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : ''), {
        baseUrl,
        ...options.consoleInfo?.(),
      });
      return { statusCode: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, cookies: [], body: Buffer.from(page) };
    }
    if (method === 'GET' && rawPath.startsWith('/console/')) {
      const asset = await consoleAsset(rawPath.slice('/console/'.length));
      if (!asset) return refuse({ ...noRoute, message: 'The console has no such file.' });
      return { statusCode: 200, headers: { 'content-type': asset.contentType, 'cache-control': 'no-cache' }, cookies: [], body: asset.body };
    }
    if (method === 'POST' && rawPath === '/console/token') {
      // A tunnel (to receive WeChat's pushes) exposes the gateway: only this machine may mint tokens.
      if (!isFromThisMachine(request)) return refuse(noRoute);
      return mintForConsole(request, body, options.jwtSecret);
    }
    if (method === 'GET' && rawPath === '/openapi.json') {
      const contractOf = options.contractOf ?? handlerContract;
      const contracts = new Map<string, RouteContract | undefined>();
      for (const { fn, route } of options.routes) if (route.auth === 'jwt' && !contracts.has(fn.name)) contracts.set(fn.name, await contractOf(fn.name));
      const document = openApiDocument({ routes: options.routes, contractOf: (name) => contracts.get(name), serverUrl: baseUrl });
      return envelopeFree(200, document);
    }

    if (options.pages) {
      const page = await options.pages({ method, url, headers: request.headers, body, fromThisMachine: isFromThisMachine(request) });
      if (page) return page;
    }

    const match = matchRoute(routes, method, rawPath);
    if (match.kind === 'bad_path') {
      return refuse({
        status: 400,
        code: 'validation_failed',
        message: 'The request path is not valid URL encoding.',
        details: { fields: [{ field: 'path', message: 'is not valid URL encoding' }] },
      });
    }
    if (match.kind === 'not_found') return refuse(noRoute);
    const { fn, route } = match.compiled.target;

    let authorizer: unknown;
    const token = bearerToken(headerValue(request, 'authorization'));
    if (route.auth === 'jwt') {
      const verified = await verifyConsoleToken(token, options.jwtSecret);
      if (!verified.ok) {
        const challenge = verified.reason === 'missing' ? 'Bearer' : 'Bearer error="invalid_token"';
        return refuse({ status: 401, code: 'unauthorized', message: refusalMessages[verified.reason], headers: { 'www-authenticate': challenge } });
      }
      authorizer = jwtAuthorizerContext(verified.payload);
    } else if (route.auth === 'iam') {
      const verified = await verifyServiceToken(token, options.jwtSecret);
      // API Gateway answers 403 to a request without a valid SigV4 signature on an IAM route.
      if (!verified.ok || !verified.service) {
        return refuse({ status: 403, code: 'forbidden', message: 'This internal route needs a service token (npm run token -- --service <name>).' });
      }
      authorizer = iamAuthorizerContext(verified.service);
    }

    const socket = request.socket;
    const event = buildHttpApiEvent(
      {
        method,
        url,
        rawHeaders: request.rawHeaders,
        body,
        sourceIp: (socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
        protocol: `HTTP/${request.httpVersion}`,
        localPort: socket.localPort ?? 0,
      },
      {
        routeKey: match.compiled.routeKey,
        pathParameters: match.pathParameters,
        ...(authorizer === undefined ? {} : { authorizer }),
        requestId: newRequestId(),
      },
    );

    try {
      return toGatewayResponse(await options.invoke(fn.name, event));
    } catch (error) {
      // The local log gets the whole error; the response never carries a stack.
      const detail = error instanceof FunctionTimedOut ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
      log(`function ${fn.name} failed on ${match.compiled.routeKey}: ${detail}`);
      // API Gateway answers a function that timed out with 503, one that failed with 500.
      return refuse(error instanceof FunctionTimedOut ? { ...internalError, awsStatus: 503 } : internalError);
    }
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const started = Date.now();
    let result: GatewayResponse;
    try {
      result = await answer(request);
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        result = refuse(bodyTooLarge);
        // Let the client finish sending so that it reads the answer instead of a reset connection.
        request.resume();
      } else {
        log(`gateway error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        result = refuse(internalError);
      }
    }
    const headers: Record<string, string | string[]> = { ...result.headers, 'apigw-requestid': newRequestId() };
    if (result.cookies.length > 0) headers['set-cookie'] = result.cookies;
    response.writeHead(result.statusCode, { ...headers, 'content-length': String(result.body.length) });
    response.end(result.body);
    // Paths may carry user input: bounded, and never the query string (it can hold codes).
    const path = (request.url ?? '/').split('?')[0]!.slice(0, 200);
    log(`${request.method} ${path} ${result.statusCode} ${Date.now() - started}ms`);
  }

  /** An answer written straight to the socket, where Node has no response object to give. */
  function answerOnSocket(socket: Socket, refusal: Refusal, what: string): void {
    const response = refuse(refusal);
    if (socket.writable)
      socket.end(
        rawHttpResponse({ ...response, headers: { ...response.headers, 'apigw-requestid': newRequestId() } }, STATUS_CODES[response.statusCode] ?? 'Error'),
      );
    else socket.destroy();
    log(`${what} ${response.statusCode}`);
  }

  const server = createServer((request, response) => {
    void handle(request, response);
  });
  // Requests Node's parser refuses (headers over its limit, not HTTP, an unknown method) are answered
  // here; without this Node answers them itself, bare (a 431 or 400 with no body).
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    const refusal = parseRefusal(error);
    if (!refusal) return socket.destroy();
    answerOnSocket(socket, refusal, `(unparsed request: ${error.code ?? 'error'})`);
  });
  // `CONNECT` is never a route; without a listener Node would drop the connection without an answer.
  server.on('connect', (_request: IncomingMessage, socket: Socket) => answerOnSocket(socket, noRoute, 'CONNECT'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;

  let stopping: Promise<void> | undefined;
  return {
    port,
    baseUrl,
    open: () => release(),
    stop: () =>
      (stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}

function envelopeFree(status: number, payload: unknown): GatewayResponse {
  return { statusCode: status, headers: { 'content-type': 'application/json; charset=utf-8' }, cookies: [], body: Buffer.from(JSON.stringify(payload)) };
}

async function handlerContract(functionName: string): Promise<RouteContract | undefined> {
  const handler = (await loadHandler(functionName)) as { contract?: RouteContract };
  return handler.contract;
}

const LOOPBACK_ADDRESSES = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const LOCAL_HOST = /^(?:127\.0\.0\.1|localhost)(?::\d{1,5})?$/i;

/**
 * Whether a request was sent on this machine, straight to the gateway: from a loopback address, to
 * a loopback Host, and not relayed by a proxy or tunnel (which run on this machine too but add
 * `X-Forwarded-For`/`Forwarded`, and keep the public Host).
 */
export function isFromThisMachine(request: Pick<IncomingMessage, 'headers'> & { socket: { remoteAddress?: string | undefined } }): boolean {
  if (!LOOPBACK_ADDRESSES.has(request.socket.remoteAddress ?? '')) return false;
  if (request.headers['x-forwarded-for'] !== undefined || request.headers.forwarded !== undefined) return false;
  return LOCAL_HOST.test(request.headers.host ?? '');
}

/**
 * `POST /console/token` `{ tenant, admin?, departments? }`: the console's "sign in" on the local
 * stack. Only a JSON request is accepted, so a page on another origin cannot send one without a
 * CORS preflight, which the gateway never grants.
 */
async function mintForConsole(request: IncomingMessage, body: Buffer, secret: Uint8Array): Promise<GatewayResponse> {
  if (!/^application\/json\b/i.test(headerValue(request, 'content-type') ?? '')) {
    return envelope(415, 'validation_failed', 'Send the token request as application/json.');
  }
  let input: { tenant?: unknown; admin?: unknown; departments?: unknown; operator?: unknown };
  try {
    input = JSON.parse(body.toString('utf8')) as typeof input;
  } catch {
    return envelope(400, 'validation_failed', 'The body is not valid JSON.');
  }
  const claimNames = parseConfig({
    JWT_TENANT_CLAIM: process.env.JWT_TENANT_CLAIM,
    JWT_ROLES_CLAIM: process.env.JWT_ROLES_CLAIM,
    JWT_DEPARTMENTS_CLAIM: process.env.JWT_DEPARTMENTS_CLAIM,
  }).claims;
  // `{ operator: true }`: an operator's token (no tenant, no departments), as `npm run token -- --operator` mints.
  if (input?.operator === true) {
    const token = await mintOperatorToken(secret, { claimNames });
    return minted({ token, tenant: '', admin: false, operator: true, user: 'local-operator' });
  }
  const departments = input?.departments ?? [];
  if (
    typeof input?.tenant !== 'string' ||
    !identifierPattern.test(input.tenant) ||
    (input.admin !== undefined && typeof input.admin !== 'boolean') ||
    !Array.isArray(departments) ||
    departments.length > 50 ||
    !departments.every((department) => typeof department === 'string' && identifierPattern.test(department))
  ) {
    return envelope(400, 'validation_failed', 'The tenant and each department must be 1 to 128 of A-Z a-z 0-9 _ . : @ -; admin must be true or false.');
  }
  const admin = input.admin === true;
  const token = await mintConsoleToken(secret, { tenant: input.tenant, admin, departments: departments as string[], claimNames });
  return minted({ token, tenant: input.tenant, admin, user: admin ? 'local-admin' : 'local-user' });
}

const minted = (session: Record<string, unknown>): GatewayResponse => ({
  statusCode: 201,
  headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  cookies: [],
  body: Buffer.from(JSON.stringify(session)),
});

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
