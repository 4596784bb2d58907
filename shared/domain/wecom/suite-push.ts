/**
 * Receipt of a verified WeCom push (`/v1/wecom/suite`, the provider's system-event URL), before the
 * hub answers `success` (WECOM.md §2: auth events within 1000 ms, so no WeCom call runs here):
 *
 * - `suite_ticket` of the hub's suite is stored (newest wins by `TimeStamp`, per suite) before the
 *   answer; a ticket of another suite is ignored;
 * - every other push the hub acts on is stored as a pending event item under a stable key and queued
 *   for `wecom-events-worker` (a repeated push finds its item: pending ones are queued again, settled
 *   ones change nothing);
 * - an InfoType the hub does not act on is answered `success` and ignored (§2.8).
 */
import { createHash } from 'node:crypto';
import type { SuiteTicketStore, WeComCallbackEvent, WeComEventLog, WeComEventQueue, WeComLog } from '#shared/domain/wecom/ports.ts';

export interface SuitePushDeps {
  tickets: SuiteTicketStore;
  events: WeComEventLog;
  queue: WeComEventQueue;
  suiteId: () => Promise<string>;
  now: () => Date;
  log: WeComLog;
}

export type SuitePushOutcome = 'ticket_saved' | 'ticket_stale' | 'foreign_suite' | 'queued' | 'duplicate' | 'ignored';

/**
 * The key one occurrence of a push is stored and claimed by: the same for WeCom's retries of it,
 * different for another occurrence. A digest, so the auth code that distinguishes two `create_auth`
 * pushes is not written into a key.
 */
export function eventKeyOf(event: WeComCallbackEvent): string {
  const parts: unknown[] = Object.entries(event)
    .filter(([name]) => name !== 'fields')
    .sort(([a], [b]) => (a < b ? -1 : 1));
  if (event.infoType === 'change_contact') parts.push(Object.entries(event.fields).sort(([a], [b]) => (a < b ? -1 : 1)));
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

export async function handleSuitePush(event: WeComCallbackEvent, deps: SuitePushDeps): Promise<SuitePushOutcome> {
  if (event.infoType === 'other') {
    deps.log.info('WeCom push not acted on', { infoType: event.rawInfoType.slice(0, 64) });
    return 'ignored';
  }
  if (event.infoType === 'suite_ticket') {
    if (event.suiteId !== (await deps.suiteId())) {
      deps.log.warn('Ignored a suite_ticket of another suite');
      return 'foreign_suite';
    }
    const saved = await deps.tickets.saveTicket(event.suiteId, { ticket: event.suiteTicket, timeStamp: event.timeStamp, receivedAt: deps.now().toISOString() });
    return saved ? 'ticket_saved' : 'ticket_stale';
  }
  const eventKey = eventKeyOf(event);
  const receipt = await deps.events.receive(eventKey, event, deps.now().toISOString());
  if (receipt === 'settled') return 'duplicate';
  // A pending one is queued again: the first queueing may have failed after the item was stored.
  await deps.queue.send({ eventKey });
  return receipt === 'new' ? 'queued' : 'duplicate';
}
