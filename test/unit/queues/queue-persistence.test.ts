/**
 * The local queues with a data directory: what SQS keeps across a restart of the stack. A "crash"
 * here is a second set of queues opened on the same folder while the first was never stopped.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalQueues, type ConsumerInvoke, type LocalQueues, type QueueSpec } from '#infra/local/queues.ts';

const spec: QueueSpec = {
  name: 'work',
  consumer: 'work-worker',
  batchSize: 5,
  visibilityTimeoutSeconds: 60,
  maxReceiveCount: 5,
  maxConcurrency: 2,
};

let dataDir: string;
let opened: LocalQueues[] = [];

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'oa-hub-queues-'));
});
afterEach(async () => {
  await Promise.all(opened.map((queues) => queues.stop(10)));
  opened = [];
  rmSync(dataDir, { recursive: true, force: true });
});

function open(invoke: ConsumerInvoke, options: { paused?: boolean; overrides?: Partial<QueueSpec> } = {}): LocalQueues {
  const queues = createLocalQueues({ queues: [{ ...spec, ...options.overrides }], invoke, register: false, dataDir, paused: options.paused ?? false });
  opened.push(queues);
  return queues;
}

const never: ConsumerInvoke = () => new Promise(() => {});
const untilCalled = () => {
  let seen: (event: SQSEvent) => void = () => {};
  const called = new Promise<SQSEvent>((resolve) => (seen = resolve));
  return { called, invoke: ((_fn, event) => (seen(event), new Promise(() => {}))) as ConsumerInvoke };
};

describe('local queues across a restart', () => {
  it('delivers after a restart a message sent before the process died', async () => {
    // Prepare
    const before = open(never, { paused: true });
    await before.send('work', [{ body: 'kept' }]);
    const delivered: string[] = [];

    // Act
    const after = open(async (_fn, event) => {
      delivered.push(...event.Records.map((record) => record.body));
    });
    await after.drain('work');

    // Assess
    expect(delivered).toEqual(['kept']);
  });

  it('makes a message that was in flight visible again at start, with its receive count kept', async () => {
    // Prepare
    const first = untilCalled();
    const before = open(first.invoke);
    await before.send('work', [{ body: 'interrupted' }]);
    await first.called;
    const second = untilCalled();

    // Act
    open(second.invoke);
    const redelivered = await second.called;

    // Assess
    expect(before.stats('work')).toMatchObject({ inFlight: 1 });
    expect(redelivered.Records[0]).toMatchObject({ body: 'interrupted', attributes: expect.objectContaining({ ApproximateReceiveCount: '2' }) });
  });

  it('never brings back a message the consumer finished', async () => {
    // Prepare
    const before = open(async () => undefined);
    await before.send('work', [{ body: 'done' }]);
    await before.drain('work');
    const calls: SQSEvent[] = [];

    // Act
    const after = open(async (_fn, event) => {
      calls.push(event);
    });
    await new Promise((resolve) => setTimeout(resolve, 50));

    // Assess
    expect(calls).toEqual([]);
    expect(after.stats('work')).toEqual({ visible: 0, inFlight: 0, delayed: 0, dlq: 0 });
  });

  it('delivers again at the next start what a stop left in flight', async () => {
    // Prepare
    const first = untilCalled();
    const before = open(first.invoke);
    await before.send('work', [{ body: 'slow' }]);
    await first.called;
    await before.stop(10);
    const second = untilCalled();

    // Act
    open(second.invoke);
    const redelivered = await second.called;

    // Assess
    expect(redelivered.Records.map((record) => [record.body, record.attributes.ApproximateReceiveCount])).toEqual([['slow', '2']]);
  });

  it('keeps what a running invocation sends while a stop waits for it', async () => {
    // Prepare
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = untilCalled();
    const before = open(async (fn, event) => {
      void first.invoke(fn, event);
      await gate;
      await before.send('work', [{ body: 'follow-up' }]);
    });
    await before.send('work', [{ body: 'page' }]);
    await first.called;
    const stopping = before.stop(5_000);
    release();
    await stopping;
    const second = untilCalled();

    // Act
    open(second.invoke);
    const delivered = await second.called;

    // Assess
    expect(delivered.Records.map((record) => record.body)).toEqual(['follow-up']);
  });

  it('keeps the dead-letter queue', async () => {
    // Prepare
    const before = open(
      async () => {
        throw new Error('always fails');
      },
      { overrides: { maxReceiveCount: 1, visibilityTimeoutSeconds: 0.01 } },
    );
    await before.send('work', [{ body: 'poison' }]);
    await before.drain('work');

    // Act
    const after = open(never, { paused: true });

    // Assess
    expect(after.deadLetters('work')).toEqual([{ messageId: expect.any(String), body: 'poison', receiveCount: 1 }]);
  });

  it('keeps a delayed message delayed', async () => {
    // Prepare
    const before = open(never, { paused: true });
    await before.send('work', [{ body: 'later', delaySeconds: 600 }]);

    // Act
    const after = open(never);

    // Assess
    expect(after.stats('work')).toEqual({ visible: 0, inFlight: 0, delayed: 1, dlq: 0 });
  });

  it('skips a journal line that a crash cut short', async () => {
    // Prepare
    const before = open(never, { paused: true });
    await before.send('work', [{ body: 'whole' }]);
    appendFileSync(join(dataDir, 'work.jsonl'), '{"put":{"messageId":"cut');

    // Act
    const after = open(never, { paused: true });

    // Assess
    expect(after.stats('work')).toMatchObject({ visible: 1 });
  });

  it('compacts the journal so that it does not grow with every message ever sent', async () => {
    // Prepare
    const queues = open(async () => undefined, { overrides: { batchSize: 10, maxConcurrency: 4 } });

    // Act
    for (let batch = 0; batch < 300; batch += 1) {
      await queues.send(
        'work',
        Array.from({ length: 10 }, (_, i) => ({ body: `m${batch}-${i}` })),
      );
    }
    await queues.drain('work');

    // Assess
    const lines = readFileSync(join(dataDir, 'work.jsonl'), 'utf8').split('\n').filter(Boolean).length;
    expect(lines).toBeLessThan(3_000);
  });
});
