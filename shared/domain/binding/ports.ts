/**
 * What the binding use cases need from the outside world, as small interfaces: the DynamoDB adapters
 * (`shared/adapters/dynamodb/account-store.ts`, `authorization-states.ts`) implement them, and the unit
 * tests replace them. Asking for a follower sync is the fans area's `FanSyncRequests` (`shared/domain/fans/ports.ts`).
 */
import type { AccountRecord, AuthorizerTokens, OpenPlatformChoice } from '#shared/domain/accounts/model.ts';
import type { AccountReads } from '#shared/domain/accounts/ports.ts';

/** What a `state` stands for while the admin is on WeChat's pages. Stored under the state's SHA-256, never the state. */
export interface AuthorizationState {
  tenantId: string;
  /** The console user who asked for the link: the actor of the audit trail. */
  userId: string;
  /** Present when the link re-authorizes one account (`biz_appid`). */
  appid?: string;
  /** What the admin chose when asking for the link, only as said: the callback applies the defaults (`complete-authorization.ts`). */
  choices?: BindingChoices;
  createdAt: string;
  /** ISO. TTL deletes late: whoever reads a state checks this itself. */
  expiresAt: string;
  /**
   * What the hub's authorization page (`GET /v1/wechat/authorize`) rebuilds WeChat's URL from, so
   * that URL is never taken from the browser. Absent on states stored before the page existed.
   */
  page?: AuthorizationPageRecord;
}

/** API.md §3: the options of `POST /v1/authorizations`, each absent when the request did not say. */
export interface BindingChoices {
  openPlatform?: OpenPlatformChoice;
  plaintextAuthorization?: boolean;
}

/** The WeChat side of one authorization link, as stored with its state (`authorization-page.ts`). */
export interface AuthorizationPageRecord {
  componentAppId: string;
  /** The pre-auth code sealed with a key derived from the state: the table alone cannot open it. */
  sealedPreAuthCode: string;
  /** ISO: when WeChat stops accepting the pre-auth code. */
  preAuthCodeExpiresAt: string;
}

export interface AuthorizationStates {
  save(state: string, record: AuthorizationState): Promise<void>;
  /** What the state stands for, without spending it; `undefined` once spent or never issued. */
  find(state: string): Promise<AuthorizationState | undefined>;
  /**
   * Deletes the state and returns what it stood for, exactly once: a second spend of the same state
   * (a reload, a replay, a race) gets `undefined`, as does a state that never existed.
   */
  spend(state: string): Promise<AuthorizationState | undefined>;
}

export type { AccountProfile } from '#shared/domain/accounts/profile.ts';
import type { AccountProfile } from '#shared/domain/accounts/profile.ts';

/**
 * How a binding is written, chosen from the account as last read. Each kind's write carries a
 * condition that holds only if the account is still as read, so a concurrent change makes the write
 * fail (`account_changed`) instead of breaking "one active owner".
 */
export type BindingPlan =
  /** No account item yet. */
  | { kind: 'new' }
  /** The tenant already owns the account (active, revoked or awaiting re-authorization): update it in place. */
  | { kind: 'reauthorize'; previous: AccountRecord }
  /**
   * The previous binding is over (`revoked` by another tenant, or `unbound` by anyone): a fresh
   * binding that replaces it; another owner's link goes in the same transaction.
   */
  | { kind: 'takeover'; previous: AccountRecord };

export interface BindingWrite {
  tenantId: string;
  plan: BindingPlan;
  profile: AccountProfile;
  tokens: AuthorizerTokens;
  /** ISO, the moment of this (re-)authorization. */
  at: string;
  /**
   * The quota of a tenant without its own (`TENANT_DEFAULT_ACCOUNT_QUOTA`); the tenant's own, set by
   * an operator (`shared/domain/tenants/`), is read by the write's condition on the settings item.
   */
  defaultQuota: number;
  /** The owner link's 明文授权 flag; absent: a re-authorized link keeps its own, a new link gets true. */
  plaintextAuthorization?: boolean;
}

/**
 * - `written`: account, tokens, link (and the tenant's count) are stored, all or nothing;
 * - `account_changed`: the account is no longer as the plan saw it (someone else bound it meanwhile): read again;
 * - `quota_exceeded`: the tenant already owns its maximum;
 * - `contended`: concurrent transactions on the same items; trying again may succeed.
 */
export type BindingWriteResult = 'written' | 'account_changed' | 'quota_exceeded' | 'contended';

/** Reads strongly consistent: a plan is made from the latest state. */
export interface AccountStore extends AccountReads {
  writeBinding(write: BindingWrite): Promise<BindingWriteResult>;
}

/** The WeChat calls of binding, with the component token and appid already supplied. */
export interface BindingWeChat {
  componentAppId(): Promise<string>;
  createPreAuthCode(): Promise<{ preAuthCode: string; expiresIn: number }>;
  /** `api_query_auth`. */
  queryAuth(authorizationCode: string): Promise<{
    appid: string;
    funcIds: number[];
    accessToken?: string;
    expiresIn?: number;
    refreshToken?: string;
  }>;
  /** `api_get_authorizer_info`. */
  getAuthorizerInfo(appid: string): Promise<Omit<AccountProfile, 'funcIds'> & { funcIds: number[] }>;
}
