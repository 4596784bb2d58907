/**
 * A route a person's browser is sent to: whatever happens, a 302 to where the outcome says, and
 * nothing of the query's values in the logs.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as v from 'valibot';
import { redirectRoute, type Redirect } from '#shared/http/redirect-route.ts';
import { logger } from '#shared/observability/powertools.ts';
import { consoleEvent, lambdaContext } from '#test/unit/support/events.ts';

type Outcome = { result: string };
const query = v.object({ state: v.pipe(v.string(), v.regex(/^[a-z]{8}$/)) });
const arrive = (values: Record<string, string>) =>
  consoleEvent({ path: '/v1/wechat/authorized', query: values, claims: null }) as unknown as APIGatewayProxyEventV2;

function routeAnswering(run: (state: string) => Promise<Outcome>) {
  const route = redirectRoute(
    {
      name: 'Test callback',
      query,
      location: (outcome: Outcome) => `https://console.example.com/?result=${outcome.result}`,
      invalid: { result: 'invalid' },
      failed: { result: 'failed' },
    },
    async ({ query: parsed }) => run(parsed.state),
  );
  return (event: APIGatewayProxyEventV2) => route(event, lambdaContext()) as Promise<Redirect>;
}

describe('a redirect route', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('sends the browser where the outcome says, uncached and without a referrer', async () => {
    // Prepare
    const call = routeAnswering(async (state) => ({ result: `ok-${state}` }));

    // Act
    const answer = await call(arrive({ state: 'abcdefgh' }));

    // Assess
    expect(answer).toEqual({
      statusCode: 302,
      headers: { location: 'https://console.example.com/?result=ok-abcdefgh', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' },
      body: '',
    });
  });

  it('redirects a query the schema refuses as invalid, logging the field names but not their values, without running the route', async () => {
    // Prepare
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const run = vi.fn(async () => ({ result: 'ok' }));
    const call = routeAnswering(run);

    // Act
    const answer = await call(arrive({ state: 'SECRET-VALUE' }));

    // Assess
    expect([answer.statusCode, answer.headers.location]).toEqual([302, 'https://console.example.com/?result=invalid']);
    expect(run).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalledWith('Test callback without a usable query', { fields: ['state'] });
    expect(JSON.stringify(warn.mock.calls)).not.toContain('SECRET-VALUE');
  });

  it('redirects a failure of the route itself as failed and logs it', async () => {
    // Prepare
    const error = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const call = routeAnswering(async () => {
      throw new Error('connect ECONNREFUSED');
    });

    // Act
    const answer = await call(arrive({ state: 'abcdefgh' }));

    // Assess
    expect([answer.statusCode, answer.headers.location]).toEqual([302, 'https://console.example.com/?result=failed']);
    expect(error).toHaveBeenCalledWith('Test callback failed', { error: expect.objectContaining({ name: 'Error', message: 'connect ECONNREFUSED' }) });
  });
});
