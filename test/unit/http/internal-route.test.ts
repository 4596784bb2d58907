/**
 * A service-to-service route: only IAM-signed calls reach it, its path and query are validated, and
 * its answer or error is JSON in the shape of API.md §1.
 */
import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { NotFound } from '#shared/errors/domain-errors.ts';
import { internalRoute, type InternalEvent } from '#shared/http/internal-route.ts';
import { appIdSchema } from '#shared/http/validation.ts';
import { consoleEvent, lambdaContext } from '#test/unit/support/events.ts';

const ARN = 'arn:aws:iam::000000000000:user/service/templates';
const APPID = 'wx0123456789abcdef';

/** An event as the gateway's IAM authorizer passes it; `arn: null` for a call without an identity. */
function internalEvent(input: { arn?: string | null; appid?: string; query?: Record<string, string> } = {}): InternalEvent {
  const event = consoleEvent({
    path: `/v1/internal/accounts/${input.appid ?? APPID}/access-token`,
    pathParameters: { appid: input.appid ?? APPID },
    ...(input.query ? { query: input.query } : {}),
    claims: null,
  });
  const arn = input.arn === undefined ? ARN : input.arn;
  return { ...event, requestContext: { ...event.requestContext, authorizer: arn === null ? {} : { iam: { userArn: arn } } } } as unknown as InternalEvent;
}

type Answer = { statusCode: number; body: string };

function recordingRoute() {
  const calls: unknown[] = [];
  const route = internalRoute({ params: v.strictObject({ appid: appIdSchema }) }, async ({ callerArn, params }) => {
    calls.push({ callerArn, params });
    return { status: 200, body: { appid: params.appid } };
  });
  const call = (event: InternalEvent) => route(event, lambdaContext()) as Promise<Answer>;
  return { call, calls };
}

describe('an internal route', () => {
  it('hands the caller ARN and the validated path to the route and answers its result as JSON', async () => {
    // Prepare
    const { call, calls } = recordingRoute();

    // Act
    const answer = await call(internalEvent());

    // Assess
    expect([answer.statusCode, JSON.parse(answer.body)]).toEqual([200, { appid: APPID }]);
    expect(calls).toEqual([{ callerArn: ARN, params: { appid: APPID } }]);
  });

  it('refuses a call without an IAM identity with 401 unauthorized, without running the route', async () => {
    // Prepare
    const { call, calls } = recordingRoute();

    // Act
    const answer = await call(internalEvent({ arn: null }));

    // Assess
    expect([answer.statusCode, JSON.parse(answer.body).error.code]).toEqual([401, 'unauthorized']);
    expect(calls).toEqual([]);
  });

  it('refuses a query the route does not declare and a malformed path with one 400 naming both', async () => {
    // Prepare
    const { call, calls } = recordingRoute();

    // Act
    const answer = await call(internalEvent({ appid: 'not-an-appid', query: { debug: '1' } }));

    // Assess
    const error = JSON.parse(answer.body).error;
    expect([answer.statusCode, error.code]).toEqual([400, 'validation_failed']);
    expect(error.details.fields.map((issue: { field: string }) => issue.field).sort()).toEqual(['params.appid', 'query.debug']);
    expect(calls).toEqual([]);
  });

  it('answers an error the route throws in the error envelope', async () => {
    // Prepare
    const route = internalRoute({ params: v.strictObject({ appid: appIdSchema }) }, async ({ params }) => {
      throw new NotFound(`The hub holds no account ${params.appid}.`);
    });

    // Act
    const answer = (await route(internalEvent(), lambdaContext())) as Answer;

    // Assess
    expect([answer.statusCode, JSON.parse(answer.body).error]).toEqual([404, { code: 'not_found', message: `The hub holds no account ${APPID}.` }]);
  });
});
