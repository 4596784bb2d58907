/**
 * What the message-log use cases need (`message-log.ts`, `message-console.ts`): the log in the table
 * (`shared/adapters/dynamodb/message-log.ts`, which writes each new push and its outbox entry in one
 * transaction) and who holds an account (`push-audience.ts` there).
 */
import type { WeChatPush } from '#shared/domain/events/model.ts';

export type PushType = 'message' | 'event';

export interface MessageLog {
  /**
   * Stores the push under its eventId with its outbox entry for the bus, both or neither, until
   * `expiresAt` (unix seconds); `duplicate` when that eventId is stored already (WeChat's retry).
   */
  record(push: WeChatPush, expiresAt: number): Promise<'recorded' | 'duplicate'>;
}

export interface MessagePageRequest {
  type?: PushType;
  limit: number;
  cursor?: string;
}

export interface MessageReads {
  /** The account's pushes newest first (one Query), those not expired at `nowSeconds` only. */
  page(appid: string, request: MessagePageRequest, nowSeconds: number): Promise<{ messages: WeChatPush[]; nextCursor: string | null }>;
}

/** The tenants that hold an account, as a push is published to them. */
export interface PushHolders {
  ownerTenantId: string;
  sharedTenantIds: string[];
}

export interface PushAudience {
  /** The tenants holding the account (any status but `unbound`); undefined when no tenant does. */
  holders(appid: string): Promise<PushHolders | undefined>;
  /** The follower's unionid, when the hub knows it. */
  unionidOf(appid: string, openid: string): Promise<string | undefined>;
}
