/**
 * What the authorization-push use cases (`component-push.ts` at receipt, `apply-push.ts` in the
 * worker) need from storage, the work queue and the account area. The DynamoDB adapter is
 * `shared/adapters/dynamodb/authorization-events.ts`; the reactions are the account area's
 * (`shared/domain/accounts/authorization-changes.ts`).
 */
import type { ComponentPush } from '#shared/wechat/messages.ts';

export type AuthorizationPush = Extract<ComponentPush, { infoType: 'authorized' | 'updateauthorized' | 'unauthorized' }>;
export type GrantPush = Extract<AuthorizationPush, { infoType: 'authorized' | 'updateauthorized' }>;

/** One push, as its event item is keyed (WECHAT.md §3.4: appid, InfoType, CreateTime). */
export interface PushKey {
  appid: string;
  infoType: AuthorizationPush['infoType'];
  /** WeChat's `CreateTime`: unix seconds on WeChat's clock. */
  createTime: number;
}

export const pushKeyOf = (push: AuthorizationPush): PushKey => ({ appid: push.authorizerAppid, infoType: push.infoType, createTime: push.createTime });

/** How a push ended: applied to the account, or left alone because it was older than the account's authorization. */
export type PushSettlement = 'applied' | 'stale';

/** What storing a push found: a new push, one stored before but not settled yet, or one already settled. */
export type Receipt = 'new' | 'pending' | 'settled';

/** What taking a pending push for applying found. */
export type PushClaim =
  | { kind: 'claimed'; authorizationCode?: string }
  | { kind: 'settled' }
  /** Another delivery is applying it now (its lease has not passed). */
  | { kind: 'busy' }
  /** No event item: nothing the receiver stored. */
  | { kind: 'missing' };

export interface TicketSink {
  saveTicket(ticket: { ticket: string; createTime: number }): Promise<unknown>;
}

export interface AuthorizationEventLog {
  /**
   * Stores the push as its event item (pending), unless it was stored before; the durable record
   * the hub answers `success` on. The authorization code of a grant push is kept on the pending item
   * only (removed when it settles).
   */
  receive(push: AuthorizationPush, receivedAt: string): Promise<Receipt>;
  /** Takes a pending push for applying until `leaseUntil` (unix seconds), or says why not. */
  claim(key: PushKey, lease: { now: number; leaseUntil: number }): Promise<PushClaim>;
  /** Gives a claim up (the applying failed), so that the next delivery takes it at once. */
  release(key: PushKey): Promise<void>;
  /** Marks the push settled: from now on every delivery of it is a duplicate. */
  settle(key: PushKey, outcome: PushSettlement, at: string): Promise<void>;
  /**
   * The `CreateTime` of the newest `authorized` / `updateauthorized` push stored for the account:
   * when its current authorization began, on WeChat's clock. Undefined when none was stored.
   */
  currentAuthorization(appid: string): Promise<number | undefined>;
  /** Keeps the newest authorization code of an account until it expires (at most an hour). */
  rememberCode(appid: string, code: { code: string; createTime: number; expiresAt: number }): Promise<void>;
}

/** Where grant pushes wait for the worker (`authorization-push` queue). */
export interface AuthorizationPushQueue {
  send(key: PushKey): Promise<void>;
}

/** The account use cases that react to authorization changes (re-authorization, revocation). */
export interface AuthorizationReactions {
  /**
   * Whether a grant push of the account has work to do: the hub holds it active or waiting for a
   * re-authorization. Any other account is the redirect callback's to bind; its push changes nothing.
   */
  holds(appid: string): Promise<boolean>;
  authorized(push: { authorizerAppid: string; infoType: GrantPush['infoType']; authorizationCode?: string }): Promise<void>;
  unauthorized(push: { authorizerAppid: string }): Promise<void>;
}

export interface PushLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}
