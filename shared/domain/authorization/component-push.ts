/**
 * What the hub does with a verified push to the authorization-event URL (DESIGN.md §3, "Ticket and
 * authorization pushes") before it answers, inside WeChat's 5-second deadline. Every push is
 * at-least-once: WeChat retries, so each step is idempotent, and nothing answered `success` is lost.
 *
 * - `component_verify_ticket`: keep it unless a newer one (by CreateTime) is already stored;
 * - `authorized` / `updateauthorized`: remember the authorization code for an hour (the redirect
 *   callback normally binds; the code lets the hub recover when the browser never came back) and store
 *   the push as its event item (pending: the durable record). For an account the hub does not hold
 *   active or waiting for a re-authorization the push has nothing to do (binding is the redirect
 *   callback's): it is settled at once. Otherwise it is queued for the worker (`apply-push.ts`) and
 *   answered: applying it needs WeChat (`api_get_authorizer_info`, maybe `api_query_auth`), so that
 *   never runs before the answer. If the queue refuses the push after it was stored, the receipt fails
 *   (a 5xx, the push stays pending): WeChat sends the push again and that delivery queues it again.
 *   WeChat's retry of a push that is stored but not applied yet queues it again too; the worker
 *   applies it once (its claim and the settled event item), so the second message changes nothing;
 * - `unauthorized`: its effect is one conditional table write (the account `revoked`, with its audit
 *   line), so it is applied here, after its event item is stored: a failure leaves the item pending and
 *   reaches WeChat as a 5xx, and its retry applies it; the item is settled once it is applied;
 * - anything else: nothing to do (WeChat also pushes mini-program InfoTypes here).
 *
 * Late pushes change nothing: a push older (by `CreateTime`, WeChat's clock) than the account's current
 * authorization — the newest `authorized` / `updateauthorized` push stored for it — is recorded and
 * settled `stale`, never applied. So WeChat's late retry of an `unauthorized` that an admin's new
 * consent superseded leaves the account active. Only WeChat's clock is compared with `CreateTime`,
 * never the hub's: an account whose authorization push never reached the hub has no current
 * authorization to compare with, and every `unauthorized` for it applies.
 */
import type { ComponentPush } from '#shared/wechat/messages.ts';
import {
  pushKeyOf,
  type AuthorizationEventLog,
  type AuthorizationPush,
  type AuthorizationPushQueue,
  type AuthorizationReactions,
  type TicketSink,
} from '#shared/domain/authorization/ports.ts';

export type { AuthorizationPush } from '#shared/domain/authorization/ports.ts';

export interface ComponentPushDeps {
  tickets: TicketSink;
  events: AuthorizationEventLog;
  queue: AuthorizationPushQueue;
  reactions: Pick<AuthorizationReactions, 'holds' | 'unauthorized'>;
  now: () => Date;
}

export type PushOutcome = 'ticket_stored' | 'queued' | 'applied' | 'stale' | 'duplicate' | 'ignored';

/** Whether a push is older than the account's current authorization (both on WeChat's clock). */
export async function isStale(push: { appid: string; createTime: number }, events: Pick<AuthorizationEventLog, 'currentAuthorization'>): Promise<boolean> {
  const current = await events.currentAuthorization(push.appid);
  return current !== undefined && push.createTime < current;
}

export async function handleComponentPush(push: ComponentPush, deps: ComponentPushDeps): Promise<PushOutcome> {
  switch (push.infoType) {
    case 'component_verify_ticket':
      await deps.tickets.saveTicket({ ticket: push.ticket, createTime: push.createTime });
      return 'ticket_stored';
    case 'authorized':
    case 'updateauthorized': {
      await deps.events.rememberCode(push.authorizerAppid, {
        code: push.authorizationCode,
        createTime: push.createTime,
        expiresAt: Math.min(push.authorizationCodeExpiresAt, push.createTime + 3600),
      });
      if ((await deps.events.receive(push, deps.now().toISOString())) === 'settled') return 'duplicate';
      const key = pushKeyOf(push);
      if (!(await deps.reactions.holds(push.authorizerAppid))) {
        await deps.events.settle(key, 'applied', deps.now().toISOString());
        return 'ignored';
      }
      await deps.queue.send(key);
      return 'queued';
    }
    case 'unauthorized':
      return applyRevocation(push, deps);
    default:
      return 'ignored';
  }
}

async function applyRevocation(push: Extract<AuthorizationPush, { infoType: 'unauthorized' }>, deps: ComponentPushDeps): Promise<PushOutcome> {
  if ((await deps.events.receive(push, deps.now().toISOString())) === 'settled') return 'duplicate';
  const key = pushKeyOf(push);
  if (await isStale(key, deps.events)) {
    await deps.events.settle(key, 'stale', deps.now().toISOString());
    return 'stale';
  }
  await deps.reactions.unauthorized(push);
  await deps.events.settle(key, 'applied', deps.now().toISOString());
  return 'applied';
}
