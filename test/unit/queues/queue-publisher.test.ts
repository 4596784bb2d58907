import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  queuePublisher,
  registerLocalQueues,
  unregisterLocalQueues,
  type LocalQueueRegistry,
  type QueueMessage,
} from '#shared/adapters/queues/queue-publisher.ts';

const queueUrl = 'https://sqs.eu-west-1.amazonaws.com/123456789012/fan-sync';
const env = { FAN_SYNC_QUEUE_URL: queueUrl };
const messages = (count: number): QueueMessage[] => Array.from({ length: count }, (_, i) => ({ body: `{"n":${i}}` }));

describe('queue publisher over SQS', () => {
  const sqs = new SQSClient({ region: 'eu-west-1' });
  const sqsMock = mockClient(sqs);

  beforeEach(() => sqsMock.reset());

  it('sends 25 messages as three batches of at most ten', async () => {
    // Prepare
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });

    // Act
    await queuePublisher('fan-sync', { sqs, env }).send(messages(25));

    // Assess
    const sizes = sqsMock.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input.Entries?.length);
    expect(sizes).toEqual([10, 10, 5]);
  });

  it('sends to the URL named by the queue variable and passes the delay', async () => {
    // Prepare
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });

    // Act
    await queuePublisher('fan-sync', { sqs, env }).send([{ body: 'later', delaySeconds: 30 }]);

    // Assess
    const input = sqsMock.commandCalls(SendMessageBatchCommand)[0]?.args[0].input;
    expect(input?.QueueUrl).toBe(queueUrl);
    expect(input?.Entries).toEqual([expect.objectContaining({ MessageBody: 'later', DelaySeconds: 30 })]);
  });

  it('retries only the entries SQS reported as failed', async () => {
    // Prepare
    sqsMock
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }] })
      .resolves({ Failed: [] });

    // Act
    await queuePublisher('fan-sync', { sqs, env }).send(messages(3));

    // Assess
    const calls = sqsMock.commandCalls(SendMessageBatchCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.args[0].input.Entries).toEqual([expect.objectContaining({ Id: '1', MessageBody: '{"n":1}' })]);
  });

  it('throws when entries still fail after the retries', async () => {
    // Prepare
    sqsMock.on(SendMessageBatchCommand).resolves({ Failed: [{ Id: '0', Code: 'InternalError', SenderFault: false }] });

    // Act
    const sending = queuePublisher('fan-sync', { sqs, env }).send(messages(1));

    // Assess
    await expect(sending).rejects.toThrow(/refused 1 message\(s\) for the "fan-sync" queue/);
  });

  it('does not retry an entry SQS refused as the sender’s fault', async () => {
    // Prepare
    sqsMock.on(SendMessageBatchCommand).resolves({ Failed: [{ Id: '0', Code: 'InvalidParameterValue', SenderFault: true }] });

    // Act
    const sending = queuePublisher('fan-sync', { sqs, env }).send(messages(1));

    // Assess
    await expect(sending).rejects.toThrow(/InvalidParameterValue/);
    expect(sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(1);
  });

  it('names the missing queue URL variable', async () => {
    // Act
    const sending = queuePublisher('fan-sync', { sqs, env: {} }).send(messages(1));

    // Assess
    await expect(sending).rejects.toThrow(/FAN_SYNC_QUEUE_URL is not set/);
  });

  it('sends nothing for an empty list', async () => {
    // Act
    await queuePublisher('fan-sync', { sqs, env }).send([]);

    // Assess
    expect(sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });
});

describe('queue publisher under the local stack', () => {
  const sqs = new SQSClient({ region: 'eu-west-1' });
  const sqsMock = mockClient(sqs);
  const received: { queue: string; messages: QueueMessage[] }[] = [];
  const registry: LocalQueueRegistry = {
    has: (queue) => queue === 'fan-sync',
    send: async (queue, sent) => {
      received.push({ queue, messages: sent });
    },
  };

  beforeEach(() => {
    received.length = 0;
    sqsMock.reset();
    registerLocalQueues(registry);
  });
  afterEach(() => unregisterLocalQueues(registry));

  it('hands the messages to the in-process queue instead of SQS', async () => {
    // Act
    await queuePublisher('fan-sync', { sqs, env }).send(messages(2));

    // Assess
    expect(received).toEqual([{ queue: 'fan-sync', messages: messages(2) }]);
    expect(sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });

  it('refuses a queue the local stack does not run instead of reaching for SQS', async () => {
    // Act
    const sending = queuePublisher('release-test', { sqs, env: { RELEASE_TEST_QUEUE_URL: queueUrl } }).send(messages(1));

    // Assess
    await expect(sending).rejects.toThrow(/local stack runs no "release-test" queue/);
    expect(sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });

  it('finds a registry registered after the publisher was created', async () => {
    // Prepare
    unregisterLocalQueues(registry);
    const publisher = queuePublisher('fan-sync', { sqs, env: {} });
    registerLocalQueues(registry);

    // Act
    await publisher.send(messages(1));

    // Assess
    expect(received).toHaveLength(1);
  });
});
