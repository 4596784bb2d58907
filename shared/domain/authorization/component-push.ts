/**
 * What the hub does with a verified push to the authorization-event URL (DESIGN.md §3, "Ticket and
 * authorization pushes"). Every push is at-least-once: WeChat retries, so each step is idempotent.
 *
 * - `component_verify_ticket`: keep it unless a newer one (by CreateTime) is already stored;
 * - `authorized` / `updateauthorized`: remember the authorization code for an hour (the redirect
 *   callback normally binds; the code lets the hub recover when the browser never came back), record
 *   the event once, then let the account use cases react;
 * - `unauthorized`: record the event once, then let the account use cases mark the account revoked;
 * - anything else: nothing to do (WeChat also pushes mini-program InfoTypes here).
 */
import type { ComponentPush } from '#shared/wechat/messages.ts';

export type AuthorizationPush = Extract<ComponentPush, { infoType: 'authorized' | 'updateauthorized' | 'unauthorized' }>;

export interface TicketSink {
  saveTicket(ticket: { ticket: string; createTime: number }): Promise<unknown>;
}

export interface AuthorizationEventLog {
  /** Stores the event keyed by (appid, InfoType, CreateTime); false when it was stored before. */
  recordOnce(push: AuthorizationPush, receivedAt: string): Promise<boolean>;
  /** Removes the record again, so that WeChat's retry of a push whose reaction failed runs it anew. */
  forget(push: AuthorizationPush): Promise<void>;
  /** Keeps the newest authorization code of an account until it expires (at most an hour). */
  rememberCode(appid: string, code: { code: string; createTime: number; expiresAt: number }): Promise<void>;
}

/** The account use cases that react to authorization changes (binding, revocation). */
export interface AuthorizationReactions {
  authorized(push: Extract<AuthorizationPush, { infoType: 'authorized' | 'updateauthorized' }>): Promise<void>;
  unauthorized(push: Extract<AuthorizationPush, { infoType: 'unauthorized' }>): Promise<void>;
}

export interface ComponentPushDeps {
  tickets: TicketSink;
  events: AuthorizationEventLog;
  reactions: AuthorizationReactions;
  now: () => Date;
}

export type PushOutcome = 'ticket_stored' | 'recorded' | 'duplicate' | 'ignored';

/**
 * Runs the reaction for the first delivery of a push only. The record is claimed first (so that
 * concurrent retries do not react twice) and released when the reaction fails, so the failure
 * reaches WeChat as a 5xx and its next retry reacts again instead of being taken for a duplicate.
 */
async function reactOnce(push: AuthorizationPush, deps: ComponentPushDeps, react: () => Promise<void>): Promise<PushOutcome> {
  const isNew = await deps.events.recordOnce(push, deps.now().toISOString());
  if (!isNew) return 'duplicate';
  try {
    await react();
  } catch (error) {
    await deps.events.forget(push);
    throw error;
  }
  return 'recorded';
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
      return reactOnce(push, deps, () => deps.reactions.authorized(push));
    }
    case 'unauthorized':
      return reactOnce(push, deps, () => deps.reactions.unauthorized(push));
    default:
      return 'ignored';
  }
}
