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
}

export interface AuthorizerTokenStore {
  /** Strongly consistent; undefined when the hub has no such account. */
  read(appid: string): Promise<AuthorizerTokenState | undefined>;
  /**
   * Stores freshly minted tokens and puts the account back on the refresh schedule — only while
   * `leaseOwner` holds the lease, the account is active and the stored refresh token is still
   * `replacedRefreshToken` (a re-authorization that stored a newer one meanwhile wins). False when
   * any of these no longer holds. With `releaseLease` the same write gives the lease up (one request
   * instead of two: the scheduled refresh counts its requests).
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
