/**
 * The event bus's outage (issue 17 item 9; the bus itself is issue 13): API.md §2 promises that
 * nothing the hub answered `200` to is lost — an account's message or event is stored before WeChat
 * gets its answer and published from there, even if the bus is down then. The scenario, once the
 * bus exists: the bus refuses every publish while WeChat pushes follow events and messages (each
 * delivered twice), then recovers; figures from the pushes the test issued against the events the
 * bus received (lost = a pushed eventId never published, duplicated = one published twice).
 */
import { describe, it } from 'vitest';

describe('the event bus down while WeChat pushes', () => {
  it.todo('publishes every pushed event exactly once after the bus recovers (bus outage: needs the event bus, issue 13)');
});
