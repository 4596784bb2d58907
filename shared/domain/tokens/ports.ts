/**
 * What the token use cases need from outside: storage (the DynamoDB adapters `component-store.ts`,
 * `authorizer-token-store.ts`, `lease.ts`, `token-due-index.ts` in `shared/adapters/dynamodb/`) and the
 * parts of the WeChat client they call. The unit tests replace them. Tokens, tickets and refresh
 * tokens are secrets: never log or return them (the access token only to the caller that needs it).
 */
import type { AccountRecord, AccountStatus, AuthorizerTokens } from '#shared/domain/accounts/model.ts';
import type {
  AuthorizerListResult,
  AuthorizerTokenRequest,
  AuthorizerTokenResult,
  ComponentTokenRequest,
  ComponentTokenResult,
  StartPushTicketRequest,
  StartPushTicketResult,
  TokenSource,
} from '#shared/wechat/api-types.ts';

// --- The lease ---------------------------------------------------------------------------------

/**
 * A lease: "I am the one refreshing this token until `ttlMs` from now". Exactly one caller holds it at
 * a time across every Lambda instance, so a token is refreshed once instead of by every caller that
 * saw it due (WeChat invalidates the previous token on every refresh; WECHAT.md §8).
 *
 * The lease lives on the item it protects (`leaseOwner` / `leaseUntil` attributes), so the component
 * token (`COMPONENT#<appid>` / `TOKEN`) and each authorizer token (`ACCOUNT#<appid>` / `TOKEN`) use
 * the same contract. A holder that dies simply lets it lapse.
 */
export interface LeaseKey {
  pk: string;
  sk: string;
}

export interface Lease {
  /** True when `owner` now holds the lease: it was free, had lapsed, or `owner` already held it. */
  tryAcquire(key: LeaseKey, owner: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up if `owner` still holds it; otherwise does nothing. */
  release(key: LeaseKey, owner: string): Promise<void>;
}

// --- The component's ticket and token ----------------------------------------------------------

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

/** The part of the WeChat client the component token needs. */
export interface ComponentTokenApi {
  componentToken(request: ComponentTokenRequest): Promise<ComponentTokenResult>;
  startPushTicket(request: StartPushTicketRequest): Promise<StartPushTicketResult>;
}

// --- Authorizer tokens -------------------------------------------------------------------------

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
  /** ISO; the token may have been superseded by a late WeChat call: due for a new mint from then (`refresh-margin.ts`). */
  verifyAfter?: string;
}

/** Tokens as a refresh stores them: `verifyAfter` (ISO) when the mint may have been superseded (`AUTHORIZER_VERIFY_AFTER_MS`). */
export interface StoredAuthorizerTokens extends AuthorizerTokens {
  verifyAfter?: string;
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
   * its refresh token works. The due index lists the token at its refresh moment, or at `verifyAfter`
   * when that comes first; a token stored without `verifyAfter` ends an earlier one.
   */
  save(
    appid: string,
    tokens: StoredAuthorizerTokens,
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

/** The part of the WeChat client the authorizer tokens need. */
export interface AuthorizerTokenApi {
  authorizerToken(component: TokenSource, request: AuthorizerTokenRequest): Promise<AuthorizerTokenResult>;
  getAuthorizerList(component: TokenSource, request: { componentAppId: string; offset: number; count: number }): Promise<AuthorizerListResult>;
}

// --- The due index: the scheduled refresh and the reconciliation --------------------------------

/** An authorizer TOKEN item as the due index lists it (the index projects the whole item). */
export interface DueToken {
  appid: string;
  /** The index sort key it was listed under: the claim succeeds only while the item still has it. */
  dueKey: string;
  accessToken?: string;
  expiresAt?: string;
  refreshToken?: string;
  /** WeChat refused the refresh token and its recovery was requested (`token-recovery.ts`). */
  recovery?: RecoveryMark;
  /** ISO; listed for this moment rather than its refresh moment (`dueAtOf`): not to be minted before it. */
  verifyAfter?: string;
}

export interface DuePage {
  tokens: DueToken[];
  /** Absent on the shard's last page. */
  cursor?: unknown;
}

export type ClaimOutcome = 'claimed' | 'busy' | 'changed';

export interface DueIndex {
  readonly shards: readonly string[];
  /** Tokens of `shard` due at or before `dueBy` (ISO), oldest first. */
  page(shard: string, dueBy: string, cursor?: unknown): Promise<DuePage>;
  /**
   * Takes the refresh lease of the token for `ttlMs`, only if no one holds it and the TOKEN item is
   * still the one listed (`changed`: refreshed, revoked or unbound since the index listed it).
   */
  claim(token: DueToken, owner: string, ttlMs: number): Promise<ClaimOutcome>;
}

export interface ActiveAccountIndex {
  readonly shards: readonly string[];
  /** Every active account's TOKEN item of the shard, a page at a time. */
  allTokens(shard: string, cursor?: unknown): Promise<DuePage>;
  repairRefreshToken(appid: string, seen: string, listed: string, at: string): Promise<boolean>;
}

export interface ReconciliationWeChat {
  /** One page of `api_get_authorizer_list`. */
  authorizerList(offset: number, count: number): Promise<AuthorizerListResult>;
  /** True when WeChat still has the account's authorization; false on 61003. */
  stillAuthorized(appid: string): Promise<boolean>;
  /** `api_authorizer_token` with a listed refresh token: the tokens, or what WeChat said (61023 refused, 61003 revoked). */
  mint(appid: string, refreshToken: string): Promise<AuthorizerTokens | 'refused' | 'revoked'>;
}

/** The accounts the hub holds in other statuses than active, as the reconciliation sees them. */
export interface HeldAccounts {
  /** The status of each of `appids` the hub holds (absent: not held). */
  statusesOf(appids: readonly string[]): Promise<Map<string, AccountStatus>>;
  /** `reauthorization_required` → `active` with `tokens`; the account as it was, or undefined when it no longer waited. */
  markRestored(appid: string, tokens: AuthorizerTokens, at: string): Promise<AccountRecord | undefined>;
}
