import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { createLocalQueues, type ConsumerInvoke, type LocalQueues, type QueueSpec } from '#infra/local/queues.ts';

/** Short durations keep the semantics observable without slowing the suite; nothing asserts time. */
const spec = (overrides: Partial<QueueSpec> = {}): QueueSpec => ({
  name: 'work',
  consumer: 'work-worker',
  batchSize: 5,
  visibilityTimeoutSeconds: 0.05,
  maxReceiveCount: 3,
  maxConcurrency: 2,
  ...overrides,
});

let queues: LocalQueues | undefined;
afterEach(async () => {
  await queues?.stop();
  queues = undefined;
});

function start(invoke: ConsumerInvoke, overrides: Partial<QueueSpec> = {}): LocalQueues {
  queues = createLocalQueues({ queues: [spec(overrides)], invoke, register: false });
  return queues;
}

const bodiesOf = (event: SQSEvent) => event.Records.map((record) => record.body);

describe('local queues', () => {
  it('delivers every message to the consumer and deletes it on success', async () => {
    // Prepare
    const delivered: string[] = [];
    const local = start(async (_fn, event) => {
      delivered.push(...bodiesOf(event));
    });

    // Act
    await local.send('work', [{ body: 'a' }, { body: 'b' }, { body: 'c' }]);
    await local.drain('work');

    // Assess
    expect(delivered.sort()).toEqual(['a', 'b', 'c']);
    expect(local.stats('work')).toEqual({ visible: 0, inFlight: 0, delayed: 0, dlq: 0 });
  });

  it('keeps messages without delivering them while the consumer is not deployed yet', async () => {
    // Prepare
    const delivered: string[] = [];
    const local = start(
      async (_fn, event) => {
        delivered.push(...bodiesOf(event));
      },
      { consumerDeployed: false },
    );

    // Act
    await local.send('work', [{ body: 'a' }, { body: 'b' }]);
    await new Promise((resolve) => setTimeout(resolve, 100));

    // Assess
    expect(delivered).toEqual([]);
    expect(local.stats('work')).toMatchObject({ visible: 2, inFlight: 0, dlq: 0 });
  });

  it('invokes the catalogue consumer with an SQS-shaped event', async () => {
    // Prepare
    const seen: { fn: string; event: SQSEvent }[] = [];
    const local = start(async (fn, event) => {
      seen.push({ fn, event });
    });

    // Act
    await local.send('work', [{ body: '{"step":"list"}' }]);
    await local.drain('work');

    // Assess
    expect(seen[0]?.fn).toBe('work-worker');
    expect(seen[0]?.event.Records[0]).toMatchObject({
      body: '{"step":"list"}',
      eventSource: 'aws:sqs',
      eventSourceARN: expect.stringMatching(/^arn:aws:sqs:[^:]+:\d{12}:work$/),
      md5OfBody: expect.stringMatching(/^[0-9a-f]{32}$/),
      attributes: expect.objectContaining({ ApproximateReceiveCount: '1', SentTimestamp: expect.stringMatching(/^\d+$/) }),
      messageId: expect.any(String),
      receiptHandle: expect.any(String),
    });
  });

  it('never gives the consumer more than batchSize messages at once', async () => {
    // Prepare
    const sizes: number[] = [];
    const local = start(
      async (_fn, event) => {
        sizes.push(event.Records.length);
      },
      { batchSize: 3 },
    );

    // Act
    await local.send(
      'work',
      Array.from({ length: 10 }, (_, i) => ({ body: `m${i}` })),
    );
    await local.drain('work');

    // Assess
    expect(Math.max(...sizes)).toBeLessThanOrEqual(3);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(10);
  });

  it('runs at most maxConcurrency consumer invocations at a time', async () => {
    // Prepare
    let running = 0;
    let peak = 0;
    const local = start(
      async () => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 10));
        running -= 1;
      },
      { batchSize: 1, maxConcurrency: 2 },
    );

    // Act
    await local.send(
      'work',
      Array.from({ length: 8 }, (_, i) => ({ body: `m${i}` })),
    );
    await local.drain('work');

    // Assess
    expect(peak).toBe(2);
  });

  it('keeps a received message invisible while its consumer runs', async () => {
    // Prepare
    let release!: () => void;
    const local = start(() => new Promise<void>((resolve) => (release = resolve)));

    // Act
    await local.send('work', [{ body: 'slow' }]);
    await new Promise((resolve) => setImmediate(resolve));
    const whileRunning = local.stats('work');
    release();
    await local.drain('work');

    // Assess
    expect(whileRunning).toEqual({ visible: 0, inFlight: 1, delayed: 0, dlq: 0 });
  });

  it('redelivers a whole batch after the visibility timeout when the consumer throws', async () => {
    // Prepare
    const receiveCounts: string[] = [];
    let calls = 0;
    const local = start(async (_fn, event) => {
      calls += 1;
      receiveCounts.push(...event.Records.map((r) => `${r.body}:${r.attributes.ApproximateReceiveCount}`));
      if (calls === 1) throw new Error('transient');
    });

    // Act
    await local.send('work', [{ body: 'a' }, { body: 'b' }]);
    await local.drain('work');

    // Assess
    expect(receiveCounts).toEqual(['a:1', 'b:1', 'a:2', 'b:2']);
  });

  it('redelivers only the items the consumer reported as failed', async () => {
    // Prepare
    const deliveries: string[][] = [];
    const local = start(async (_fn, event): Promise<SQSBatchResponse> => {
      deliveries.push(bodiesOf(event));
      const failed = deliveries.length === 1 ? event.Records.filter((r) => r.body === 'b') : [];
      return { batchItemFailures: failed.map((r) => ({ itemIdentifier: r.messageId })) };
    });

    // Act
    await local.send('work', [{ body: 'a' }, { body: 'b' }, { body: 'c' }]);
    await local.drain('work');

    // Assess
    expect(deliveries).toEqual([['a', 'b', 'c'], ['b']]);
  });

  it('retries the whole batch when a reported failure names no message of the batch', async () => {
    // Prepare
    const deliveries: string[][] = [];
    const local = start(async (_fn, event): Promise<SQSBatchResponse> => {
      deliveries.push(bodiesOf(event));
      return { batchItemFailures: deliveries.length === 1 ? [{ itemIdentifier: 'not-a-message-id' }] : [] };
    });

    // Act
    await local.send('work', [{ body: 'a' }, { body: 'b' }]);
    await local.drain('work');

    // Assess
    expect(deliveries).toEqual([
      ['a', 'b'],
      ['a', 'b'],
    ]);
  });

  it('moves a message that keeps failing to the dead-letter queue after maxReceiveCount receives', async () => {
    // Prepare
    let receives = 0;
    const local = start(
      async () => {
        receives += 1;
        throw new Error('poison');
      },
      { maxReceiveCount: 3 },
    );

    // Act
    await local.send('work', [{ body: 'poison' }]);
    await local.drain('work');

    // Assess
    expect(receives).toBe(3);
    expect(local.stats('work')).toEqual({ visible: 0, inFlight: 0, delayed: 0, dlq: 1 });
    expect(local.deadLetters('work')).toEqual([expect.objectContaining({ body: 'poison', receiveCount: 3 })]);
  });

  it('holds a delayed message back until its delay has passed', async () => {
    // Prepare
    const delivered: string[] = [];
    const local = start(async (_fn, event) => {
      delivered.push(...bodiesOf(event));
    });

    // Act
    await local.send('work', [{ body: 'later', delaySeconds: 0.1 }]);
    const beforeDelay = local.stats('work');
    await local.drain('work');

    // Assess
    expect(beforeDelay).toEqual({ visible: 0, inFlight: 0, delayed: 1, dlq: 0 });
    expect(delivered).toEqual(['later']);
  });

  it('refuses a batch of more than ten messages', async () => {
    // Prepare
    const local = start(async () => {});

    // Act
    const sending = local.send(
      'work',
      Array.from({ length: 11 }, (_, i) => ({ body: `m${i}` })),
    );

    // Assess
    await expect(sending).rejects.toThrow(/at most 10 messages/);
  });

  it('refuses a message larger than 256 KiB', async () => {
    // Prepare
    const local = start(async () => {});

    // Act
    const sending = local.send('work', [{ body: 'x'.repeat(256 * 1024 + 1) }]);

    // Assess
    await expect(sending).rejects.toThrow(/limit is 262144/);
  });

  it('resolves drain at once for an empty queue', async () => {
    // Prepare
    const local = start(async () => {});

    // Act
    const drained = await Promise.race([local.drain('work').then(() => 'drained'), new Promise((r) => setTimeout(() => r('waiting'), 1_000))]);

    // Assess
    expect(drained).toBe('drained');
  });

  it('names the running queues when asked for one that does not exist', () => {
    // Prepare
    const local = start(async () => {});

    // Act
    const asking = () => local.stats('missing');

    // Assess
    expect(asking).toThrow(/No local queue named "missing" \(running: work/);
  });
});
