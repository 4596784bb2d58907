/**
 * Where an account's authorizer tokens are kept, as the token use case sees them. The access token
 * and the refresh token are secrets: never log or return the refresh token, and the access token
 * only to the caller that needs it.
 */
import type { AccountStatus, AuthorizerTokens } from '#shared/domain/accounts/model.ts';
import type { LeaseKey } from '#shared/domain/tokens/lease.ts';

/** The account's status together with whatever its TOKEN item holds (a revoked account holds none). */
export interface AuthorizerTokenState {
  status: AccountStatus;
  accessToken?: string;
  /** ISO. */
  expiresAt?: string;
  refreshToken?: string;
  /** The tenant whose audit trail records what happens to the account. */
  ownerTenantId?: string;
  /** WeChat refused the refresh token (61023) and a background recovery is under way (`token-recovery.ts`). */
  recovery?: RecoveryMark;
}

/** A recovery under way: when it was (last) requested, and how far it paged WeChat's authorizer list. */
export interface RecoveryMark {
  /** ISO. */
  requestedAt: string;
  /** The list offset to resume from (the checkpoint). */
  offset: number;
}

export interface AuthorizerTokenStore {
  /** Strongly consistent; undefined when the hub has no such account. */
  read(appid: string): Promise<AuthorizerTokenState | undefined>;
  /**
   * Stores freshly minted tokens and puts the account back on the refresh schedule — only while
   * `leaseOwner` holds the lease, the account is active and the stored refresh token is still
   * `replacedRefreshToken` (a re-authorization that stored a newer one meanwhile wins). False when
   * any of these no longer holds. With `releaseLease` the same write gives the lease up (one request
   * instead of two: the scheduled refresh counts its requests). A stored token ends any recovery mark:
   * its refresh token works.
   */
  save(
    appid: string,
    tokens: AuthorizerTokens,
    refreshedAt: string,
    guard: { leaseOwner: string; replacedRefreshToken: string | undefined; releaseLease?: boolean },
  ): Promise<boolean>;
  /** Marks the access token expired at `at`, only if it is still `used`. True when it did. */
  expire(appid: string, used: string, at: string): Promise<boolean>;
  leaseKey(appid: string): LeaseKey;
}

/** What WeChat's answers about an account's authorization change about its status. */
export interface AccountStatusChanges {
  /** WeChat refuses the refresh token for good: the account stays, off the refresh schedule, until an admin re-authorizes. */
  markReauthorizationRequired(appid: string, at: string): Promise<void>;
  /** WeChat says the account no longer authorizes the platform (61003, or an `unauthorized` push). */
  markRevoked(appid: string, at: string): Promise<void>;
}

/**
 * The recovery mark on an account's TOKEN item (`token-recovery.ts`): set by the request that met
 * 61023, the checkpoint of the background recovery, ended by a stored token, a status change, or
 * `clear`.
 */
export interface RecoveryMarks {
  /**
   * Marks the account as needing recovery, unless a recovery requested after `staleBefore` (ISO) is
   * still under way. `marked`: this caller set (or renewed) it and queues the job; `pending`: one is
   * under way. A renewed mark keeps its checkpoint, so the new job resumes where the old one stopped.
   */
  markPending(appid: string, at: string, staleBefore: string): Promise<'marked' | 'pending'>;
  /** Stores how far the list was paged; nothing when the mark is gone meanwhile. */
  checkpoint(appid: string, offset: number): Promise<void>;
  /** Ends the mark (the refresh token was replaced by someone else meanwhile). */
  clear(appid: string): Promise<void>;
}

