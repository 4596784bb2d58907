/**
 * Sends work to one of the hub's queues (`shared/queues/contract.ts` `hubQueues`). In AWS the queue is
 * SQS (its URL in `<NAME>_QUEUE_URL`); under `npm start` and the e2e tests it is the in-process queue
 * the local stack registered on `globalThis` — the only seam between this adapter and `infra/local/`,
 * so that no function code imports the local stand-ins.
 */
import { SendMessageBatchCommand, SQSClient, type SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import { queueUrlVariable } from '#shared/queues/contract.ts';

export interface QueueMessage {
  body: string;
  /** 0–900 seconds before the message becomes visible. */
  delaySeconds?: number;
}

export interface QueuePublisher {
  send(messages: QueueMessage[]): Promise<void>;
}

/** What the local stack registers: the queues it runs in this process. */
export interface LocalQueueRegistry {
  has(queueName: string): boolean;
  send(queueName: string, messages: QueueMessage[]): Promise<void>;
}

const registryKey = Symbol.for('oa-hub.local-queues');
type RegistryHolder = { [registryKey]?: LocalQueueRegistry };

export function registerLocalQueues(registry: LocalQueueRegistry): void {
  (globalThis as RegistryHolder)[registryKey] = registry;
}

/** Removes the registration, but only if it is still this registry's (a newer stack may own it). */
export function unregisterLocalQueues(registry: LocalQueueRegistry): void {
  const holder = globalThis as RegistryHolder;
  if (holder[registryKey] === registry) delete holder[registryKey];
}

function localRegistry(): LocalQueueRegistry | undefined {
  return (globalThis as RegistryHolder)[registryKey];
}

/** SQS accepts at most 10 entries per SendMessageBatch. */
export const SQS_BATCH_LIMIT = 10;
/** Attempts per entry before a send gives up (the first one included). */
const SQS_ATTEMPTS = 3;

let sqsClient: SQSClient | undefined;
const defaultSqs = (): SQSClient => (sqsClient ??= new SQSClient({}));

/**
 * The publisher of one queue. The choice between the local queue and SQS is made per send, so a
 * publisher created at module scope (cold start) still finds a local stack registered later.
 */
export function queuePublisher(queueName: string, options: { sqs?: SQSClient; env?: NodeJS.ProcessEnv } = {}): QueuePublisher {
  return {
    async send(messages) {
      if (messages.length === 0) return;
      const local = localRegistry();
      if (local) {
        // Under the local stack nothing may reach for real SQS, even for a queue it does not run.
        if (!local.has(queueName)) {
          throw new Error(`The local stack runs no "${queueName}" queue: its consumer is not in infra/catalogue.ts yet.`);
        }
        return local.send(queueName, messages);
      }
      const variable = queueUrlVariable(queueName);
      const queueUrl = (options.env ?? process.env)[variable];
      if (!queueUrl) {
        throw new Error(
          `Cannot send to the "${queueName}" queue: ${variable} is not set (the CDK stack sets it for functions that list the queue in "sendsTo").`,
        );
      }
      await sendToSqs(options.sqs ?? defaultSqs(), queueUrl, queueName, messages);
    },
  };
}

async function sendToSqs(sqs: SQSClient, queueUrl: string, queueName: string, messages: QueueMessage[]): Promise<void> {
  for (let start = 0; start < messages.length; start += SQS_BATCH_LIMIT) {
    const group = messages.slice(start, start + SQS_BATCH_LIMIT);
    let pending: SendMessageBatchRequestEntry[] = group.map((message, index) => ({
      Id: String(start + index),
      MessageBody: message.body,
      ...(message.delaySeconds === undefined ? {} : { DelaySeconds: message.delaySeconds }),
    }));
    for (let attempt = 1; pending.length > 0; attempt += 1) {
      const answer = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending }));
      const failed = answer.Failed ?? [];
      if (failed.length === 0) break;
      // A sender fault (bad entry) fails the same way every time; only server faults are worth retrying.
      const senderFaults = failed.filter((entry) => entry.SenderFault);
      if (senderFaults.length > 0 || attempt >= SQS_ATTEMPTS) {
        const codes = [...new Set(failed.map((entry) => entry.Code ?? 'unknown'))].join(', ');
        throw new Error(`SQS refused ${failed.length} message(s) for the "${queueName}" queue after ${attempt} attempt(s) (${codes}).`);
      }
      const failedIds = new Set(failed.map((entry) => entry.Id));
      pending = pending.filter((entry) => failedIds.has(entry.Id));
      await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** (attempt - 1)));
    }
  }
}
