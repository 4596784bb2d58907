import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { consoleRoute } from '#shared/http/console-route.ts';
import { DomainError, RateLimited } from '#shared/errors/domain-errors.ts';
import { WeChatApiError, WeChatNetworkError } from '#shared/wechat/api-errors.ts';
import { consoleEvent, lambdaContext } from '#test/unit/support/events.ts';

const echo = consoleRoute(
  {
    who: 'admin',
    params: v.strictObject({ appid: v.pipe(v.string(), v.regex(/^wx[0-9a-f]{16}$/)) }),
    body: v.strictObject({ count: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100)), note: v.optional(v.pipe(v.string(), v.maxLength(20))) }),
  },
  async ({ caller, params, body }) => ({ status: 201, body: { tenant: caller.tenantId, appid: params.appid, count: body.count } }),
);

const reader = consoleRoute({ who: 'any' }, async ({ caller }) => ({ status: 200, body: { departments: caller.departments } }));

const operatorRoute = consoleRoute({ who: 'operator' }, async ({ caller }) => ({ status: 200, body: { operator: caller.userId } }));

const params = { appid: 'wx0123456789abcdef' };

async function call(handler: typeof echo, event: ReturnType<typeof consoleEvent>) {
  const response = (await handler(event, lambdaContext())) as { statusCode: number; headers: Record<string, string>; body: string };
  return { ...response, json: response.body ? (JSON.parse(response.body) as Record<string, any>) : undefined };
}

describe('a console route', () => {
  it('answers with the status and JSON body of its use case', async () => {
    // Act
    const response = await call(echo, consoleEvent({ method: 'POST', pathParameters: params, body: '{"count":3}' }));

    // Assess
    expect(response.statusCode).toBe(201);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.json).toEqual({ tenant: 't-1', appid: 'wx0123456789abcdef', count: 3 });
  });

  it('refuses malformed JSON with validation_failed', async () => {
    // Act
    const response = await call(echo, consoleEvent({ method: 'POST', pathParameters: params, body: '{"count":' }));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.json?.error.code).toBe('validation_failed');
  });

  it('refuses a body that is not sent as JSON with validation_failed', async () => {
    // Act
    const response = await call(
      echo,
      consoleEvent({ method: 'POST', pathParameters: params, body: 'count=3', contentType: 'application/x-www-form-urlencoded' }),
    );

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.json?.error.code).toBe('validation_failed');
  });

  it('names every wrong field: wrong types, unknown fields and oversized strings', async () => {
    // Act
    const response = await call(
      echo,
      consoleEvent({ method: 'POST', pathParameters: params, body: JSON.stringify({ count: '3', note: 'x'.repeat(21), extra: true }) }),
    );

    // Assess
    expect(response.statusCode).toBe(400);
    const fields = (response.json?.error.details.fields as { field: string }[]).map((f) => f.field).sort();
    expect(fields).toEqual(['body.count', 'body.extra', 'body.note']);
  });

  it.each([
    ['an array', '[]'],
    ['a string', '"count"'],
    ['a number', '3'],
    ['null', 'null'],
  ])('refuses a JSON body that is %s rather than an object', async (_kind, body) => {
    // Prepare
    const optionalBody = consoleRoute({ who: 'admin', body: v.optional(v.strictObject({ appid: v.optional(v.string()) }), {}) }, async () => ({ status: 201 }));

    // Act
    const response = await call(optionalBody, consoleEvent({ method: 'POST', body }));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.json?.error.details.fields).toEqual([{ field: 'body', message: 'must be a JSON object' }]);
  });

  it('validates path parameters', async () => {
    // Act
    const response = await call(echo, consoleEvent({ method: 'POST', pathParameters: { appid: 'nope' }, body: '{"count":1}' }));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.json?.error.details.fields[0].field).toBe('params.appid');
  });

  it('refuses a body over 64 KiB before parsing it', async () => {
    // Act
    const response = await call(echo, consoleEvent({ method: 'POST', pathParameters: params, body: JSON.stringify({ count: 1, note: 'x'.repeat(70_000) }) }));

    // Assess
    expect(response.statusCode).toBe(413);
    expect(response.json?.error).toEqual({
      code: 'validation_failed',
      message: expect.any(String),
      details: { fields: [{ field: 'body', message: 'is larger than 65536 bytes' }], limitBytes: 65536 },
    });
  });

  it('answers unauthorized when the gateway passed no claims', async () => {
    // Act
    const response = await call(reader, consoleEvent({ claims: null }));

    // Assess
    expect(response.statusCode).toBe(401);
    expect(response.json?.error.code).toBe('unauthorized');
  });

  it('answers forbidden to a member on an admin route, before validating the body', async () => {
    // Act
    const response = await call(
      echo,
      consoleEvent({ method: 'POST', pathParameters: params, body: '{}', claims: { sub: 'u', tenant_id: 't', roles: '[member]' } }),
    );

    // Assess
    expect(response.statusCode).toBe(403);
    expect(response.json?.error.code).toBe('forbidden');
  });

  it('lets a member read on an any-member route', async () => {
    // Act
    const response = await call(reader, consoleEvent({ claims: { sub: 'u', tenant_id: 't', roles: '[member]', departments: '[d-1]' } }));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.json).toEqual({ departments: ['d-1'] });
  });

  it('gives an operator route the operator, read from a token without a tenant', async () => {
    // Act
    const response = await call(operatorRoute, consoleEvent({ claims: { sub: 'op-1', roles: '[operator]' } }));

    // Assess
    expect([response.statusCode, response.json]).toEqual([200, { operator: 'op-1' }]);
  });

  it('answers forbidden to a tenant admin on an operator route', async () => {
    // Act
    const response = await call(operatorRoute, consoleEvent({ claims: { sub: 'u', tenant_id: 't', roles: '[admin]' } }));

    // Assess
    expect([response.statusCode, response.json?.error.code]).toEqual([403, 'forbidden']);
  });

  it('answers forbidden to an operator on a tenant route', async () => {
    // Act
    const response = await call(reader, consoleEvent({ claims: { sub: 'op-1', roles: '[operator]' } }));

    // Assess
    expect([response.statusCode, response.json?.error.code]).toEqual([403, 'forbidden']);
  });

  it('maps a domain error to its status, code, message, details and headers', async () => {
    // Prepare
    const limited = consoleRoute({ who: 'any' }, async () => {
      throw new RateLimited(120);
    });

    // Act
    const response = await call(limited, consoleEvent());

    // Assess
    expect(response.statusCode).toBe(429);
    expect(response.headers['Retry-After']).toBe('120');
    expect(response.json).toEqual({ error: { code: 'rate_limited', message: expect.any(String), details: { retryAfterSeconds: 120 } } });
  });

  it('answers an unexpected failure with internal_error and nothing of the failure itself', async () => {
    // Prepare
    const broken = consoleRoute({ who: 'any' }, async () => {
      throw new Error('ConditionalCheckFailed at arn:aws:dynamodb:secret-table token=abc123');
    });

    // Act
    const response = await call(broken, consoleEvent());

    // Assess
    expect(response.statusCode).toBe(500);
    expect(response.json?.error.code).toBe('internal_error');
    expect(response.body).not.toMatch(/arn:|abc123|Conditional|at /);
  });

  it('shows a WeChat failure as a 502 with the errcode in the details', async () => {
    // Prepare
    const failing = consoleRoute({ who: 'any' }, async () => {
      throw new DomainError('wechat_error', 'WeChat refused the request (48001).', { details: { errcode: 48001 } });
    });

    // Act
    const response = await call(failing, consoleEvent());

    // Assess
    expect(response.statusCode).toBe(502);
    expect(response.json?.error).toEqual({ code: 'wechat_error', message: 'WeChat refused the request (48001).', details: { errcode: 48001 } });
  });

  it('answers a WeChat errcode thrown by its use case as 502 wechat_error with the errcode and rid', async () => {
    // Prepare
    const failing = consoleRoute({ who: 'any' }, async () => {
      throw new WeChatApiError('api_get_authorizer_info', 61003, 'component is not authorized by this account rid: 6123abcd-0b1c2d3e-4f5a6b7c');
    });

    // Act
    const response = await call(failing, consoleEvent());

    // Assess
    expect(response.statusCode).toBe(502);
    expect(response.json?.error).toEqual({
      code: 'wechat_error',
      message: expect.stringContaining('61003'),
      details: { errcode: 61003, rid: '6123abcd-0b1c2d3e-4f5a6b7c' },
    });
  });

  it('answers a WeChat that cannot be reached as 502 wechat_error', async () => {
    // Prepare
    const failing = consoleRoute({ who: 'any' }, async () => {
      throw new WeChatNetworkError('user/get', 'timeout', 'no answer within 5000 ms');
    });

    // Act
    const response = await call(failing, consoleEvent());

    // Assess
    expect(response.statusCode).toBe(502);
    expect(response.json?.error).toEqual({ code: 'wechat_error', message: expect.any(String), details: { errcode: null, failure: 'timeout' } });
  });
});
