/**
 * The handler a schedule runs: the job gets the invocation's time budget, and what it returns or
 * throws is the invocation's outcome.
 */
import { describe, expect, it } from 'vitest';
import type { ScheduledEvent } from 'aws-lambda';
import { scheduledJob } from '#shared/http/scheduled-job.ts';
import { lambdaContext } from '#test/unit/support/events.ts';

const tick = { 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} } as ScheduledEvent;

describe('a scheduled job', () => {
  it('hands the job the milliseconds left before the function times out', async () => {
    // Prepare
    const context = { ...lambdaContext(), getRemainingTimeInMillis: () => 12_345 };
    const job = scheduledJob(async ({ remainingMs }) => ({ left: remainingMs() }));

    // Act
    const summary = await job(tick, context);

    // Assess
    expect(summary).toEqual({ left: 12_345 });
  });

  it('fails the invocation when the job throws', async () => {
    // Prepare
    const job = scheduledJob(async () => {
      throw new Error('The component token is unavailable');
    });

    // Act
    const run = job(tick, lambdaContext());

    // Assess
    await expect(run).rejects.toThrow('The component token is unavailable');
  });
});
