/**
 * The answers of a route WeChat's servers call that do not depend on a valid push: an unknown
 * method, and what a refused push leaves in the logs.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { resetConfigForTests } from '#shared/config/config.ts';
import { resetWechatCredentialsForTests } from '#shared/config/wechat-credentials.ts';
import { wechatRoute } from '#shared/http/wechat-route.ts';
import { logger } from '#shared/observability/powertools.ts';
import { consoleEvent, lambdaContext } from '#test/unit/support/events.ts';

const env: Record<string, string> = {
  WECHAT_COMPONENT_APPID: 'wx0123456789abcdef',
  WECHAT_COMPONENT_SECRET: 'component-secret',
  WECHAT_COMPONENT_TOKEN: 'pushtoken',
  WECHAT_COMPONENT_AES_KEY: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  WECHAT_MAX_CLOCK_SKEW_SECONDS: '0',
};
const previous = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));

const route = wechatRoute(async () => ({ body: 'success' }));
type Answer = { statusCode: number; body: string };
const call = (event: ReturnType<typeof consoleEvent>) => route(event as unknown as APIGatewayProxyEventV2, lambdaContext()) as Promise<Answer>;

describe('a route WeChat calls', () => {
  beforeAll(() => {
    Object.assign(process.env, env);
    resetConfigForTests();
    resetWechatCredentialsForTests();
  });

  afterAll(() => {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    resetConfigForTests();
    resetWechatCredentialsForTests();
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('answers a method other than GET and POST with 404 not_found', async () => {
    // Act
    const answer = await call(consoleEvent({ method: 'PUT', path: '/v1/wechat/component-events', claims: null }));

    // Assess
    expect([answer.statusCode, JSON.parse(answer.body).error.code]).toEqual([404, 'not_found']);
  });

  it('logs at most 200 characters of the path of a push that fails verification', async () => {
    // Prepare
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const event = consoleEvent({
      method: 'POST',
      path: `/v1/wechat/component-events/${'x'.repeat(5_000)}`,
      claims: null,
      body: '<xml><Encrypt><![CDATA[bm90LWEtcmVhbC1wdXNo]]></Encrypt></xml>',
      contentType: 'text/xml',
      query: { timestamp: '1700000000', nonce: 'n0nce', msg_signature: '0'.repeat(40), encrypt_type: 'aes' },
    });

    // Act
    const answer = await call(event);

    // Assess
    const logged = warn.mock.calls.find(([message]) => message === 'Refused a push that failed verification');
    expect(answer.statusCode).toBe(401);
    expect((logged?.[1] as { path: string }).path).toHaveLength(200);
  });
});
