/**
 * What the observability middlewares put into X-Ray: never a function's answer, which can carry an
 * access token, a share code or an authorization link.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { observed } from '#shared/http/middleware.ts';
import { tracer } from '#shared/observability/powertools.ts';
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
