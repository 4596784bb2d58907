/**
 * In-process work queues for the local stack, with the SQS semantics the consumers are written
 * against (no SQS emulator on npm speaks the current protocol, DESIGN.md §5):
 * - `send` takes at most 10 messages of at most 256 KiB each, with an optional `delaySeconds` (0–900);
 * - a consumer receives up to `batchSize` visible messages per invocation, at most `maxConcurrency`
 *   invocations at a time, as a real-shaped `SQSEvent`;
 * - a received message is invisible for `visibilityTimeoutSeconds`; success deletes it; a failure
 *   (the handler threw: the whole batch; `{ batchItemFailures }`: those items) leaves it to reappear
 *   when its visibility timeout ends, with `ApproximateReceiveCount` counting the receives;
 * - a message that failed `maxReceiveCount` receives moves to the queue's dead-letter queue.
 * Durations may be fractions of a second here, so tests can run the semantics quickly.
 *
 * With `dataDir` (`npm start`) every queue keeps its messages across a restart in a journal
 * (`queue-journal.ts`): a message `send` accepted is on disk before `send` returns; deletes, receives
 * and dead letters are recorded as they happen. At the next start the messages come back with their
 * receive counts, and those that were in flight when the stack stopped are visible at once, as SQS
 * makes them visible again once their visibility timeout ends. Without it nothing touches the disk.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { HubQueue } from '#infra/catalogue.ts';
import { QueueJournal, type JournalMessage, type JournalState } from '#infra/local/queue-journal.ts';
import { registerLocalQueues, unregisterLocalQueues, type LocalQueueRegistry, type QueueMessage } from '#shared/adapters/queues/queue-publisher.ts';

export const MAX_BATCH_ENTRIES = 10;
export const MAX_MESSAGE_BYTES = 256 * 1024;
export const MAX_DELAY_SECONDS = 900;
const LOCAL_ACCOUNT = '000000000000';

export type QueueSpec = Pick<HubQueue, 'name' | 'consumer' | 'batchSize' | 'visibilityTimeoutSeconds' | 'maxReceiveCount' | 'maxConcurrency'> & {
  /** False while the consumer function is not in the catalogue yet: messages are kept, not delivered. */
  consumerDeployed?: boolean;
};

export type ConsumerInvoke = (functionName: string, event: SQSEvent) => Promise<unknown>;

export interface QueueStats {
  /** Ready to be received now. */
  visible: number;
  /** Received and not yet deleted (including failed ones waiting out their visibility timeout). */
  inFlight: number;
  /** Sent with a delay that has not passed yet. */
  delayed: number;
  /** In the dead-letter queue. */
  dlq: number;
}

export interface DeadLetter {
  messageId: string;
  body: string;
  receiveCount: number;
}

export interface LocalQueues {
  names(): string[];
  send(queueName: string, messages: QueueMessage[]): Promise<void>;
  stats(queueName: string): QueueStats;
  /** Resolves once the queue has nothing visible, delayed or in flight (dead letters do not count). */
  drain(queueName: string): Promise<void>;
  deadLetters(queueName: string): DeadLetter[];
  /** Starts delivering, for queues created with `paused` (the stack waits until the simulator is up). */
  resume(): void;
  /**
   * Stops delivering; waits (up to `graceMs`) for running consumer invocations to settle, taking the
   * messages they send meanwhile. What is still in flight then stays received in the journal, and is
   * delivered again at the next start. Sends after that are refused.
   */
  stop(graceMs?: number): Promise<void>;
}

/** A journal message (`visibleAt`: when it may be received, after a delay or a failed receive's visibility timeout). */
interface StoredMessage extends JournalMessage {
  /** True from a receive until the consumer settled it. */
  inFlight: boolean;
}

class LocalQueue {
  private readonly messages = new Map<string, StoredMessage>();
  private readonly dead: DeadLetter[] = [];
  private running = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private drainWaiters: (() => void)[] = [];
  /** No more deliveries (a stop began); sends are still taken while running invocations settle. */
  private stopped = false;
  /** The stop is over: sends are refused. */
  private closed = false;
  private paused: boolean;
  private readonly settled = new Set<Promise<void>>();

  constructor(
    readonly spec: QueueSpec,
    private readonly invoke: ConsumerInvoke,
    private readonly region: string,
    private readonly log: (line: string) => void,
    private readonly journal: QueueJournal | undefined,
    paused: boolean,
  ) {
    this.paused = paused;
    if (journal) this.restore(journal.load());
    this.pump();
  }

  /** Messages of the previous run: the received ones (in flight when it stopped) are visible again now. */
  private restore(state: JournalState): void {
    const now = Date.now();
    let redelivered = 0;
    for (const message of state.messages) {
      if (message.receiveCount > 0 && message.visibleAt > now) {
        message.visibleAt = now;
        redelivered += 1;
      }
      this.messages.set(message.messageId, { ...message, inFlight: false });
    }
    this.dead.push(...state.dead);
    if (state.messages.length > 0 || state.dead.length > 0) {
      this.log(
        `queue ${this.spec.name}: ${state.messages.length} messages kept from the previous run (${redelivered} of them were in flight and are visible again)` +
          (state.dead.length > 0 ? `, ${state.dead.length} in the dead-letter queue` : ''),
      );
    }
  }

  resume(): void {
    this.paused = false;
    this.pump();
  }

  send(messages: QueueMessage[]): void {
    if (this.closed) throw new Error(`The local "${this.spec.name}" queue is stopped.`);
    if (messages.length > MAX_BATCH_ENTRIES) {
      throw new Error(`TooManyEntriesInBatchRequest: at most ${MAX_BATCH_ENTRIES} messages per batch, got ${messages.length}.`);
    }
    for (const message of messages) {
      const bytes = Buffer.byteLength(message.body, 'utf8');
      if (bytes === 0) throw new Error('InvalidParameterValue: a message body must not be empty.');
      if (bytes > MAX_MESSAGE_BYTES) throw new Error(`InvalidParameterValue: a message body is ${bytes} bytes, the limit is ${MAX_MESSAGE_BYTES}.`);
      const delay = message.delaySeconds ?? 0;
      if (!(delay >= 0 && delay <= MAX_DELAY_SECONDS)) {
        throw new Error(`InvalidParameterValue: delaySeconds must be between 0 and ${MAX_DELAY_SECONDS}.`);
      }
    }
    const now = Date.now();
    const stored: StoredMessage[] = messages.map((message) => ({
      messageId: randomUUID(),
      body: message.body,
      md5OfBody: createHash('md5').update(message.body, 'utf8').digest('hex'),
      sentAt: now,
      visibleAt: now + (message.delaySeconds ?? 0) * 1000,
      receiveCount: 0,
      inFlight: false,
    }));
    // On disk before the send is acknowledged: a message accepted is never lost to a restart.
    this.journal?.sent(stored.map(({ inFlight: _inFlight, ...message }) => message));
    for (const message of stored) this.messages.set(message.messageId, message);
    this.pump();
  }

  stats(): QueueStats {
    const now = Date.now();
    const stats: QueueStats = { visible: 0, inFlight: 0, delayed: 0, dlq: this.dead.length };
    for (const message of this.messages.values()) {
      if (message.inFlight || (message.receiveCount > 0 && message.visibleAt > now)) stats.inFlight += 1;
      else if (message.visibleAt > now) stats.delayed += 1;
      else stats.visible += 1;
    }
    return stats;
  }

  deadLetters(): DeadLetter[] {
    return this.dead.map((letter) => ({ ...letter }));
  }

  drain(): Promise<void> {
    if (this.messages.size === 0 && this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.settled.size > 0) {
      await Promise.race([Promise.allSettled([...this.settled]), new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
    }
    this.closed = true;
    if (this.journal) {
      const inFlight = [...this.messages.values()].filter((message) => message.inFlight).length;
      if (inFlight > 0) this.log(`queue ${this.spec.name}: ${inFlight} messages still in flight after ${graceMs} ms are delivered again at the next start`);
      this.journal.close();
    }
  }

  /** Starts as many consumer invocations as visible messages and the concurrency limit allow. */
  private pump(): void {
    if (this.stopped || this.paused || this.spec.consumerDeployed === false) return;
    const now = Date.now();
    this.moveExhaustedToDeadLetters(now);
    while (this.running < this.spec.maxConcurrency) {
      const batch: StoredMessage[] = [];
      for (const message of this.messages.values()) {
        if (batch.length >= this.spec.batchSize) break;
        if (!message.inFlight && message.visibleAt <= now) batch.push(message);
      }
      if (batch.length === 0) break;
      for (const message of batch) {
        message.inFlight = true;
        message.receiveCount += 1;
        message.firstReceivedAt ??= now;
        message.visibleAt = now + this.spec.visibilityTimeoutSeconds * 1000;
      }
      this.journal?.received(batch);
      this.running += 1;
      const run = this.deliver(batch).finally(() => {
        this.settled.delete(run);
        this.running -= 1;
        this.pump();
      });
      this.settled.add(run);
    }
    this.scheduleNextWake(now);
    this.notifyIfDrained();
  }

  /**
   * SQS moves a message to the DLQ when a receive would exceed `maxReceiveCount`; doing it as soon as
   * the last allowed receive has failed and its visibility timeout has ended is indistinguishable.
   */
  private moveExhaustedToDeadLetters(now: number): void {
    for (const message of this.messages.values()) {
      if (!message.inFlight && message.receiveCount >= this.spec.maxReceiveCount && message.visibleAt <= now) {
        this.messages.delete(message.messageId);
        const letter = { messageId: message.messageId, body: message.body, receiveCount: message.receiveCount };
        this.journal?.deadLettered(letter);
        this.dead.push(letter);
        this.log(`queue ${this.spec.name}: message ${message.messageId} moved to the dead-letter queue after ${message.receiveCount} receives`);
      }
    }
  }

  private async deliver(batch: StoredMessage[]): Promise<void> {
    const event: SQSEvent = { Records: batch.map((message) => this.record(message)) };
    let failedIds: Set<string>;
    try {
      const result = await this.invoke(this.spec.consumer, event);
      failedIds = this.failuresIn(result, batch);
    } catch (error) {
      this.log(`queue ${this.spec.name}: ${this.spec.consumer} failed a batch of ${batch.length}: ${describe(error)}`);
      failedIds = new Set(batch.map((message) => message.messageId));
    }
    const deleted: string[] = [];
    for (const message of batch) {
      message.inFlight = false;
      // Failed messages keep the visibility timeout set at receive time, as in SQS.
      if (!failedIds.has(message.messageId)) {
        this.messages.delete(message.messageId);
        deleted.push(message.messageId);
      }
    }
    if (this.journal) {
      this.journal.deleted(deleted);
      this.journal.compactIfLarge(() => this.journalState());
    }
  }

  private journalState(): JournalState {
    return {
      messages: [...this.messages.values()].map(({ inFlight: _inFlight, ...message }) => message),
      dead: this.dead.map((letter) => ({ ...letter })),
    };
  }

  /** Lambda's ReportBatchItemFailures: an unusable answer fails the whole batch. */
  private failuresIn(result: unknown, batch: StoredMessage[]): Set<string> {
    const all = new Set(batch.map((message) => message.messageId));
    if (result === undefined || result === null) return new Set();
    const failures = (result as Partial<SQSBatchResponse>).batchItemFailures;
    if (failures === undefined || failures === null) return new Set();
    if (!Array.isArray(failures)) return all;
    const failed = new Set<string>();
    for (const failure of failures) {
      const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
      if (typeof id !== 'string' || !all.has(id)) {
        this.log(`queue ${this.spec.name}: ${this.spec.consumer} reported an unknown batch item failure; the whole batch is retried`);
        return all;
      }
      failed.add(id);
    }
    return failed;
  }

  private record(message: StoredMessage): SQSRecord {
    return {
      messageId: message.messageId,
      receiptHandle: randomBytes(48).toString('base64'),
      body: message.body,
      attributes: {
        ApproximateReceiveCount: String(message.receiveCount),
        SentTimestamp: String(message.sentAt),
        SenderId: 'AIDALOCALSTACKSENDER',
        ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt ?? message.sentAt),
      },
      messageAttributes: {},
      md5OfBody: message.md5OfBody,
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:${this.region}:${LOCAL_ACCOUNT}:${this.spec.name}`,
      awsRegion: this.region,
    };
  }

  /** One timer, set for the earliest moment a waiting message becomes receivable. */
  private scheduleNextWake(now: number): void {
    let next = Infinity;
    for (const message of this.messages.values()) {
      if (!message.inFlight && message.visibleAt > now) next = Math.min(next, message.visibleAt);
    }
    if (next === this.timerAt && this.timer) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = next;
    if (next === Infinity) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Infinity;
        this.pump();
      },
      Math.max(0, next - now),
    );
    this.timer.unref();
  }

  private notifyIfDrained(): void {
    if (this.messages.size > 0 || this.running > 0 || this.drainWaiters.length === 0) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Creates the queues and registers them for `queuePublisher` (shared/adapters/queues). Only one
 * set of local queues is registered per process: the latest.
 */
export function createLocalQueues(options: {
  queues: readonly QueueSpec[];
  invoke: ConsumerInvoke;
  region?: string;
  log?: (line: string) => void;
  register?: boolean;
  /** Keep every queue's messages in a journal in this folder, across restarts. Absent: memory only. */
  dataDir?: string;
  /** Accept messages but deliver none until `resume()`. */
  paused?: boolean;
}): LocalQueues {
  const region = options.region ?? process.env.AWS_REGION ?? 'local';
  const log = options.log ?? (() => {});
  const journal = (name: string) => (options.dataDir ? new QueueJournal(options.dataDir, name) : undefined);
  const queues = new Map(
    options.queues.map((spec) => [spec.name, new LocalQueue(spec, options.invoke, region, log, journal(spec.name), options.paused ?? false)]),
  );
  const queue = (name: string): LocalQueue => {
    const found = queues.get(name);
    if (!found) {
      throw new Error(
        `No local queue named "${name}" (running: ${[...queues.keys()].join(', ') || 'none'}; a queue exists once its consumer or a producer is in the catalogue).`,
      );
    }
    return found;
  };
  const registry: LocalQueueRegistry = {
    has: (name) => queues.has(name),
    send: async (name, messages) => {
      // Mirror the SQS adapter, which splits any list into batches of 10.
      for (let start = 0; start < messages.length; start += MAX_BATCH_ENTRIES) {
        queue(name).send(messages.slice(start, start + MAX_BATCH_ENTRIES));
      }
    },
  };
  if (options.register !== false) registerLocalQueues(registry);
  return {
    names: () => [...queues.keys()],
    send: async (name, messages) => queue(name).send(messages),
    stats: (name) => queue(name).stats(),
    drain: (name) => queue(name).drain(),
    deadLetters: (name) => queue(name).deadLetters(),
    resume: () => {
      for (const q of queues.values()) q.resume();
    },
    stop: async (graceMs = 5_000) => {
      unregisterLocalQueues(registry);
      await Promise.all([...queues.values()].map((q) => q.stop(graceMs)));
    },
  };
}
