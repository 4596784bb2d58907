/**
 * What the sharing use cases need from storage. The DynamoDB implementations are
 * `shared/adapters/dynamodb/share-codes.ts`, `shared-links.ts` and `redemption-attempts.ts`; every invariant that spans items (a code is spent
 * once and creates one link; a tenant holds one link per account; the failure budget) lives in its
 * conditional writes, never in a read before them.
 */
import type { AccountReads } from '#shared/domain/accounts/ports.ts';

/** A share code as stored: never the code, only its SHA-256. */
export interface ShareCodeRecord {
  codeHash: string;
  appid: string;
  ownerTenantId: string;
  includePayment: boolean;
  createdAt: string;
  /** ISO; a code past it is invalid even while the item waits for DynamoDB's TTL. */
  expiresAt: string;
  spentAt?: string;
  spentBy?: string;
}

export interface NewShareCodes {
  appid: string;
  ownerTenantId: string;
  createdBy: string;
  includePayment: boolean;
  codeHashes: readonly string[];
  createdAt: string;
  expiresAt: string;
}

export interface Redemption {
  codeHash: string;
  tenantId: string;
  appid: string;
  ownerTenantId: string;
  includePayment: boolean;
  at: string;
}

/**
 * - `redeemed`: the code is spent and the recipient's link exists;
 * - `code_gone`: spent, revoked or expired under the request (or by a concurrent redemption);
 * - `already_linked`: the tenant holds the account already; the code stays unspent;
 * - `account_changed`: the account is no longer active or no longer the code owner's.
 */
export type RedemptionResult = 'redeemed' | 'code_gone' | 'already_linked' | 'account_changed';

export interface ShareCodeStore extends AccountReads {
  /** Stores the hashes; `account_changed` (nothing stored) when the account is not active and the tenant's. */
  saveCodes(codes: NewShareCodes): Promise<'saved' | 'account_changed'>;
  findCode(codeHash: string): Promise<ShareCodeRecord | undefined>;
  /** Spends the code and creates the recipient's shared link in one transaction. */
  redeem(redemption: Redemption): Promise<RedemptionResult>;
}

/** The failure budget of a tenant's redemptions: a sliding window of reserved attempts. */
export interface RedemptionAttempts {
  /**
   * Reserves one attempt in the tenant's window, or says how long until the oldest attempt leaves
   * it when `limit` attempts are already in the window.
   */
  reserve(
    tenantId: string,
    attemptId: string,
    now: Date,
    budget: { limit: number; windowMs: number },
  ): Promise<{ reserved: true } | { reserved: false; retryAfterSeconds: number }>;
  /** Gives an attempt back: it did not fail (a success, an own code, an account already held). */
  forgive(tenantId: string, attemptId: string): Promise<void>;
}

export interface Share {
  tenantId: string;
  linkedAt: string;
  includePayment: boolean;
  /** The recipient's communities linked to the account or to its payment interface. */
  communities: number;
}

export interface ShareStore extends AccountReads {
  /** The recipients of an account with their community counts. */
  shares(appid: string): Promise<Share[]>;
  /** Deletes every unused code of the account; how many. */
  deleteUnusedCodes(appid: string): Promise<number>;
  /** The tenants the account is shared with. */
  recipients(appid: string): Promise<string[]>;
  /**
   * Removes the recipient's link, its department grants of the account, and its communities' links
   * to the account and its payment interface. `not_shared` when the tenant holds no shared link.
   */
  revokeRecipient(appid: string, tenantId: string): Promise<{ result: 'revoked' | 'not_shared'; communitiesUnlinked: number }>;
}
