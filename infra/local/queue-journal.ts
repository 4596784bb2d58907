/**
 * What keeps a local queue's messages across a restart of the stack: an append-only journal per
 * queue (`<dir>/<queue>.jsonl`, one JSON record a line), written synchronously, so a message that
 * `send` accepted is in the file before `send` returns and survives the process dying the next
 * moment (the file is not fsynced per record: a crash of the machine may lose the last writes).
 *
 *   {"put":{…message}}                                  sent (or rewritten by a compaction)
 *   {"recv":{"id","receiveCount","firstReceivedAt","visibleAt"}}   received
 *   {"del":"<id>"}                                      deleted (the consumer succeeded)
 *   {"dead":{"messageId","body","receiveCount"}}        moved to the dead-letter queue
 *
 * Replaying it gives the messages not deleted, with their receive counts, and the dead letters. A
 * line cut short by a crash is skipped. Once the journal holds many more records than messages it
 * is compacted: the live state written to a temporary file that replaces it by rename.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface JournalMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  sentAt: number;
  firstReceivedAt?: number;
  visibleAt: number;
  receiveCount: number;
}

export interface JournalDeadLetter {
  messageId: string;
  body: string;
  receiveCount: number;
}

type JournalRecord =
  | { put: JournalMessage }
  | { recv: { id: string; receiveCount: number; firstReceivedAt?: number; visibleAt: number } }
  | { del: string }
  | { dead: JournalDeadLetter };

const MIN_RECORDS_BEFORE_COMPACTION = 1_000;

export interface JournalState {
  /** In the order they were sent. */
  messages: JournalMessage[];
  dead: JournalDeadLetter[];
}

export class QueueJournal {
  readonly file: string;
  #fd: number | undefined;
  #records = 0;

  constructor(dir: string, queueName: string) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, `${queueName}.jsonl`);
  }

  /** Replays the journal; then compacts it and opens it for appending. */
  load(): JournalState {
    const state = existsSync(this.file) ? replay(readFileSync(this.file, 'utf8')) : { messages: [], dead: [] };
    this.#rewrite(state);
    return state;
  }

  sent(messages: readonly JournalMessage[]): void {
    this.#append(messages.map((message) => ({ put: message })));
  }

  received(messages: readonly JournalMessage[]): void {
    this.#append(
      messages.map((m) => ({
        recv: {
          id: m.messageId,
          receiveCount: m.receiveCount,
          visibleAt: m.visibleAt,
          ...(m.firstReceivedAt !== undefined ? { firstReceivedAt: m.firstReceivedAt } : {}),
        },
      })),
    );
  }

  deleted(ids: readonly string[]): void {
    this.#append(ids.map((id) => ({ del: id })));
  }

  deadLettered(letter: JournalDeadLetter): void {
    this.#append([{ dead: letter }]);
  }

  /** Compacts when the journal has grown well past what it describes; `current` gives the live state. */
  compactIfLarge(current: () => JournalState): void {
    if (this.#fd === undefined) return;
    const state = current();
    const live = state.messages.length + state.dead.length;
    if (this.#records > Math.max(MIN_RECORDS_BEFORE_COMPACTION, 4 * live)) this.#rewrite(state);
  }

  /** Stops writing: anything after this (an invocation settling past the stop's grace) is not recorded. */
  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  #append(records: JournalRecord[]): void {
    if (this.#fd === undefined || records.length === 0) return;
    writeSync(this.#fd, records.map((record) => `${JSON.stringify(record)}\n`).join(''));
    this.#records += records.length;
  }

  #rewrite(state: JournalState): void {
    this.close();
    const records: JournalRecord[] = [...state.messages.map((message) => ({ put: message })), ...state.dead.map((letter) => ({ dead: letter }))];
    const temporary = `${this.file}.tmp`;
    try {
      writeFileSync(temporary, records.map((record) => `${JSON.stringify(record)}\n`).join(''), { mode: 0o600 });
      renameSync(temporary, this.file);
    } catch (error) {
      rmSync(temporary, { force: true });
      throw error;
    }
    this.#fd = openSync(this.file, 'a', 0o600);
    this.#records = records.length;
  }
}

function replay(text: string): JournalState {
  const messages = new Map<string, JournalMessage>();
  const dead: JournalDeadLetter[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let record: Partial<{
      put: JournalMessage;
      recv: { id: string; receiveCount: number; firstReceivedAt?: number; visibleAt: number };
      del: string;
      dead: JournalDeadLetter;
    }>;
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      continue; // the tail of a write a crash cut short
    }
    if (record.put) messages.set(record.put.messageId, record.put);
    else if (record.recv) {
      const message = messages.get(record.recv.id);
      if (message) {
        message.receiveCount = record.recv.receiveCount;
        message.visibleAt = record.recv.visibleAt;
        if (record.recv.firstReceivedAt !== undefined) message.firstReceivedAt = record.recv.firstReceivedAt;
      }
    } else if (typeof record.del === 'string') messages.delete(record.del);
    else if (record.dead) {
      messages.delete(record.dead.messageId);
      dead.push(record.dead);
    }
  }
  return { messages: [...messages.values()], dead };
}
