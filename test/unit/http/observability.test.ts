/**
 * What the observability middlewares put into X-Ray: never a function's answer, which can carry an
 * access token, a share code or an authorization link. And how counts become metrics.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { observed } from '#shared/http/middleware.ts';
import { recordCounts } from '#shared/observability/counts.ts';
import { metrics, tracer } from '#shared/observability/powertools.ts';
import { lambdaContext } from '#test/unit/support/events.ts';

describe('the traced handler', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('does not add its response to the trace', async () => {
    // Prepare
    vi.spyOn(tracer, 'isTracingEnabled').mockReturnValue(true);
    vi.spyOn(tracer, 'getSegment').mockReturnValue(undefined);
    vi.spyOn(tracer, 'annotateColdStart').mockImplementation(() => undefined);
    vi.spyOn(tracer, 'addServiceNameAnnotation').mockImplementation(() => undefined);
    const addResponseAsMetadata = vi.spyOn(tracer, 'addResponseAsMetadata').mockImplementation(() => undefined);
    const vend = observed(async () => ({ accessToken: 'secret-access-token' }));

    // Act
    const answer = await vend({}, lambdaContext());

    // Assess
    expect(answer).toEqual({ accessToken: 'secret-access-token' });
    expect(addResponseAsMetadata).not.toHaveBeenCalled();
  });
});

describe('recorded counts', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('records a number as is, even 0, a true flag as 1 and a false flag not at all', () => {
    // Prepare
    const addMetric = vi.spyOn(metrics, 'addMetric').mockImplementation(() => metrics);

    // Act
    recordCounts({ AccountsRevoked: 0, AuthorizerTokensDue: 7, PushTicketRestarts: true, TokenRefreshRunsCutShort: false });

    // Assess
    expect(addMetric.mock.calls).toEqual([
      ['AccountsRevoked', 'Count', 0],
      ['AuthorizerTokensDue', 'Count', 7],
      ['PushTicketRestarts', 'Count', 1],
    ]);
  });

  it('records counts with dimensions in a metric set of their own', () => {
    // Prepare
    const single = { addDimension: vi.fn(), addMetric: vi.fn() };
    vi.spyOn(metrics, 'singleMetric').mockReturnValue(single as never);
    const addMetric = vi.spyOn(metrics, 'addMetric').mockImplementation(() => metrics);

    // Act
    recordCounts({ AuthorizerTokenRefreshFailures: 3 }, { errcode: '61003' });

    // Assess
    expect(single.addDimension).toHaveBeenCalledWith('errcode', '61003');
    expect(single.addMetric).toHaveBeenCalledWith('AuthorizerTokenRefreshFailures', 'Count', 3);
    expect(single.addDimension.mock.invocationCallOrder[0]).toBeLessThan(single.addMetric.mock.invocationCallOrder[0]!);
    expect(addMetric).not.toHaveBeenCalled();
  });
});
