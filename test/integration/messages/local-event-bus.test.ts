/**
 * The local bus stand-in's at-least-once semantics (`infra/local/event-bus.ts`): an outbox entry
 * leaves only after the bus took its event, so a failing target and a relay that dies before it
 * forgot the entry both lead to a redelivery with the same eventId; a working target gets the
 * EventBridge envelope.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DynamoEventOutbox } from '#shared/adapters/dynamodb/event-outbox.ts';
import { accountEvent, detailTypes } from '#shared/domain/events/model.ts';
import type { PendingEvents } from '#shared/domain/events/ports.ts';
import { startLocalEventBus, type EventEnvelope, type LocalEventBus } from '#infra/local/event-bus.ts';
import { seedAppid } from '#test/support/seed.ts';
import { freshTable, type TestTable } from '#test/integration/support/table.ts';

let table: TestTable;
let outbox: DynamoEventOutbox;
const running: { stop(): Promise<void> }[] = [];

beforeAll(async () => {
  table = await freshTable('local-event-bus');
  outbox = new DynamoEventOutbox(table.client, table.name);
});

afterEach(async () => {
  while (running.length > 0) await running.pop()!.stop();
});

function start(options: { outbox?: PendingEvents; targetUrl?: string; targetRetryMs?: number } = {}): { bus: LocalEventBus; received: EventEnvelope[] } {
  const bus = startLocalEventBus({ outbox: options.outbox ?? outbox, pollMs: 60_000, ...options });
  running.push(bus);
  const received: EventEnvelope[] = [];
  bus.subscribe((envelope) => received.push(envelope));
  return { bus, received };
}

async function target(answers: number[]): Promise<{ url: string; bodies: EventEnvelope[] }> {
  const bodies: EventEnvelope[] = [];
  const server: Server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    request.on('end', () => {
      bodies.push(JSON.parse(text) as EventEnvelope);
      response.statusCode = answers.shift() ?? 204;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  running.push({ stop: () => new Promise<void>((resolve) => server.close(() => resolve())) });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`, bodies };
}

const bound = () => accountEvent(detailTypes.bound, { appid: seedAppid(), tenantId: 'demo', at: new Date().toISOString(), actor: 'user-1' });

describe('the local event bus', () => {
  it('POSTs each event to EVENT_TARGET_URL as its EventBridge envelope', async () => {
    // Prepare
    const { url, bodies } = await target([]);
    const { bus } = start({ targetUrl: url });
    const event = bound();
    await outbox.publish(event);

    // Act
    await bus.drain();

    // Assess
    expect(bodies.filter((body) => body.detail.eventId === event.eventId)).toEqual([
      {
        version: '0',
        id: expect.any(String),
        source: 'oa-hub',
        'detail-type': 'Account Bound',
        account: expect.any(String),
        time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
        region: expect.any(String),
        resources: [],
        detail: event.detail,
      },
    ]);
  });

  it('redelivers an event whose target failed past its retry time, with the same eventId', async () => {
    // Prepare
    const { url, bodies } = await target([500, 500, 500, 500, 500, 500, 500, 500, 500, 500]);
    const { bus } = start({ targetUrl: url, targetRetryMs: 150 });
    const event = bound();
    await outbox.publish(event);
    await expect(bus.drain()).rejects.toThrow(/stay pending/);

    // Act
    let delivered = 0;
    for (let pass = 0; pass < 20 && delivered === 0; pass += 1) delivered = await bus.drain().catch(() => 0);

    // Assess
    const ids = bodies.map((body) => body.detail.eventId);
    expect({
      allSame: ids.every((id) => id === event.eventId),
      attempts: ids.length > 1,
      finallyTaken: delivered > 0,
      pending: (await outbox.pending({ limit: 100 })).some((entry) => entry.event.eventId === event.eventId),
    }).toEqual({
      allSame: true,
      attempts: true,
      finallyTaken: true,
      pending: false,
    });
  });

  it('redelivers, with the same eventId, an event the relay published but died before forgetting', async () => {
    // Prepare: the first relay "crashes" between the bus and the outbox (its `done` never happens).
    const crashing: PendingEvents = { pending: (options) => outbox.pending(options), done: async () => Promise.reject(new Error('crashed')) };
    const first = start({ outbox: crashing });
    const event = bound();
    await outbox.publish(event);
    await first.bus.drain().catch(() => undefined);
    await first.bus.stop();

    // Act: the next relay (the next start) reads the outbox again.
    const second = start();
    await second.bus.drain();

    // Assess
    expect({
      firstPublished: first.received.some((envelope) => envelope.detail.eventId === event.eventId),
      second: second.received.map((envelope) => envelope.detail.eventId).filter((id) => id === event.eventId),
      pending: (await outbox.pending({ limit: 100 })).length,
    }).toEqual({ firstPublished: true, second: [event.eventId], pending: 0 });
  });
});
