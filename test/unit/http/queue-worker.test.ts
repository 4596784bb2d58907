/**
 * The consumer of a work queue: what it drops, what it reports failed, and what a step learns of its
 * delivery. The queue is `release-test` of the contract (3 receives before the dead-letter queue).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import * as v from 'valibot';
import { queueWorker, type Delivery } from '#shared/http/queue-worker.ts';
import { logger, metrics } from '#shared/observability/powertools.ts';
import { hubQueue } from '#shared/queues/contract.ts';
import { lambdaContext } from '#test/unit/support/events.ts';

const job = v.object({ id: v.string(), fail: v.optional(v.boolean(), false) });

const record = (messageId: string, body: string, receives = 1): SQSRecord => ({
  messageId,
  receiptHandle: `receipt-${messageId}`,
  body,
  attributes: {
    ApproximateReceiveCount: String(receives),
    SentTimestamp: '1700000000000',
    SenderId: 'local',
    ApproximateFirstReceiveTimestamp: '1700000000000',
  },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:local:000000000000:release-test',
  awsRegion: 'local',
});

const batch = (...records: SQSRecord[]): SQSEvent => ({ Records: records });
const message = (id: string, fail = false) => JSON.stringify({ id, fail });

/** A worker whose step records what it ran and fails the messages marked `fail`. */
function recordingWorker() {
  const ran: { id: string; delivery: Omit<Delivery, 'context'> }[] = [];
  const worker = queueWorker(
    { queue: 'release-test', message: job, noun: 'test job', logFields: ({ id }) => ({ id }), failureMetric: 'TestJobRetried' },
    async (step, delivery) => {
      ran.push({ id: step.id, delivery: { messageId: delivery.messageId, receives: delivery.receives, last: delivery.last } });
      if (step.fail) throw new Error(`job ${step.id} failed`);
    },
  );
  return { worker, ran };
}

describe('a queue worker', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('drops a message that is not JSON with a log line naming its messageId, without running the step or failing it', async () => {
    // Prepare
    const error = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const { worker, ran } = recordingWorker();

    // Act
    const answer = await worker(batch(record('m-1', '{"id": "a')), lambdaContext());

    // Assess
    expect(answer).toEqual({ batchItemFailures: [] });
    expect(ran).toEqual([]);
    expect(error).toHaveBeenCalledWith('Dropped a malformed test job', { messageId: 'm-1' });
  });

  it('drops a message its schema refuses without running the step or failing it', async () => {
    // Prepare
    vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const { worker, ran } = recordingWorker();

    // Act
    const answer = await worker(batch(record('m-1', JSON.stringify({ id: 42 }))), lambdaContext());

    // Assess
    expect(answer).toEqual({ batchItemFailures: [] });
    expect(ran).toEqual([]);
  });

  it('reports a failing message alone and runs the others of its batch', async () => {
    // Prepare
    vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const { worker, ran } = recordingWorker();

    // Act
    const answer = await worker(batch(record('m-1', message('a')), record('m-2', message('b', true)), record('m-3', message('c'))), lambdaContext());

    // Assess
    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-2' }] });
    expect(ran.map((step) => step.id).sort()).toEqual(['a', 'b', 'c']);
  });

  it('reports a batch whose every message failed instead of throwing', async () => {
    // Prepare
    vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const { worker } = recordingWorker();

    // Act
    const answer = await worker(batch(record('m-1', message('a', true)), record('m-2', message('b', true))), lambdaContext());

    // Assess
    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }, { itemIdentifier: 'm-2' }] });
  });

  it('tells the step its receive count and that the last receive before the dead-letter queue is the last', async () => {
    // Prepare
    const { maxReceiveCount } = hubQueue('release-test');
    const { worker, ran } = recordingWorker();

    // Act
    await worker(
      batch(record('m-1', message('a'), 1), record('m-2', message('b'), maxReceiveCount - 1), record('m-3', message('c'), maxReceiveCount)),
      lambdaContext(),
    );

    // Assess
    expect(ran.map((step) => step.delivery).sort((a, b) => a.receives - b.receives)).toEqual([
      { messageId: 'm-1', receives: 1, last: false },
      { messageId: 'm-2', receives: maxReceiveCount - 1, last: false },
      { messageId: 'm-3', receives: maxReceiveCount, last: true },
    ]);
  });

  it('logs a failed step with its identifying fields and the error, and counts it', async () => {
    // Prepare
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const addMetric = vi.spyOn(metrics, 'addMetric').mockImplementation(() => metrics);
    const { worker } = recordingWorker();

    // Act
    await worker(batch(record('m-2', message('b', true), 2)), lambdaContext());

    // Assess
    expect(warn).toHaveBeenCalledWith('A test job failed; the queue redelivers it', {
      messageId: 'm-2',
      id: 'b',
      receives: 2,
      error: { name: 'Error', message: 'job b failed' },
    });
    expect(addMetric).toHaveBeenCalledWith('TestJobRetried', 'Count', 1);
  });

  it('says in the log line that a step failing on its last receive goes to the dead-letter queue', async () => {
    // Prepare
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const { worker } = recordingWorker();

    // Act
    await worker(batch(record('m-2', message('b', true), hubQueue('release-test').maxReceiveCount)), lambdaContext());

    // Assess
    expect(warn).toHaveBeenCalledWith('A test job failed; it goes to the dead-letter queue', expect.objectContaining({ messageId: 'm-2' }));
  });

  it('keeps the failures of invocations that run at the same time apart', async () => {
    // Prepare: the first invocation's failure is recorded while its other step still runs, and a
    // second invocation runs whole meanwhile, as when the local stack delivers two batches of one
    // queue at once.
    vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const worker = queueWorker({ queue: 'release-test', message: job, noun: 'test job' }, async (step) => {
      if (step.id === 'slow') await gate;
      if (step.fail) throw new Error(`${step.id} failed`);
    });

    // Act
    const first = worker(batch(record('m-failing', message('failing', true)), record('m-slow', message('slow'))), lambdaContext());
    await new Promise((resolve) => setImmediate(resolve));
    const second = await worker(batch(record('m-quick', message('quick'))), lambdaContext());
    release();

    // Assess
    expect(second).toEqual({ batchItemFailures: [] });
    expect(await first).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-failing' }] });
  });
});
