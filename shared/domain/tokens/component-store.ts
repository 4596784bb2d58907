/**
 * Where the component's ticket and token are kept. Both are secrets: never log or return them.
 */
import type { LeaseKey } from '#shared/domain/tokens/lease.ts';

export interface ComponentTicket {
  /** `ComponentVerifyTicket` (`ticket@@@…`). */
  ticket: string;
  /** The push's `CreateTime`, unix seconds: WeChat's clock, the ticket's age is measured from it. */
  createTime: number;
  /** When the hub received the push, ISO. */
  receivedAt: string;
}

export interface ComponentToken {
  token: string;
  /** ISO; WeChat's `expires_in` counted from just before the request that minted the token. */
  expiresAt: string;
  refreshedAt?: string;
}

export interface ComponentStore {
  /**
   * Keeps `ticket` if it is newer than the stored one. False when a ticket with the same or a later
   * `CreateTime` is already stored (a repeated or late push), which changes nothing.
   */
  saveTicket(componentAppId: string, ticket: ComponentTicket): Promise<boolean>;
  latestTicket(componentAppId: string): Promise<ComponentTicket | undefined>;
  /** Strongly consistent: a caller that just won the lease must see a refresh that just finished. */
  readToken(componentAppId: string): Promise<ComponentToken | undefined>;
  /**
   * Stores a freshly minted token, only while `leaseOwner` still holds the token lease, so a refresher
   * whose lease lapsed cannot overwrite a newer token. False when the lease was lost.
   */
  saveToken(componentAppId: string, token: ComponentToken, leaseOwner: string): Promise<boolean>;
  /** Marks the token expired at `at`, only if the stored token is still `used`. True when it did. */
  expireToken(componentAppId: string, used: string, at: string): Promise<boolean>;
  /** The lease guarding the token refresh. */
  tokenLeaseKey(componentAppId: string): LeaseKey;
  /** The lease guarding `api_start_push_ticket`. */
  pushTicketLeaseKey(componentAppId: string): LeaseKey;
}
