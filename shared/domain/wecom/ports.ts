/**
 * The WeCom area (企业微信关联, API.md §7, WECOM.md): the hub's third-party app ("suite") installed in
 * one WeCom corp per tenant. This file holds the area's model (the API shapes `WeComCorp`,
 * `WeComCustomer`, `CustomerSyncJob`, the stored corp) and every port its use cases need: the corp
 * store, the suite ticket, the suite / provider / corp tokens, the install state, the queued
 * callback events, the encrypted secrets, the WeCom client, and the seams the customer sync fills
 * (`WeComCustomerChanges`, `WeComCorpData`).
 *
 * Secrets: the `permanent_code`, every token, every ticket, auth code and the mini program's secret
 * never leave the hub: no response, log line or event carries them. At rest the permanent code and
 * the mini program's secret are sealed (`SecretBox`: envelope encryption, KMS in AWS, a local key
 * file under `.local/` locally); tokens and tickets live as long as WeCom honours them and are kept
 * in plain on their items like the Official Account tokens.
 *
 * Table layout (the DynamoDB adapters are `shared/adapters/dynamodb/wecom*.ts`; every id is opaque and
 * case-sensitive, WECOM.md §0.2, never upper- or lower-cased):
 *
 * | pk | sk | holds |
 * |---|---|---|
 * | `WECOM_SUITE#<suiteId>` | `TICKET` | the newest `suite_ticket` by its `TimeStamp` (per suite) |
 * | `WECOM_SUITE#<suiteId>` | `TOKEN` | `suite_access_token` + its lease (`leaseOwner`, `leaseUntil`) |
 * | `WECOM_PROVIDER#<corpId>` | `TOKEN` | `provider_access_token` + its lease |
 * | `WECOM_CORP#<corpId>` | `CORP` | the installed corp (`StoredWeComCorp`, sealed permanent code) |
 * | `WECOM_CORP#<corpId>` | `TOKEN` | the corp's `access_token` + its lease |
 * | `WECOM_CORP#<corpId>` | `CUSTOMER#<externalUserId>` | a customer (the customer sync's; `WeComCustomer`) |
 * | `WECOM_CORP#<corpId>` | `SYNC#<jobId>` | a customer sync job (the customer sync's; `CustomerSyncJob`) |
 * | `WECOM_CORP#<corpId>` | `SYNC-RUNNING` | the corp's running customer sync (`jobId`): one per corp |
 * | `WECOM_CORP#<corpId>` | `SYNCSTEP#<jobId>#<hash of the step key>` | a recorded customer-sync step and the steps it sent; `ttl` 30 days |
 * | `WECOM_CORP#<corpId>` | `LINK#<unionid>#<appid>#<openid>` | a follower's link: `externalUserId` or `pendingId` |
 * | `WECOM_RATE#link#<corpId>` | `BUCKET` | the corp's `unionid_to_external_userid` token bucket, shared by every worker |
 * | `TENANT#<tenantId>` | `WECOM_CORP` | the tenant's one corp (`corpId`): one corp per tenant, written with the corp in one transaction |
 * | `TENANT#<tenantId>` | `WECOM_MINIPROGRAM` | the employee-marketing mini program's appid and sealed secret |
 * | `WECOM_STATE#<state>` | `STATE` | an install or registration state: tenant, user, purpose; `ttl` 30 min (install) / 24 h (register); spent once |
 * | `WECOM_EVENT#<eventKey>` | `EVENT` | a queued callback event: pending (with its claim lease) → settled; `ttl` 7 days |
 */
import type { Clock } from '#shared/domain/tokens/clock.ts';
import type { AuthInfoResult, ExternalContact, FollowInfo, PermanentCodeResult, VisibleRange, WeComTokenSource } from '#shared/wecom/api-types.ts';
import type { WeComCallbackEvent } from '#shared/wecom/messages.ts';
import type { LeaseKey } from '#shared/domain/tokens/ports.ts';

// --- The API shapes (API.md §7) ----------------------------------------------------------------

export type WeComAuthType = 'test' | 'live';
export type WeComCorpStatus = 'installed' | 'uninstalled';

export interface WeComCorp {
  /** Opaque, case-sensitive (an open_corpid). */
  corpId: string;
  corpName: string;
  status: WeComCorpStatus;
  installedAt: string;
  uninstalledAt?: string;
  authType: WeComAuthType;
  visibleRange: VisibleRange;
  /** The app holds 客户基础信息 in this corp. */
  customerPermission: boolean;
  customers?: { total: number; lastSyncAt?: string };
  /** Followers converted to external_userid / pending_id. */
  links?: { linked: number; pending: number; lastRunAt?: string };
}

export type CustomerSyncStatus = 'queued' | 'running' | 'paused_quota' | 'done' | 'failed';

export interface CustomerSyncJob {
  jobId: string;
  corpId: string;
  status: CustomerSyncStatus;
  members: number;
  customers: number;
  linked: number;
  pending: number;
  failed: number;
  startedAt: string;
  updatedAt: string;
  finishedAt?: string;
  error?: { code: string; message: string };
}

export interface WeComFollowUser {
  userId: string;
  remark?: string;
  addedAt: string;
  tagIds: string[];
  addWay?: number;
}

export interface WeComCustomer {
  externalUserId: string;
  name: string;
  type: 'wechat' | 'wecom';
  corpName?: string;
  gender?: number;
  avatar?: string;
  followUsers: WeComFollowUser[];
  /** The linked Official Account follower, when known. */
  follower?: { appid: string; openid: string; unionid: string };
  updatedAt: string;
  removedAt?: string;
}

// --- Sealed secrets ----------------------------------------------------------------------------

/**
 * A secret sealed by envelope encryption: a fresh data key per secret encrypts it with AES-256-GCM;
 * the data key itself is sealed by the master key (KMS `GenerateDataKey` in AWS, the local key file
 * locally), and the whole is bound to `context` (the item it belongs to), so a sealed value copied
 * onto another item does not open.
 */
export interface SealedSecret {
  /** Format version. */
  v: 1;
  /** Which master key sealed the data key (`kms:<key id>` or `local`). */
  keyId: string;
  /** The data key, sealed by the master key; base64. */
  encryptedKey: string;
  /** base64, 12 bytes. */
  iv: string;
  /** base64. */
  ciphertext: string;
  /** The GCM tag; base64, 16 bytes. */
  tag: string;
}

export interface SecretBox {
  seal(plaintext: string, context: Record<string, string>): Promise<SealedSecret>;
  /** Throws when `sealed` was not sealed with this `context` or was altered. */
  open(sealed: SealedSecret, context: Record<string, string>): Promise<string>;
}

// --- The stored corp ---------------------------------------------------------------------------

/** The corp as the table holds it: the API shape plus what only the hub sees. */
export interface StoredWeComCorp extends WeComCorp {
  tenantId: string;
  suiteId: string;
  /** Sealed with context `{ corpId, suiteId, purpose: 'permanent_code' }`. Never returned. */
  permanentCode: SealedSecret;
  /** The agent id of the app in the corp (`auth_info.agent[0].agentid`), when WeCom said. */
  agentId?: number;
  /** Who installed it: the console user, or `wecom:<open_userid>` for a marketplace install. */
  installedBy: string;
  updatedAt: string;
}

export type InstallOutcome =
  | { kind: 'installed'; corp: StoredWeComCorp }
  /** The same tenant installed the same corp again (re-install, repeated push): the corp is refreshed. */
  | { kind: 'reinstalled'; corp: StoredWeComCorp }
  /** Another tenant holds this corp. */
  | { kind: 'bound_elsewhere' }
  /** This tenant already holds another corp (one corp per tenant). */
  | { kind: 'tenant_has_other_corp'; corpId: string };

export interface WeComCorpStore {
  /** Strongly consistent. */
  get(corpId: string): Promise<StoredWeComCorp | undefined>;
  /** The tenant's corp, whatever its status. */
  ofTenant(tenantId: string): Promise<StoredWeComCorp | undefined>;
  /**
   * Stores an installed corp together with the tenant's pointer in one transaction, unless another
   * tenant holds the corp or the tenant holds another corp.
   */
  install(corp: StoredWeComCorp): Promise<InstallOutcome>;
  /** Replaces the visible range and permission state of an installed corp; undefined when it is not installed. */
  updateAuthorization(
    corpId: string,
    change: { visibleRange: VisibleRange; customerPermission: boolean; corpName?: string; at: string },
  ): Promise<StoredWeComCorp | undefined>;
  /** `installed` → `uninstalled` (its tokens stop); undefined when it was not installed (already, or never). */
  markUninstalled(corpId: string, at: string): Promise<StoredWeComCorp | undefined>;
  /** Deletes an uninstalled corp, its token and the tenant's pointer; false when it is not uninstalled. */
  remove(corpId: string, tenantId: string): Promise<boolean>;
}

// --- Suite ticket and tokens -------------------------------------------------------------------

export interface SuiteTicket {
  /** `SuiteTicket`. Secret. */
  ticket: string;
  /** The push's `TimeStamp`, unix seconds on WeCom's clock: newest wins. */
  timeStamp: number;
  receivedAt: string;
}

export interface SuiteTicketStore {
  /** Keeps `ticket` if it is newer than the stored one (by `timeStamp`); false for a repeated or late push. */
  saveTicket(suiteId: string, ticket: SuiteTicket): Promise<boolean>;
  latestTicket(suiteId: string): Promise<SuiteTicket | undefined>;
}

export interface StoredToken {
  /** Secret. */
  token: string;
  /** ISO. */
  expiresAt: string;
  refreshedAt?: string;
}

/** Which token: the suite's, the provider's, or a corp's. */
export type WeComTokenKind = { kind: 'suite'; suiteId: string } | { kind: 'provider'; corpId: string } | { kind: 'corp'; corpId: string };

/** The three token items share this store; the refresh runs through `refreshUnderLease` (`shared/domain/tokens/leased-refresh.ts`). */
export interface WeComTokenStore {
  /** Strongly consistent. */
  read(which: WeComTokenKind): Promise<StoredToken | undefined>;
  /** Stores a freshly minted token only while `leaseOwner` holds the lease; false when it lost it. */
  save(which: WeComTokenKind, token: StoredToken, leaseOwner: string): Promise<boolean>;
  /** Marks the token expired at `at` only if it is still `used`. */
  expire(which: WeComTokenKind, used: string, at: string): Promise<boolean>;
  /** Deletes a token item (a corp's, once it is uninstalled). */
  drop(which: WeComTokenKind): Promise<void>;
  leaseKey(which: WeComTokenKind): LeaseKey;
}

// --- Install and registration state ------------------------------------------------------------

export type StatePurpose = 'install' | 'register';

export interface WeComState {
  /** `[a-zA-Z0-9]`, ≤ 128 (WECOM.md §3.5). */
  state: string;
  purpose: StatePurpose;
  tenantId: string;
  userId: string;
  /** ISO. */
  expiresAt: string;
}

export interface WeComStateStore {
  put(state: WeComState): Promise<void>;
  /** Deletes and returns the state if it exists and has not expired at `now` (ISO): a state works once. */
  spend(state: string, now: string): Promise<WeComState | undefined>;
  /** Reads without spending (a `create_auth` push after a registration names the registration's state). */
  peek(state: string, now: string): Promise<WeComState | undefined>;
}

// --- The tenant's feature switch and the mini program ------------------------------------------

/** Whether the tenant's plan includes WeCom (`features.wecom`, set by an operator). */
export interface WeComFeatureGate {
  enabled(tenantId: string): Promise<boolean>;
}

export interface MiniProgramSecretStore {
  /** Stores the sealed secret (context `{ tenantId, appid, purpose: 'miniprogram_secret' }`). */
  put(tenantId: string, record: { appid: string; secret: SealedSecret; updatedAt: string; updatedBy: string }): Promise<void>;
}

// --- Callback events ---------------------------------------------------------------------------

/** A `change_auth`/`cancel_auth`/`create_auth`/… push as the worker receives it (no secrets but the auth code on the pending item). */
export interface WeComEventMessage {
  /** The stable key the event item is claimed by (`WECOM_EVENT#<eventKey>`). */
  eventKey: string;
}

export type WeComEventReceipt = 'new' | 'pending' | 'settled';

export type WeComEventClaim = { kind: 'claimed'; event: WeComCallbackEvent } | { kind: 'settled' } | { kind: 'busy' } | { kind: 'missing' };

export interface WeComEventLog {
  /** Stores the event pending unless it was stored before (the durable record `success` is answered on). */
  receive(eventKey: string, event: WeComCallbackEvent, receivedAt: string): Promise<WeComEventReceipt>;
  /** Takes a pending event for applying until `leaseUntil` (unix seconds). */
  claim(eventKey: string, lease: { now: number; leaseUntil: number }): Promise<WeComEventClaim>;
  /** Gives a claim up so that the next delivery takes it at once. */
  release(eventKey: string): Promise<void>;
  /** Settles the event (and drops any auth code it held): every later delivery is a duplicate. */
  settle(eventKey: string, outcome: string, at: string): Promise<void>;
}

export interface WeComEventQueue {
  send(message: WeComEventMessage): Promise<void>;
}

// --- Seams the customer sync fills --------------------------------------------------------------

/** `change_external_contact` and `change_contact` pushes of an installed corp, for the customer sync to apply. */
export interface WeComCustomerChanges {
  externalContactChanged(
    corp: { corpId: string; tenantId: string },
    event: Extract<WeComCallbackEvent, { infoType: 'change_external_contact' }>,
  ): Promise<void>;
  contactChanged(corp: { corpId: string; tenantId: string }, event: Extract<WeComCallbackEvent, { infoType: 'change_contact' }>): Promise<void>;
  /** The visible range changed (`change_auth`): members that left it lose their follow info. */
  visibleRangeChanged(corp: { corpId: string; tenantId: string }, before: VisibleRange, after: VisibleRange): Promise<void>;
}

/** Everything the customer sync keeps of a corp (customers, links, jobs), removed with the corp. */
export interface WeComCorpData {
  removeAll(corpId: string): Promise<void>;
}

// --- Events published -------------------------------------------------------------------------

export interface WeComLifecycleEvents {
  installed(detail: { corpId: string; tenantId: string; at: string }): Promise<void>;
  uninstalled(detail: { corpId: string; tenantId: string; at: string }): Promise<void>;
}

// --- The WeCom client (shared/wecom/api-client.ts implements it) --------------------------------

export interface WeComApi {
  getSuiteToken(request: { suiteId: string; suiteSecret: string; suiteTicket: string }): Promise<{ token: string; expiresIn: number }>;
  getProviderToken(request: { corpId: string; providerSecret: string }): Promise<{ token: string; expiresIn: number }>;
  getCorpToken(suite: WeComTokenSource, request: { authCorpId: string; permanentCode: string }): Promise<{ token: string; expiresIn: number }>;
  getPreAuthCode(suite: WeComTokenSource): Promise<{ preAuthCode: string; expiresIn: number }>;
  setSessionInfo(suite: WeComTokenSource, request: { preAuthCode: string; authType: 0 | 1 }): Promise<void>;
  getPermanentCode(suite: WeComTokenSource, request: { authCode: string }): Promise<PermanentCodeResult>;
  getAuthInfo(suite: WeComTokenSource, request: { authCorpId: string; permanentCode: string }): Promise<AuthInfoResult>;
  getRegisterCode(provider: WeComTokenSource, request: { templateId: string; state: string }): Promise<{ registerCode: string; expiresIn: number }>;
  // The customer sync's calls (WECOM.md §3.9, §3.10), with the corp's token:
  getFollowUserList(corp: WeComTokenSource): Promise<string[]>;
  batchGetByUser(
    corp: WeComTokenSource,
    request: { userIds: string[]; cursor?: string; limit?: number },
  ): Promise<{ contacts: { externalContact: ExternalContact; followInfo: FollowInfo }[]; nextCursor?: string }>;
  getExternalContact(
    corp: WeComTokenSource,
    request: { externalUserId: string; cursor?: string },
  ): Promise<{ externalContact: ExternalContact; followUsers: FollowInfo[]; nextCursor?: string }>;
  unionidToExternalUserid(
    corp: WeComTokenSource,
    request: { unionid: string; openid: string; subjectType: 0 | 1 },
  ): Promise<{ externalUserId?: string; pendingId?: string }>;
}

// --- The suite's own configuration -------------------------------------------------------------

/** The suite's credentials (API.md §4: `WECOM_SECRET_ARN` in AWS, `WECOM_*` variables locally). */
export interface WeComCredentials {
  suiteId: string;
  suiteSecret: string;
  token: string;
  aesKey: string;
  providerCorpId: string;
  providerSecret?: string;
  /** The 系统事件接收URL's own Token / EncodingAESKey (WECOM.md §1.2); the suite's when unset. */
  systemToken?: string;
  systemAesKey?: string;
  /** The 推广包 template of 注册并关联 (`get_register_code`). */
  registerTemplateId?: string;
}

export interface WeComLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

export type { Clock, AuthInfoResult, ExternalContact, FollowInfo, PermanentCodeResult, VisibleRange, WeComCallbackEvent, WeComTokenSource };
export { EXTERNAL_CONTACT_CHANGE_TYPES, type ExternalContactChangeType } from '#shared/wecom/messages.ts';

// --- The customer sync, the link and the changes (customer-sync.ts, link.ts, changes.ts) ----------

/**
 * One step of the `wecom-customer-sync` queue. Every step but `start` and `finish` has a `key` unique
 * within its job: its completion is recorded once by that key (with the job's counters), so a second
 * delivery counts nothing.
 */
export type CustomerSyncStep =
  | { type: 'start'; corpId: string; jobId: string }
  /** One `batch/get_by_user` page for ≤ 100 members from `cursor`. */
  | { type: 'page'; corpId: string; jobId: string; key: string; userIds: string[]; cursor: string }
  /** One page of the tenant's followers with a unionid (an owned account's, from `cursor`), to be linked. */
  | { type: 'followers'; corpId: string; jobId: string; key: string; appids: string[]; cursor: string }
  /** ≤ 100 followers converted with `unionid_to_external_userid`; `jobId` empty for a follower or customer linked as it comes. */
  | { type: 'link'; corpId: string; jobId: string; key: string; followers: LinkCandidate[] }
  | { type: 'finish'; corpId: string; jobId: string; phase: 'customers' | 'links' };

export interface LinkCandidate {
  appid: string;
  openid: string;
  unionid: string;
}

export interface CustomerStepQueue {
  /** `delaySeconds`: a step put back after WeCom's frequency limit (≤ 900). */
  send(steps: readonly CustomerSyncStep[], options?: { delaySeconds?: number }): Promise<void>;
}

/** What a step reads of its job. */
export interface CustomerSyncJobState extends CustomerSyncJob {
  tenantId: string;
  phase: 'customers' | 'links';
  /** Steps sent and not yet recorded: the phase ends when it is 0. */
  open: number;
}

/** A recorded step's outcome: counted once on the job, with the steps it sent. */
export interface StepRecord {
  key: string;
  /** The steps this one sends (re-sent as they are when a second delivery finds the record). */
  next: CustomerSyncStep[];
  counts?: Partial<Record<'linked' | 'pending' | 'failed', number>>;
  at: string;
}

export interface CustomerSyncJobStore {
  /** Strongly consistent. */
  get(corpId: string, jobId: string): Promise<CustomerSyncJobState | undefined>;
  /** The corp's running job (one per corp), with the read's view of it. */
  held(corpId: string): Promise<CustomerSyncJobState | undefined>;
  /** A new `queued` job in the corp's slot, unless the job read as `replacing` (undefined: none) moved. */
  create(job: CustomerSyncJobState, replacing: string | undefined): Promise<boolean>;
  /** `queued` → `running` with its members; undefined when it was not queued. */
  markRunning(corpId: string, jobId: string, run: { members: number; open: number; at: string }): Promise<CustomerSyncJobState | undefined>;
  /**
   * Records a step once, moving `open` by `next.length - 1` and its counts, while the job runs or is
   * paused (a paused job runs again); when an earlier delivery made the record, its next steps if
   * that delivery did not send them (it died in between), else none.
   */
  record(corpId: string, jobId: string, step: StepRecord): Promise<{ recorded: boolean; next: CustomerSyncStep[]; job?: CustomerSyncJobState }>;
  /** The recorded step's next steps went out: a later delivery sends nothing again (only one that finds them unsent does). */
  markSent(corpId: string, jobId: string, key: string): Promise<void>;
  /** `running` → `paused_quota`. */
  pause(corpId: string, jobId: string, at: string): Promise<void>;
  fail(corpId: string, jobId: string, error: { code: string; message: string }, at: string): Promise<void>;
  /** The customers phase ended: `customers` set, the links phase opened with `open` steps. */
  startLinks(corpId: string, jobId: string, customers: number, open: number, at: string): Promise<boolean>;
  /** `done`, the slot released. */
  complete(corpId: string, jobId: string, at: string): Promise<boolean>;
}

export interface StoredCustomer extends WeComCustomer {
  /** The job that last listed it. */
  lastSeenSyncId?: string;
}

export interface CustomerStore {
  /**
   * Writes each customer's own fields and merges the given follow users in (one attribute per member,
   * so pages of different members never overwrite each other); a removed customer listed again is back.
   */
  upsert(corpId: string, customers: readonly { contact: ExternalContact; follows: FollowInfo[] }[], context: { at: string; jobId?: string }): Promise<void>;
  get(corpId: string, externalUserId: string): Promise<StoredCustomer | undefined>;
  /** Drops one member's follow info of a customer. */
  dropFollow(corpId: string, externalUserId: string, userId: string, at: string): Promise<void>;
  /** Drops every member's follow info whose member is in `userIds` (they left the visible range). */
  dropFollowsOf(corpId: string, userIds: ReadonlySet<string>, at: string): Promise<number>;
  markRemoved(corpId: string, externalUserId: string, at: string): Promise<void>;
  /** Consistent count of the corp's customers not removed. */
  count(corpId: string): Promise<number>;
  page(corpId: string, request: { limit: number; cursor?: string; linked?: boolean }): Promise<{ customers: WeComCustomer[]; nextCursor: string | null }>;
  /** Sets (or clears) the linked follower of a customer. */
  setFollower(corpId: string, externalUserId: string, follower: LinkCandidate | undefined): Promise<void>;
}

export interface FollowerLink extends LinkCandidate {
  corpId: string;
  externalUserId?: string;
  pendingId?: string;
  linkedAt: string;
}

export interface LinkStore {
  put(link: FollowerLink): Promise<void>;
  byUnionid(corpId: string, unionid: string): Promise<FollowerLink[]>;
  /** The stored links of these followers (by `unionid#appid#openid`). */
  many(corpId: string, followers: readonly LinkCandidate[]): Promise<Map<string, FollowerLink>>;
  /** Exact counts of the corp's links. */
  totals(corpId: string): Promise<{ linked: number; pending: number }>;
}

/** The tenant's followers with a unionid, account by account (the follower table, read-only). */
export interface LinkFollowerSource {
  ownedAppids(tenantId: string): Promise<string[]>;
  /** A page of `appid`'s followers that have a unionid, from `cursor` ('' first); `next` '' at the end. */
  page(appid: string, cursor: string, limit: number): Promise<{ followers: LinkCandidate[]; next: string }>;
  /** The follower of `appid` with this `unionid`, across the tenant's owned accounts. */
  byUnionid(tenantId: string, unionid: string): Promise<LinkCandidate[]>;
}

/**
 * A token bucket held in the table, so every worker of every corp shares it: `take` removes `n`
 * tokens if the bucket holds them at `nowMs` (refilled at `perSecond` up to `capacity`), else says
 * how long to wait.
 */
export interface RateBucket {
  take(key: string, n: number, nowMs: number, rule: { capacity: number; perSecond: number }): Promise<{ granted: true } | { granted: false; waitMs: number }>;
}

/** `WeCom Customer Changed` (API.md §6). */
export interface CustomerChangedEvent {
  /** The same for every delivery of one push. */
  eventId: string;
  corpId: string;
  tenantId: string;
  changeType: string;
  externalUserId: string;
  userId?: string;
  unionid?: string;
  at: string;
}

export interface CustomerEvents {
  customerChanged(event: CustomerChangedEvent): Promise<void>;
}

/** The corp's customer data removed with the corp (customers, links, jobs). */
export interface CustomerDataRemoval {
  removeAll(corpId: string): Promise<void>;
}
