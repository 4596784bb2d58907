/**
 * Two invocations of the fan-sync worker at once in one process, as the local stack runs them (up to
 * `maxConcurrency` per queue): found by the engine-restart scenario, where every in-flight step fails
 * together and a sync could end stuck `running` with its queue empty. A failed step must be reported
 * as failed by its own invocation whatever the other one does meanwhile, or the queue deletes its
 * message as done and the step's work is lost.
 *
 * The worker's steps are stand-ins with fixed timings (no table, no WeChat), so the interleaving is
 * the same on every run: batch A's first step fails at once, its second succeeds late; batch B starts
 * and ends in between.
 */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { printFigures } from '#test/e2e/faults/support.ts';

const timings = new Map<string, { ms: number; fails: boolean }>();

vi.mock('#shared/wiring/fans.ts', () => ({
  fanSyncWorker: () => ({
    worker: {
      handle: async (message: { jobId: string }) => {
        const timing = timings.get(message.jobId)!;
        await new Promise((resolve) => setTimeout(resolve, timing.ms));
        if (timing.fails) throw new Error(`step ${message.jobId} failed`);
      },
    },
    steps: { registerContext: () => undefined },
  }),
}));

const APPID = 'wxfa01700000000001';

function batch(...jobIds: string[]): SQSEvent {
  return {
    Records: jobIds.map((jobId) => ({
      messageId: `message-${jobId}`,
      receiptHandle: 'handle',
      body: JSON.stringify({ type: 'finish', appid: APPID, jobId }),
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'local', ApproximateFirstReceiveTimestamp: '0' },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:local:000000000000:fan-sync',
      awsRegion: 'local',
    })),
  };
}

const context = { getRemainingTimeInMillis: () => 30_000, functionName: 'fan-sync-worker', awsRequestId: 'request' } as unknown as Context;

describe('the fan-sync worker invoked twice at once in one process', () => {
  it('reports each batch’s failed step as failed, whatever the other invocation does meanwhile', async () => {
    // Prepare
    timings.set('afails', { ms: 5, fails: true });
    timings.set('aslow', { ms: 120, fails: false });
    timings.set('bquick', { ms: 10, fails: false });
    const { handler } = await import('#functions/fan-sync-worker/handler.ts');
    const invoke = handler as unknown as (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

    // Act
    const first = invoke(batch('afails', 'aslow'), context);
    await new Promise((resolve) => setTimeout(resolve, 40));
    const second = invoke(batch('bquick'), context);
    const [a, b] = await Promise.all([first, second]);

    // Assess
    const figures = {
      faultsInjected: 1,
      operations: 3,
      lost: a.batchItemFailures.some((f) => f.itemIdentifier === 'message-afails') ? 0 : 1,
      duplicated: 0,
      serverErrors: 0,
    };
    printFigures('concurrent worker invocations', figures);
    expect(a.batchItemFailures).toEqual([{ itemIdentifier: 'message-afails' }]);
    expect(b.batchItemFailures).toEqual([]);
  });
});
