/**
 * The pieces of the event bus that need no table: the eventId formula (API.md §6), the XML tree the
 * `fields` come from, the relay's at-least-once rule and the EventBridge adapter's failed entries.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { eventBridgeBus, type PutEventsEntry } from '#shared/adapters/events/event-bus.ts';
import { accountEvent, detailTypes, type BusEvent } from '#shared/domain/events/model.ts';
import type { PendingEvent } from '#shared/domain/events/ports.ts';
import { OutboxRelay } from '#shared/domain/events/relay.ts';
import { eventIdOf } from '#shared/domain/messages/wechat-push.ts';
import { parseXmlTree } from '#shared/wechat/xml.ts';

const event = (n: number): BusEvent =>
  accountEvent(detailTypes.bound, { appid: 'wx00000000000000a1', tenantId: 't', at: `2026-12-05T08:00:0${n}.000Z`, actor: 'u' });
const pending = (n: number): PendingEvent => ({ event: event(n), ref: { pk: 'OUTBOX#0', sk: String(n) }, storedAt: '2026-12-05T08:00:00.000Z' });

describe('the eventId of a push', () => {
  it('is msg:<appid>:<MsgId> for a message', () => {
    // Act / Assess
    expect(
      eventIdOf(
        'wxa',
        parseXmlTree('<xml><FromUserName>o</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>x</Content><MsgId>123</MsgId></xml>'),
      ),
    ).toBe('msg:wxa:123');
  });

  it('is evt: and the SHA-256 of appid|FromUserName|CreateTime|Event|EventKey for an event, an absent EventKey counting as empty', () => {
    // Act
    const id = eventIdOf(
      'wxa',
      parseXmlTree('<xml><FromUserName>o</FromUserName><CreateTime>17</CreateTime><MsgType>event</MsgType><Event>LOCATION</Event></xml>'),
    );

    // Assess
    expect(id).toBe(`evt:${createHash('sha256').update('wxa|o|17|LOCATION|').digest('hex')}`);
  });
});

describe('the XML tree of a push', () => {
  it('keeps nested elements as objects and repeated ones as arrays, leaf text as sent', () => {
    // Act
    const tree = parseXmlTree('<xml><A><B> 1 </B><C><item>x</item><item>y</item></C></A><D/></xml>');

    // Assess
    expect(tree).toEqual({ A: { B: ' 1 ', C: { item: ['x', 'y'] } }, D: '' });
  });

  it('never lets an element named __proto__ reach an object prototype', () => {
    // Act
    let tree: unknown;
    try {
      tree = parseXmlTree('<xml><Data><__proto__><polluted>yes</polluted></__proto__></Data></xml>');
    } catch {
      tree = 'refused';
    }

    // Assess
    expect({
      polluted: ({} as Record<string, unknown>).polluted,
      proto: tree === 'refused' || Object.getPrototypeOf((tree as { Data: object }).Data) === Object.prototype,
    }).toEqual({ polluted: undefined, proto: true });
  });

  it('refuses a top-level element that appears twice', () => {
    // Act / Assess
    expect(() => parseXmlTree('<xml><MsgType>text</MsgType><MsgType>event</MsgType></xml>')).toThrow(/more than once/);
  });
});

describe('the outbox relay', () => {
  it('forgets only the entries the bus took', async () => {
    // Prepare
    const forgotten: string[] = [];
    const relay = new OutboxRelay({
      outbox: { pending: async () => [pending(1), pending(2)], done: async (refs) => void forgotten.push(...refs.map((ref) => ref.sk)) },
      bus: { put: async (events) => ({ failed: [events[1]!.eventId] }) },
    });

    // Act
    const outcome = await relay.drain();

    // Assess
    expect({ forgotten, failed: outcome.failed }).toEqual({ forgotten: ['1'], failed: [event(2).eventId] });
  });

  it('forgets nothing while the bus is unreachable', async () => {
    // Prepare
    const forgotten: string[] = [];
    const relay = new OutboxRelay({
      outbox: { pending: async () => [pending(1)], done: async (refs) => void forgotten.push(...refs.map((ref) => ref.sk)) },
      bus: { put: async () => Promise.reject(new Error('down')) },
    });

    // Act
    const outcome = await relay.drain();

    // Assess
    expect({ forgotten, published: outcome.published }).toEqual({ forgotten: [], published: 0 });
  });
});

describe('the EventBridge adapter', () => {
  it('puts each event with source oa-hub and its detail-type, and reports the entries EventBridge failed', async () => {
    // Prepare
    const sent: PutEventsEntry[][] = [];
    const bus = eventBridgeBus({
      busName: 'oa-hub-events',
      client: async () => ({
        putEvents: async (entries) => {
          sent.push(entries);
          return { FailedEntryCount: 1, Entries: [{ EventId: 'e1' }, { ErrorCode: 'InternalFailure' }] };
        },
      }),
    });

    // Act
    const outcome = await bus.put([event(1), event(2)]);

    // Assess
    expect({ entry: { ...sent[0]![0]!, Detail: JSON.parse(sent[0]![0]!.Detail) }, failed: outcome.failed }).toEqual({
      entry: {
        Source: 'oa-hub',
        DetailType: 'Account Bound',
        EventBusName: 'oa-hub-events',
        Time: new Date(event(1).at),
        Resources: [],
        Detail: event(1).detail,
      },
      failed: [event(2).eventId],
    });
  });
});
