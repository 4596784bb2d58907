/**
 * How a use case hands a lifecycle event to the outbox: right after its change is stored (the
 * changes that cause lifecycle events are each one conditional write or transaction of another
 * area's adapter; the event follows it). The outbox write failing does not undo nor fail the change
 * — it is logged (`Could not store a lifecycle event`), and that occurrence reaches no subscriber:
 * the one gap of "right after", kept small by the write being a single PutItem. WeChat pushes have
 * no such gap: their log item and outbox entry are one transaction (`message-log.ts`).
 *
 * Call sites (API.md §6): `Account Bound`/`Account Reauthorized` in `binding/complete-authorization.ts`
 * and (by push) `accounts/authorization-changes.ts`; `Account Revoked` in `authorization-changes.ts`
 * and `accounts/unbind.ts`; `Account Unbound` in `unbind.ts`; `Account Shared` in
 * `sharing/redeem-share-code.ts`; `Share Revoked` in `sharing/shares.ts` and (release) `unbind.ts`;
 * `Fan Sync Finished` in `fans/sync.ts`; `WeChat User Authorized` in `oauth/callback.ts` (through its
 * `OAuthEvents` port, which `shared/wiring/oauth.ts` points at the outbox).
 */
import type { BusEvent } from '#shared/domain/events/model.ts';
import type { EventOutbox } from '#shared/domain/events/ports.ts';

export async function publishAfter(
  outbox: EventOutbox | undefined,
  event: BusEvent,
  log?: { error(message: string, fields?: Record<string, unknown>): void },
): Promise<void> {
  if (!outbox) return;
  try {
    await outbox.publish(event);
  } catch (error) {
    log?.error('Could not store a lifecycle event for the bus', {
      detailType: event.detailType,
      eventId: event.eventId,
      appid: event.appid,
      error: error instanceof Error ? error.name : String(error),
    });
  }
}

/** `{ id, name }` of granted permission sets, as `Account Bound`/`Reauthorized` carry them. */
export { permissionSetNames } from '#shared/wechat/permission-sets.ts';
