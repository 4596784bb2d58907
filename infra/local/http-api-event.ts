/**
 * What API Gateway (HTTP API, Lambda proxy integration, payload format 2.0) does around a function,
 * as plain functions: match a request to a route, build the event the function receives, and turn
 * the function's answer into the HTTP response. The local gateway (`gateway.ts`) is the server
 * around these; keeping them pure lets the tests pin the event shape down exactly.
 */
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { HttpMethod, Route } from '#infra/catalogue.ts';

export const LOCAL_API_ID = 'oahublocal';

// ---------------------------------------------------------------------------------------------
// Routing

interface Segment {
  literal?: string;
  param?: string;
  greedy?: boolean;
}

export interface CompiledRoute<T> {
  route: Route;
  target: T;
  segments: Segment[];
  routeKey: string;
}

export function compileRoute<T>(route: Route, target: T): CompiledRoute<T> {
  const segments = route.path
    .split('/')
    .slice(1)
    .map((part): Segment => {
      const param = /^\{([A-Za-z0-9_]+)(\+?)\}$/.exec(part);
      if (!param) return { literal: part };
      return { param: param[1]!, greedy: param[2] === '+' };
    });
  return { route, target, segments, routeKey: `${route.method} ${route.path}` };
}

export type RouteMatch<T> =
  { kind: 'route'; compiled: CompiledRoute<T>; pathParameters: Record<string, string> } | { kind: 'not_found' } | { kind: 'bad_path' };

/**
 * API Gateway's rules: a route matches on method and path; literal segments beat `{param}`, which
 * beats a greedy `{param+}`; a path that matches no route for this method is a 404 (HTTP APIs do not
 * answer 405). Path parameters arrive URL-decoded.
 */
export function matchRoute<T>(routes: readonly CompiledRoute<T>[], method: string, rawPath: string): RouteMatch<T> {
  const parts = rawPath.split('/').slice(1);
  let decoded: string[];
  try {
    decoded = parts.map((part) => decodeURIComponent(part));
  } catch {
    return { kind: 'bad_path' };
  }
  let best: { compiled: CompiledRoute<T>; params: Record<string, string>; score: number[] } | undefined;
  for (const compiled of routes) {
    if (compiled.route.method !== method) continue;
    const params = matchSegments(compiled.segments, decoded);
    if (!params) continue;
    const score = compiled.segments.map((s) => (s.literal !== undefined ? 2 : s.greedy ? 0 : 1));
    if (!best || compare(score, best.score) > 0) best = { compiled, params, score };
  }
  return best ? { kind: 'route', compiled: best.compiled, pathParameters: best.params } : { kind: 'not_found' };
}

function matchSegments(segments: Segment[], parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i += 1) {
    const segment = segments[i]!;
    if (segment.greedy) {
      const rest = parts.slice(i);
      if (rest.length === 0 || rest.join('/') === '') return undefined;
      params[segment.param!] = rest.join('/');
      return params;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (segment.literal !== undefined) {
      if (segment.literal !== part) return undefined;
    } else {
      if (part === '') return undefined;
      params[segment.param!] = part;
    }
  }
  return parts.length === segments.length ? params : undefined;
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const diff = (a[i] ?? -1) - (b[i] ?? -1);
    if (diff !== 0) return diff;
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// The event

export interface IncomingRequest {
  method: string;
  /** The request target as sent: path and query, still encoded. */
  url: string;
  /** Node's `rawHeaders`: name, value, name, value… */
  rawHeaders: string[];
  body: Buffer;
  sourceIp: string;
  protocol: string;
  localPort: number;
}

export interface EventOptions {
  routeKey: string;
  pathParameters?: Record<string, string>;
  authorizer?: unknown;
  now?: Date;
  requestId?: string;
}

/** Content types API Gateway passes as text; everything else (and no content type) arrives base64. */
export function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return (
    type.startsWith('text/') ||
    type === 'application/json' ||
    type.endsWith('+json') ||
    type === 'application/xml' ||
    type.endsWith('+xml') ||
    type === 'application/x-www-form-urlencoded'
  );
}

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `12/Mar/2020:19:03:58 +0000`, the format of `requestContext.time`. */
export function requestTime(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(at.getUTCDate())}/${months[at.getUTCMonth()]}/${at.getUTCFullYear()}:${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())} +0000`;
}

/** API Gateway request ids look like `JKJaXmPLvHcESHA=`. */
export const newRequestId = (): string => randomBytes(10).toString('base64');

export function buildHttpApiEvent(request: IncomingRequest, options: EventOptions): APIGatewayProxyEventV2 {
  const now = options.now ?? new Date();
  const queryAt = request.url.indexOf('?');
  const rawPath = queryAt === -1 ? request.url : request.url.slice(0, queryAt);
  const rawQueryString = queryAt === -1 ? '' : request.url.slice(queryAt + 1);

  // Duplicate headers are joined with commas; cookies leave the headers for their own field.
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i]!.toLowerCase();
    const value = request.rawHeaders[i + 1]!;
    if (name === 'cookie') {
      cookies.push(
        ...value
          .split(';')
          .map((c) => c.trim())
          .filter(Boolean),
      );
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${request.sourceIp}` : request.sourceIp;
  headers['x-forwarded-port'] = String(request.localPort);
  headers['x-forwarded-proto'] = 'http';
  headers['x-amzn-trace-id'] ??= `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;

  const queryStringParameters: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(rawQueryString)) {
    queryStringParameters[key] = key in queryStringParameters ? `${queryStringParameters[key]},${value}` : value;
  }

  const host = (headers.host ?? `127.0.0.1:${request.localPort}`).replace(/:\d+$/, '');
  const requestId = options.requestId ?? newRequestId();
  const requestContext = {
    accountId: '000000000000',
    apiId: LOCAL_API_ID,
    ...(options.authorizer === undefined ? {} : { authorizer: options.authorizer }),
    domainName: host,
    domainPrefix: host.split('.')[0]!,
    http: {
      method: request.method,
      path: rawPath,
      protocol: request.protocol,
      sourceIp: request.sourceIp,
      userAgent: headers['user-agent'] ?? '',
    },
    requestId,
    routeKey: options.routeKey,
    stage: '$default',
    time: requestTime(now),
    timeEpoch: now.getTime(),
  };

  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: options.routeKey,
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(Object.keys(queryStringParameters).length > 0 ? { queryStringParameters } : {}),
    requestContext,
    ...(options.pathParameters && Object.keys(options.pathParameters).length > 0 ? { pathParameters: options.pathParameters } : {}),
    isBase64Encoded: false,
  };
  if (request.body.length > 0) {
    const asText = isTextContentType(headers['content-type']);
    event.body = asText ? request.body.toString('utf8') : request.body.toString('base64');
    event.isBase64Encoded = !asText;
  }
  return event;
}

// ---------------------------------------------------------------------------------------------
// The response

export interface GatewayResponse {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
}

export class InvalidFunctionResponse extends Error {
  override readonly name = 'InvalidFunctionResponse';
}

/**
 * Payload 2.0 responses: an object with `statusCode` is used as given (`headers`, `cookies` as
 * `Set-Cookie`, `body`, `isBase64Encoded`); anything else is taken as the JSON body of a 200.
 * A missing content type defaults to JSON, as API Gateway does.
 */
export function toGatewayResponse(result: unknown): GatewayResponse {
  if (result !== null && typeof result === 'object' && 'statusCode' in result) {
    const structured = result as { statusCode: unknown; headers?: unknown; cookies?: unknown; body?: unknown; isBase64Encoded?: unknown };
    const status = structured.statusCode;
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
      throw new InvalidFunctionResponse(`statusCode ${String(status)} is not an HTTP status`);
    }
    const headers: Record<string, string> = {};
    if (structured.headers !== undefined && structured.headers !== null) {
      if (typeof structured.headers !== 'object') throw new InvalidFunctionResponse('headers is not an object');
      for (const [name, value] of Object.entries(structured.headers as Record<string, unknown>)) {
        if (value !== undefined && value !== null) headers[name.toLowerCase()] = String(value);
      }
    }
    headers['content-type'] ??= 'application/json';
    const cookies = Array.isArray(structured.cookies) ? structured.cookies.map(String) : [];
    const bodyText = structured.body === undefined || structured.body === null ? '' : String(structured.body);
    const body = structured.isBase64Encoded === true ? Buffer.from(bodyText, 'base64') : Buffer.from(bodyText, 'utf8');
    return { statusCode: status, headers, cookies, body };
  }
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    cookies: [],
    body: Buffer.from(JSON.stringify(result ?? null), 'utf8'),
  };
}

export const httpMethods: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

// ---------------------------------------------------------------------------------------------
// The gateway's own refusals

/**
 * How the local gateway words the answers it gives itself, before or instead of a function: `hub`
 * (the default) in the hub's envelope `{ error: { code, message } }` with API.md §1 codes, so that a
 * client sees one shape locally; `aws` as API Gateway itself answers in AWS, `{"message":"…"}` with
 * its own wording (401 `Unauthorized` from the JWT authorizer, 403 `Forbidden` for IAM, 404
 * `Not Found`, 413 `Request Entity Too Large`, 500 `Internal Server Error`, 503 `Service
 * Unavailable` for a function that timed out, …), so that a client can be tested against both.
 */
export type GatewayStyle = 'hub' | 'aws';
export const gatewayStyles: readonly GatewayStyle[] = ['hub', 'aws'];

/** `LOCAL_GATEWAY_STYLE` (`npm start -- --gateway-style`): `hub` when unset; anything else is a mistake. */
export function gatewayStyleFrom(value: string | undefined): GatewayStyle {
  if (value === undefined || value === '') return 'hub';
  if ((gatewayStyles as readonly string[]).includes(value)) return value as GatewayStyle;
  throw new Error(`LOCAL_GATEWAY_STYLE must be one of ${gatewayStyles.join(', ')}, not ${JSON.stringify(value.slice(0, 40))}`);
}

/** A refusal the gateway answers itself. */
export interface Refusal {
  status: number;
  /** The API.md §1 code of the hub's envelope. */
  code: string;
  message: string;
  details?: Record<string, unknown>;
  headers?: Record<string, string>;
  /** Where API Gateway answers with another status than the hub's envelope (a function timeout: 503). */
  awsStatus?: number;
}

/** API Gateway's own bodies, by status: `{"message": …}`. */
const awsMessages: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  413: 'Request Entity Too Large',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function refusalResponse(style: GatewayStyle, refusal: Refusal): GatewayResponse {
  const headers = { 'content-type': 'application/json; charset=utf-8', ...refusal.headers };
  if (style === 'aws') {
    const status = refusal.awsStatus ?? refusal.status;
    return { statusCode: status, headers, cookies: [], body: Buffer.from(JSON.stringify({ message: awsMessages[status] ?? 'Error' })) };
  }
  const error = { code: refusal.code, message: refusal.message, ...(refusal.details ? { details: refusal.details } : {}) };
  return { statusCode: refusal.status, headers, cookies: [], body: Buffer.from(JSON.stringify({ error })) };
}

/** The whole HTTP/1.1 message of a response, for the answers written straight to a socket (the request could not be parsed). */
export function rawHttpResponse(response: GatewayResponse, reason: string): Buffer {
  const head = [`HTTP/1.1 ${response.statusCode} ${reason}`];
  for (const [name, value] of Object.entries({ ...response.headers, 'content-length': String(response.body.length), connection: 'close' }))
    head.push(`${name}: ${value}`);
  return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), response.body]);
}
