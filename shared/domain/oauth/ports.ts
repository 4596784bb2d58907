/**
 * What web authorization (代公众号网页授权) and the JS-SDK config need from the outside world, as
 * small interfaces: the DynamoDB adapters (`shared/adapters/dynamodb/oauth-*.ts`,
 * `jsapi-tickets.ts`) implement them, the WeChat client is adapted in `shared/wiring/oauth.ts`, and
 * the unit tests replace them.
 */
import type { AccountStatus, LinkRole } from '#shared/domain/accounts/model.ts';
import type { LeaseKey } from '#shared/domain/tokens/ports.ts';

export type OAuthScope = 'snsapi_base' | 'snsapi_userinfo';

/** API.md §3 `OAuthUser`: what the page's back end learns, once, for its one-time code. */
export interface OAuthUser {
  appid: string;
  tenantId: string;
  openid: string;
  unionid?: string;
  scope: OAuthScope;
  user?: { nickname?: string; headImgUrl?: string; sex?: number; province?: string; city?: string; country?: string };
}

/** A tenant's allowed origins (`GET/PUT /v1/oauth/origins`), normalized (`origins.ts`). */
export interface OAuthOriginStore {
  /** Strongly consistent: the answer to a PUT shows what it wrote. Empty when none were set. */
  get(tenantId: string): Promise<string[]>;
  /** Replaces the list. */
  put(tenantId: string, origins: readonly string[], at: string): Promise<void>;
  /** The lists of several tenants at once (tenants without a list are absent). */
  ofTenants(tenantIds: readonly string[]): Promise<Map<string, string[]>>;
}

/** A tenant that holds the account, with the flag that picks the default scope. */
export interface AccountHolder {
  tenantId: string;
  role: LinkRole;
  plaintextAuthorization: boolean;
}

export interface OAuthAccountLookup {
  /** The account's status, or undefined when the hub has no such account. */
  status(appid: string): Promise<AccountStatus | undefined>;
  /** Every tenant linked to the account (owner and recipients). */
  holders(appid: string): Promise<AccountHolder[]>;
}

/** What the hub's `state` stands for while the visitor is on WeChat's page. Stored under its SHA-256. */
export interface OAuthStateRecord {
  appid: string;
  tenantId: string;
  /** The page to return to, as parsed and normalized (`origins.ts` `checkRedirect`). */
  redirectUri: string;
  /** The page's own `state`, echoed back to it. */
  pageState?: string;
  scope: OAuthScope;
  createdAt: string;
  /** ISO; TTL deletes late, so the reader checks it. */
  expiresAt: string;
}

export interface OAuthStates {
  save(state: string, record: OAuthStateRecord): Promise<void>;
  /** Deletes the state and returns what it stood for, exactly once; `undefined` for a second spend or an unknown state. */
  spend(state: string): Promise<OAuthStateRecord | undefined>;
}

export interface OAuthCodeRecord {
  user: OAuthUser;
  createdAt: string;
  expiresAt: string;
}

/** The hub's one-time codes, stored under their SHA-256. */
export interface OAuthCodes {
  save(code: string, record: OAuthCodeRecord): Promise<void>;
  /** Deletes the code and returns its record, exactly once. */
  spend(code: string): Promise<OAuthCodeRecord | undefined>;
}

/** What WeChat answers for a visitor's code (`sns/oauth2/component/access_token`, WECHAT.md §11.5). */
export interface VisitorGrant {
  openid: string;
  unionid?: string;
  /** The scopes WeChat granted, as it listed them. */
  scopes: string[];
  /** The visitor's web token: used once for `sns/userinfo`, never stored, returned or logged. */
  webAccessToken: string;
  snapshotUser: boolean;
}

export interface VisitorProfile {
  nickname?: string;
  headImgUrl?: string;
  sex?: number;
  province?: string;
  city?: string;
  country?: string;
  unionid?: string;
}

/** The WeChat side of web authorization, with the component token and appid already supplied. */
export interface OAuthWeChat {
  componentAppId(): Promise<string>;
  exchangeCode(appid: string, code: string): Promise<VisitorGrant>;
  userInfo(webAccessToken: string, openid: string): Promise<VisitorProfile>;
}

/** `WeChat User Authorized` (API.md §6): `OAuthUser` without `user`, plus `eventId` and `at`. */
export interface UserAuthorizedEvent extends Omit<OAuthUser, 'user'> {
  eventId: string;
  at: string;
}

/** Where a completed web authorization is announced: `shared/wiring/oauth.ts` puts it in the bus's outbox. */
export interface OAuthEvents {
  userAuthorized(event: UserAuthorizedEvent): Promise<void>;
}

/** An account's cached `jsapi_ticket` (a secret: never returned, never logged). */
export interface JsapiTicket {
  ticket: string;
  /** ISO. */
  expiresAt: string;
}

export interface JsapiTicketStore {
  /** Strongly consistent; undefined when none was stored. */
  read(appid: string): Promise<JsapiTicket | undefined>;
  /** Stores a fresh ticket and gives the lease up in the same write, only while `leaseOwner` holds it. False otherwise. */
  save(appid: string, ticket: JsapiTicket, leaseOwner: string, at: string): Promise<boolean>;
  leaseKey(appid: string): LeaseKey;
}
