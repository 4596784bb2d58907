/**
 * The simulated WeChat's state and rules, free of HTTP: tickets, component and authorizer tokens with
 * their 5-minute overlap, single-use codes, authorizations, open platform accounts, quotas and the
 * followers of every account. Every rule breach throws `SimulatedWeChatError` with WeChat's errcode.
 *
 * Time comes from a clock the tests can move forward (`advance`), so a 12-hour ticket or a 2-hour
 * token can expire without waiting.
 *
 * `snapshot()` gives the whole state as plain JSON and `SimWorld.restore` rebuilds it (the simulator
 * saves it under the local stack's data directory, so a restart keeps every authorization, token,
 * follower and account the hub's table refers to).
 */
import { randomBytes } from 'node:crypto';
import { FollowerBook, type FollowerBookSnapshot, type FollowerProfile } from './followers.ts';
import type { SimAccountSpec, SimulatorCredentials } from './accounts.ts';
import type { SimMenu } from './menus.ts';
import { SimulatedWeChatError, wechatAssert } from './wechat-error.ts';
import { SimWebAuth, type WebAuthSnapshot } from './web-auth.ts';

const TICKET_LIFETIME_MS = 12 * 3600_000;
const PRE_AUTH_CODE_SECONDS = 600;
const AUTH_CODE_SECONDS = 3600;
/** An old token keeps working this long after a new one is issued (WECHAT.md §8). */
export const TOKEN_OVERLAP_MS = 5 * 60_000;
const CLEAR_QUOTA_PER_MONTH = 10;
const OPEN_ACCOUNT_MEMBER_LIMIT = 100;
const UNVERIFIED_OPEN_ACCOUNT_MEMBER_LIMIT = 5;
const WELL_FORMED_TOKEN = /^[A-Za-z0-9_-]{32,512}$/;
const MAX_REMEMBERED_TOKENS = 20_000;
const MAX_REMEMBERED_CODES = 10_000;

/** Daily limits WeChat enforces with 45009 (WECHAT.md §6.3, §4.11); counted per account, or per component. */
export const dailyLimits: Readonly<Record<string, number>> = {
  '/cgi-bin/user/get': 500,
  '/cgi-bin/user/info': 5_000_000,
  '/cgi-bin/user/info/batchget': 5_000_000,
  '/cgi-bin/message/custom/send': 500_000,
  '/cgi-bin/component/api_component_token': 10_000,
  '/cgi-bin/menu/create': 1_000,
  '/cgi-bin/menu/get': 10_000,
  '/cgi-bin/menu/delete': 1_000,
};

/** Misuse of the simulator's own control surface (not a WeChat error): the admin API answers 400. */
export class SimulatorInputError extends Error {
  override readonly name: string = 'SimulatorInputError';
  readonly status: number = 400;
}

export class UnknownAccountError extends SimulatorInputError {
  override readonly name = 'UnknownAccountError';
  override readonly status = 404;

  constructor(appid: string) {
    super(`no simulated account ${appid}`);
  }
}

export class SimClock {
  #offsetMs: number;

  constructor(offsetMs = 0) {
    this.#offsetMs = offsetMs;
  }

  /** How far `advance` moved it, in total. */
  get offsetMs(): number {
    return this.#offsetMs;
  }

  now(): number {
    return Date.now() + this.#offsetMs;
  }

  seconds(): number {
    return Math.floor(this.now() / 1000);
  }

  advance(ms: number): void {
    this.#offsetMs += ms;
  }
}

interface TokenRecord {
  kind: 'component' | 'authorizer';
  appid?: string;
  expiresAt: number;
  /** Set once a newer token was issued: the end of the overlap. */
  retiresAt?: number;
  forcedExpired: boolean;
}

interface Grant {
  refreshToken: string;
  funcIds: number[];
  authTime: number;
  revoked: boolean;
  /** Whether an authorization code of this grant was exchanged; until then the list omits the refresh token. */
  exchanged: boolean;
  generation: number;
}

export interface AccountRecord {
  appid: string;
  userName: string;
  nickname: string;
  serviceType: 'service' | 'subscription';
  verified: boolean;
  openPay: boolean;
  principalName: string;
  unionidRatio: number;
  releaseTest: boolean;
  followers: FollowerBook;
  grant?: Grant;
  openAppid: string | null;
  options: Record<string, string>;
  /** The custom menu set through `menu/create` (`menus.ts`); absent when none. */
  menu?: SimMenu;
}

interface OpenAccount {
  openAppid: string;
  principalName: string;
  createdByApi: boolean;
  verified: boolean;
  members: Set<string>;
}

export interface SimAccount {
  readonly appid: string;
  readonly userName: string;
  readonly nickname: string;
  readonly serviceType: 'service' | 'subscription';
  readonly verified: boolean;
  readonly openPay: boolean;
  readonly principalName: string;
  readonly unionidRatio: number;
  readonly releaseTest: boolean;
  readonly followerCount: number;
  readonly openAppid: string | null;
  readonly authorization: { readonly state: 'none' | 'authorized' | 'revoked'; readonly funcIds: readonly number[]; readonly authTime?: number };
}

export interface CustomMessageRecord {
  appid: string;
  touser: string;
  msgtype: string;
  content?: string;
  at: number;
}

export interface AuthorizationOutcome {
  appid: string;
  infoType: 'authorized' | 'updateauthorized';
  authCode: string;
  createTime: number;
  /** Absolute unix seconds, as real pushes carry it (WECHAT.md §3.2). */
  authCodeExpiresAt: number;
}

type OpenAccountSnapshot = Omit<OpenAccount, 'members'> & { members: string[] };
type AccountSnapshot = Omit<AccountRecord, 'followers'> & { followers: FollowerBookSnapshot };

/** The world as plain JSON. Credentials and the token lifetime are not part of it: they come from the options. */
export interface WorldSnapshot {
  version: typeof SNAPSHOT_VERSION;
  clockOffsetMs: number;
  tickets: [string, number][];
  currentTicket?: string;
  tokens: [string, TokenRecord][];
  currentComponentToken?: string;
  currentAuthorizerTokens: [string, string][];
  preAuthCodes: [string, { expiresAt: number; used: boolean }][];
  authCodes: [string, { appid: string; generation: number; expiresAt: number; used: boolean }][];
  accounts: AccountSnapshot[];
  openAccounts: OpenAccountSnapshot[];
  usage: [string, { day: number; counts: [string, number][] }][];
  clears: [string, { month: string; count: number }][];
  customMessages: CustomMessageRecord[];
  generation: number;
  tokenSerial: number;
  /** Web authorization and JS-SDK tickets (`web-auth.ts`); absent in worlds saved before them. */
  webAuth?: WebAuthSnapshot;
}

export const SNAPSHOT_VERSION = 1;

export type TokenOwner = { kind: 'component' } | { kind: 'authorizer'; account: AccountRecord; token: string };

const APPID = /^wx[0-9a-zA-Z]{16}$/;

function opaque(prefix: string, bytes: number): string {
  return `${prefix}${randomBytes(bytes).toString('base64url')}`;
}

function hexAppid(): string {
  return `wx${randomBytes(8).toString('hex')}`;
}

export class SimWorld {
  readonly clock: SimClock;
  readonly credentials: SimulatorCredentials;
  tokenLifetimeSeconds: number;
  readonly webAuth: SimWebAuth = new SimWebAuth(this);

  readonly #tickets = new Map<string, number>();
  #currentTicket: string | undefined;
  readonly #tokens = new Map<string, TokenRecord>();
  #currentComponentToken: string | undefined;
  readonly #currentAuthorizerToken = new Map<string, string>();
  readonly #preAuthCodes = new Map<string, { expiresAt: number; used: boolean }>();
  readonly #authCodes = new Map<string, { appid: string; generation: number; expiresAt: number; used: boolean }>();
  readonly #accounts = new Map<string, AccountRecord>();
  readonly #byUserName = new Map<string, string>();
  readonly #openAccounts = new Map<string, OpenAccount>();
  readonly #usage = new Map<string, { day: number; counts: Map<string, number> }>();
  readonly #clears = new Map<string, { month: string; count: number }>();
  readonly #customMessages: CustomMessageRecord[] = [];
  #generation = 0;
  #tokenSerial = 60;

  constructor(o: { clock: SimClock; credentials: SimulatorCredentials; tokenLifetimeSeconds: number }) {
    this.clock = o.clock;
    this.credentials = o.credentials;
    this.tokenLifetimeSeconds = o.tokenLifetimeSeconds;
  }

  // ---- saving and restoring ------------------------------------------------------------------------

  snapshot(): WorldSnapshot {
    return {
      version: SNAPSHOT_VERSION,
      clockOffsetMs: this.clock.offsetMs,
      tickets: [...this.#tickets],
      ...(this.#currentTicket !== undefined ? { currentTicket: this.#currentTicket } : {}),
      tokens: [...this.#tokens].map(([token, record]) => [token, { ...record }]),
      ...(this.#currentComponentToken !== undefined ? { currentComponentToken: this.#currentComponentToken } : {}),
      currentAuthorizerTokens: [...this.#currentAuthorizerToken],
      preAuthCodes: [...this.#preAuthCodes].map(([code, entry]) => [code, { ...entry }]),
      authCodes: [...this.#authCodes].map(([code, entry]) => [code, { ...entry }]),
      accounts: [...this.#accounts.values()].map((account) => ({
        ...account,
        followers: account.followers.snapshot(),
        ...(account.grant ? { grant: { ...account.grant, funcIds: [...account.grant.funcIds] } } : {}),
        options: { ...account.options },
      })),
      openAccounts: [...this.#openAccounts.values()].map((open) => ({ ...open, members: [...open.members] })),
      usage: [...this.#usage].map(([owner, usage]) => [owner, { day: usage.day, counts: [...usage.counts] }]),
      clears: [...this.#clears].map(([owner, clears]) => [owner, { ...clears }]),
      customMessages: this.#customMessages.map((message) => ({ ...message })),
      generation: this.#generation,
      tokenSerial: this.#tokenSerial,
      webAuth: this.webAuth.snapshot(),
    };
  }

  /** A world as it was saved; its clock carries the saved offset. Throws on a snapshot of another version. */
  static restore(snapshot: WorldSnapshot, o: { credentials: SimulatorCredentials; tokenLifetimeSeconds: number }): SimWorld {
    if (snapshot?.version !== SNAPSHOT_VERSION)
      throw new Error(`a saved simulator world of version ${String(snapshot?.version)}; this simulator reads version ${SNAPSHOT_VERSION}`);
    const world = new SimWorld({ clock: new SimClock(snapshot.clockOffsetMs), ...o });
    for (const [ticket, at] of snapshot.tickets) world.#tickets.set(ticket, at);
    world.#currentTicket = snapshot.currentTicket;
    for (const [token, record] of snapshot.tokens) world.#tokens.set(token, { ...record });
    world.#currentComponentToken = snapshot.currentComponentToken;
    for (const [appid, token] of snapshot.currentAuthorizerTokens) world.#currentAuthorizerToken.set(appid, token);
    for (const [code, entry] of snapshot.preAuthCodes) world.#preAuthCodes.set(code, { ...entry });
    for (const [code, entry] of snapshot.authCodes) world.#authCodes.set(code, { ...entry });
    for (const saved of snapshot.accounts) {
      const account: AccountRecord = { ...saved, followers: FollowerBook.fromSnapshot(saved.followers), options: { ...saved.options } };
      world.#accounts.set(account.appid, account);
      world.#byUserName.set(account.userName, account.appid);
    }
    for (const open of snapshot.openAccounts) world.#openAccounts.set(open.openAppid, { ...open, members: new Set(open.members) });
    for (const [owner, usage] of snapshot.usage) world.#usage.set(owner, { day: usage.day, counts: new Map(usage.counts) });
    for (const [owner, clears] of snapshot.clears) world.#clears.set(owner, { ...clears });
    world.#customMessages.push(...snapshot.customMessages);
    world.#generation = snapshot.generation;
    world.#tokenSerial = snapshot.tokenSerial;
    world.webAuth.restore(snapshot.webAuth);
    return world;
  }

  // ---- tickets and the component token -----------------------------------------------------------

  issueTicket(): string {
    const ticket = opaque('ticket@@@', 48);
    this.#tickets.set(ticket, this.clock.now());
    this.#currentTicket = ticket;
    return ticket;
  }

  get currentTicket(): string | undefined {
    return this.#currentTicket;
  }

  checkComponent(appid: unknown, secret: unknown): void {
    wechatAssert(typeof appid === 'string' && appid !== '', 41002);
    wechatAssert(appid === this.credentials.componentAppId, 61011);
    wechatAssert(typeof secret === 'string' && secret !== '', 41004);
    wechatAssert(secret === this.credentials.componentSecret, 40125);
  }

  componentToken(o: { appid: unknown; secret: unknown; ticket: unknown }): { component_access_token: string; expires_in: number } {
    this.checkComponent(o.appid, o.secret);
    const issuedAt = typeof o.ticket === 'string' ? this.#tickets.get(o.ticket) : undefined;
    wechatAssert(issuedAt !== undefined, 61006);
    wechatAssert(this.clock.now() - issuedAt < TICKET_LIFETIME_MS, 61005);
    this.consumeQuota('component', '/cgi-bin/component/api_component_token');
    const token = this.#issueToken('component');
    if (this.#currentComponentToken) this.#retire(this.#currentComponentToken);
    this.#currentComponentToken = token;
    return { component_access_token: token, expires_in: this.tokenLifetimeSeconds };
  }

  expireComponentToken(): void {
    const record = this.#currentComponentToken ? this.#tokens.get(this.#currentComponentToken) : undefined;
    if (record) record.forcedExpired = true;
  }

  #issueToken(kind: 'component' | 'authorizer', appid?: string): string {
    if (this.#tokens.size >= MAX_REMEMBERED_TOKENS) this.#forgetDeadTokens();
    const token = opaque(`${++this.#tokenSerial}_`, 96);
    this.#tokens.set(token, { kind, ...(appid ? { appid } : {}), expiresAt: this.clock.now() + this.tokenLifetimeSeconds * 1000, forcedExpired: false });
    return token;
  }

  #retire(token: string): void {
    const record = this.#tokens.get(token);
    if (record && record.retiresAt === undefined) record.retiresAt = this.clock.now() + TOKEN_OVERLAP_MS;
  }

  #forgetDeadTokens(): void {
    const longAgo = this.clock.now() - 3600_000;
    for (const [token, record] of this.#tokens) {
      if (Math.min(record.expiresAt, record.retiresAt ?? Infinity) < longAgo) this.#tokens.delete(token);
    }
  }

  /**
   * Who a token belongs to. Missing → 41001, malformed → 40014, unknown or superseded past the
   * overlap → 40001, expired → 42001, a component token where an authorizer token is needed → 48001,
   * an authorizer token on a component API → 40001 (component APIs know no such token), an account
   * that revoked the authorization → 61003.
   */
  resolveToken(token: string | null, wanted: 'component' | 'authorizer' | 'either'): TokenOwner {
    wechatAssert(token !== null && token !== '', 41001);
    wechatAssert(WELL_FORMED_TOKEN.test(token), 40014);
    const record = this.#tokens.get(token);
    wechatAssert(record !== undefined, 40001);
    const now = this.clock.now();
    wechatAssert(!record.forcedExpired && now < record.expiresAt, 42001);
    wechatAssert(record.retiresAt === undefined || now < record.retiresAt, 40001);
    if (record.kind === 'component') {
      wechatAssert(wanted !== 'authorizer', 48001);
      return { kind: 'component' };
    }
    wechatAssert(wanted !== 'component', 40001);
    const account = this.#accounts.get(record.appid!)!;
    wechatAssert(account.grant !== undefined && !account.grant.revoked, 61003);
    return { kind: 'authorizer', account, token };
  }

  // ---- codes and authorizations ------------------------------------------------------------------

  createPreAuthCode(componentAppid: unknown): { pre_auth_code: string; expires_in: number } {
    this.#assertComponentAppid(componentAppid);
    const code = opaque('preauthcode@@@', 36);
    if (this.#preAuthCodes.size >= MAX_REMEMBERED_CODES) forgetSpent(this.#preAuthCodes, this.clock.now());
    this.#preAuthCodes.set(code, { expiresAt: this.clock.now() + PRE_AUTH_CODE_SECONDS * 1000, used: false });
    return { pre_auth_code: code, expires_in: PRE_AUTH_CODE_SECONDS };
  }

  preAuthCodeProblem(code: string): string | undefined {
    const entry = this.#preAuthCodes.get(code);
    if (!entry) return '授权链接无效 (unknown pre_auth_code)';
    if (entry.used) return '授权链接已被使用 (pre_auth_code already used)';
    if (this.clock.now() >= entry.expiresAt) return '授权链接已过期 (pre_auth_code expired)';
    return undefined;
  }

  /** What the admin's click on the consent page does: the pre-auth code is spent only on success. */
  consent(o: { preAuthCode: string; appid: string; funcIds: number[] }): AuthorizationOutcome {
    const problem = this.preAuthCodeProblem(o.preAuthCode);
    if (problem) throw new SimulatorInputError(problem);
    const outcome = this.authorize(o.appid, o.funcIds);
    this.#preAuthCodes.get(o.preAuthCode)!.used = true;
    return outcome;
  }

  /** Records an authorization (new refresh token; a re-authorization replaces the previous one) and issues its code. */
  authorize(appid: string, funcIds: number[]): AuthorizationOutcome {
    const account = this.requireAccount(appid);
    const ids = [...new Set(funcIds)].sort((a, b) => a - b);
    if (ids.length === 0 || ids.some((id) => !Number.isSafeInteger(id) || id < 1)) {
      throw new SimulatorInputError('choose at least one permission set (positive whole numbers)');
    }
    const infoType = account.grant && !account.grant.revoked ? 'updateauthorized' : 'authorized';
    const createTime = this.clock.seconds();
    const generation = ++this.#generation;
    account.grant = {
      refreshToken: opaque('refreshtoken@@@', 36),
      funcIds: ids,
      authTime: createTime,
      revoked: false,
      exchanged: false,
      generation,
    };
    const authCode = opaque('queryauthcode@@@', 48);
    if (this.#authCodes.size >= MAX_REMEMBERED_CODES) forgetSpent(this.#authCodes, this.clock.now());
    this.#authCodes.set(authCode, { appid, generation, expiresAt: this.clock.now() + AUTH_CODE_SECONDS * 1000, used: false });
    return { appid, infoType, authCode, createTime, authCodeExpiresAt: createTime + AUTH_CODE_SECONDS };
  }

  /** The admin cancels the authorization in WeChat. Returns false when there was none to cancel. */
  revoke(appid: string): boolean {
    const account = this.requireAccount(appid);
    if (!account.grant || account.grant.revoked) return false;
    account.grant.revoked = true;
    return true;
  }

  queryAuth(componentAppid: unknown, code: unknown): unknown {
    this.#assertComponentAppid(componentAppid);
    const entry = typeof code === 'string' ? this.#authCodes.get(code) : undefined;
    wechatAssert(entry !== undefined && !entry.used, 61009);
    wechatAssert(this.clock.now() < entry.expiresAt, 61010);
    const account = this.#accounts.get(entry.appid)!;
    // A code of an authorization that was since revoked or replaced is worthless.
    wechatAssert(account.grant?.generation === entry.generation && !account.grant.revoked, 61009);
    entry.used = true;
    account.grant.exchanged = true;
    const accessToken = this.#newAuthorizerToken(account.appid);
    return {
      authorization_info: {
        authorizer_appid: account.appid,
        authorizer_access_token: accessToken,
        expires_in: this.tokenLifetimeSeconds,
        authorizer_refresh_token: account.grant.refreshToken,
        func_info: funcInfo(account.grant.funcIds),
      },
    };
  }

  #newAuthorizerToken(appid: string): string {
    const token = this.#issueToken('authorizer', appid);
    const previous = this.#currentAuthorizerToken.get(appid);
    if (previous) this.#retire(previous);
    this.#currentAuthorizerToken.set(appid, token);
    return token;
  }

  authorizerToken(o: { componentAppid: unknown; appid: unknown; refreshToken: unknown }): unknown {
    this.#assertComponentAppid(o.componentAppid);
    wechatAssert(typeof o.appid === 'string' && o.appid !== '', 41002);
    const account = this.#accounts.get(o.appid);
    wechatAssert(account?.grant !== undefined && !account.grant.revoked, 61003);
    wechatAssert(o.refreshToken === account.grant.refreshToken, 61023);
    return {
      authorizer_access_token: this.#newAuthorizerToken(account.appid),
      expires_in: this.tokenLifetimeSeconds,
      authorizer_refresh_token: account.grant.refreshToken,
    };
  }

  /** Whether `token` is the newest authorizer token issued for `appid`, one a newer one superseded, or neither (ground truth for the fault suite). */
  authorizerTokenStanding(appid: string, token: string): 'current' | 'superseded' | 'expired' | 'unknown' {
    const record = this.#tokens.get(token);
    if (!record || record.kind !== 'authorizer' || record.appid !== appid) return 'unknown';
    if (record.forcedExpired || this.clock.now() >= record.expiresAt) return 'expired';
    return this.#currentAuthorizerToken.get(appid) === token ? 'current' : 'superseded';
  }

  expireAuthorizerToken(appid: string): void {
    this.requireAccount(appid);
    const token = this.#currentAuthorizerToken.get(appid);
    const record = token ? this.#tokens.get(token) : undefined;
    if (record) record.forcedExpired = true;
  }

  /** The stored refresh token stops working; the authorizer list hands out its replacement. */
  invalidateRefreshToken(appid: string): void {
    const account = this.requireAccount(appid);
    if (!account.grant || account.grant.revoked) throw new SimulatorInputError(`${appid} is not authorized`);
    account.grant.refreshToken = opaque('refreshtoken@@@', 36);
  }

  authorizerInfo(componentAppid: unknown, appid: unknown): unknown {
    this.#assertComponentAppid(componentAppid);
    wechatAssert(typeof appid === 'string' && appid !== '', 41002);
    const account = this.#accounts.get(appid);
    wechatAssert(account?.grant !== undefined && !account.grant.revoked, 61003);
    return {
      authorizer_info: {
        nick_name: account.nickname,
        head_img: `http://wx.qlogo.cn/mmopen/sim-${account.appid}/0`,
        service_type_info: { id: account.serviceType === 'service' ? 2 : 0 },
        verify_type_info: { id: account.verified ? 0 : -1 },
        user_name: account.userName,
        principal_name: account.principalName,
        alias: '',
        qrcode_url: `http://mmbiz.qpic.cn/mmbiz_jpg/sim-${account.appid}/0`,
        business_info: { open_store: 0, open_scan: 0, open_pay: account.openPay ? 1 : 0, open_card: 0, open_shake: 0 },
        account_status: 1,
        basic_config: { is_phone_configured: true, is_email_configured: false },
        idc: 1,
      },
      authorization_info: {
        authorizer_appid: account.appid,
        authorizer_refresh_token: account.grant.refreshToken,
        func_info: funcInfo(account.grant.funcIds),
      },
    };
  }

  authorizerList(componentAppid: unknown, offset: unknown, count: unknown): unknown {
    this.#assertComponentAppid(componentAppid);
    wechatAssert(Number.isSafeInteger(offset) && (offset as number) >= 0, 47001);
    wechatAssert(Number.isSafeInteger(count) && (count as number) >= 1 && (count as number) <= 500, 47001);
    const granted = [...this.#accounts.values()]
      .filter((account) => account.grant && !account.grant.revoked)
      .sort((a, b) => a.grant!.authTime - b.grant!.authTime || a.appid.localeCompare(b.appid));
    return {
      total_count: granted.length,
      list: granted.slice(offset as number, (offset as number) + (count as number)).map((account) => ({
        authorizer_appid: account.appid,
        ...(account.grant!.exchanged ? { refresh_token: account.grant!.refreshToken } : {}),
        auth_time: account.grant!.authTime,
      })),
    };
  }

  #assertComponentAppid(appid: unknown): void {
    wechatAssert(typeof appid === 'string' && appid !== '', 41002);
    wechatAssert(appid === this.credentials.componentAppId, 61011);
  }

  /** A permission set the authorizer did not grant → 61007. */
  requireFunc(account: AccountRecord, ...anyOf: number[]): void {
    wechatAssert(
      anyOf.some((id) => account.grant?.funcIds.includes(id)),
      61007,
    );
  }

  // ---- accounts ------------------------------------------------------------------------------------

  addAccount(spec: SimAccountSpec, releaseTest = false): AccountRecord {
    const appid = spec.appid ?? hexAppid();
    if (!APPID.test(appid)) throw new SimulatorInputError('appid must be wx followed by 16 letters or digits');
    if (this.#accounts.has(appid)) throw new SimulatorInputError(`account ${appid} already exists`);
    const userName = spec.userName ?? `gh_${randomBytes(6).toString('hex')}`;
    if (!/^gh_[0-9a-zA-Z]{6,32}$/.test(userName)) throw new SimulatorInputError('userName must look like gh_ followed by letters or digits');
    if (this.#byUserName.has(userName)) throw new SimulatorInputError(`user name ${userName} is taken`);
    const ratio = spec.unionidRatio ?? 1;
    if (!(ratio >= 0 && ratio <= 1)) throw new SimulatorInputError('unionidRatio must be between 0 and 1');
    const followers = new FollowerBook({
      appid,
      baseline: spec.followers ?? 0,
      unionidRatio: ratio,
      baselineEpoch: this.clock.seconds(),
    });
    const account: AccountRecord = {
      appid,
      userName,
      nickname: spec.nickname,
      serviceType: spec.serviceType,
      verified: spec.verified,
      openPay: spec.openPay ?? false,
      principalName: spec.principalName ?? `${spec.nickname} 主体`,
      unionidRatio: ratio,
      releaseTest,
      followers,
      openAppid: null,
      options: { location_report: '0', voice_recognize: '0', customer_service: '0' },
    };
    this.#accounts.set(appid, account);
    this.#byUserName.set(userName, appid);
    if (spec.boundToOpenAccount ?? (spec.unionidRatio !== undefined && spec.unionidRatio > 0)) {
      const open = this.#newOpenAccount({ principalName: account.principalName, createdByApi: true, verified: false });
      open.members.add(appid);
      account.openAppid = open.openAppid;
    }
    return account;
  }

  requireAccount(appid: string): AccountRecord {
    const account = this.#accounts.get(appid);
    if (!account) throw new UnknownAccountError(appid);
    return account;
  }

  findAccount(appidOrUserName: string): AccountRecord | undefined {
    return this.#accounts.get(appidOrUserName) ?? this.#accounts.get(this.#byUserName.get(appidOrUserName) ?? '');
  }

  accounts(): AccountRecord[] {
    return [...this.#accounts.values()];
  }

  view(account: AccountRecord): SimAccount {
    const grant = account.grant;
    return {
      appid: account.appid,
      userName: account.userName,
      nickname: account.nickname,
      serviceType: account.serviceType,
      verified: account.verified,
      openPay: account.openPay,
      principalName: account.principalName,
      unionidRatio: account.unionidRatio,
      releaseTest: account.releaseTest,
      followerCount: account.followers.count,
      openAppid: account.openAppid,
      authorization: grant
        ? { state: grant.revoked ? 'revoked' : 'authorized', funcIds: [...grant.funcIds], authTime: grant.authTime }
        : { state: 'none', funcIds: [] },
    };
  }

  // ---- open platform accounts (WECHAT.md §4.10) ---------------------------------------------------

  #newOpenAccount(o: { principalName: string; createdByApi: boolean; verified: boolean }): OpenAccount {
    const open: OpenAccount = { openAppid: hexAppid(), ...o, members: new Set() };
    this.#openAccounts.set(open.openAppid, open);
    return open;
  }

  /** An open platform account registered on open.weixin.qq.com (not through the API). */
  addOpenAccount(o: { principalName: string; verified: boolean; createdByApi?: boolean }): string {
    return this.#newOpenAccount({ principalName: o.principalName, verified: o.verified, createdByApi: o.createdByApi ?? false }).openAppid;
  }

  #assertOwnAppid(account: AccountRecord, appid: unknown): void {
    wechatAssert(appid === undefined || appid === account.appid, 40013);
  }

  openCreate(account: AccountRecord, body: Record<string, unknown>): unknown {
    this.#assertOwnAppid(account, body.appid);
    wechatAssert(account.openAppid === null, 89000);
    const open = this.#newOpenAccount({ principalName: account.principalName, createdByApi: true, verified: false });
    open.members.add(account.appid);
    account.openAppid = open.openAppid;
    return { open_appid: open.openAppid, errcode: 0, errmsg: 'ok' };
  }

  openBind(account: AccountRecord, body: Record<string, unknown>): unknown {
    this.#assertOwnAppid(account, body.appid);
    const open = typeof body.open_appid === 'string' ? this.#openAccounts.get(body.open_appid) : undefined;
    wechatAssert(open !== undefined, 40013);
    wechatAssert(account.openAppid === null, 89000);
    wechatAssert(open.verified || open.createdByApi, 89036);
    wechatAssert(open.verified || open.principalName === account.principalName, 89001);
    wechatAssert(open.members.size < (open.verified ? OPEN_ACCOUNT_MEMBER_LIMIT : UNVERIFIED_OPEN_ACCOUNT_MEMBER_LIMIT), 89004);
    open.members.add(account.appid);
    account.openAppid = open.openAppid;
    return { errcode: 0, errmsg: 'ok' };
  }

  openUnbind(account: AccountRecord, body: Record<string, unknown>): unknown {
    this.#assertOwnAppid(account, body.appid);
    wechatAssert(typeof body.open_appid === 'string' && body.open_appid !== '', 40013);
    wechatAssert(account.openAppid === body.open_appid, 89001);
    const open = this.#openAccounts.get(body.open_appid)!;
    wechatAssert(open.createdByApi, 89003);
    open.members.delete(account.appid);
    account.openAppid = null;
    return { errcode: 0, errmsg: 'ok' };
  }

  openGet(account: AccountRecord, body: Record<string, unknown>): unknown {
    this.#assertOwnAppid(account, body.appid);
    wechatAssert(account.openAppid !== null, 89002);
    return { open_appid: account.openAppid, errcode: 0, errmsg: 'ok' };
  }

  // ---- followers -----------------------------------------------------------------------------------

  followerProfile(account: AccountRecord, openid: unknown): FollowerProfile | { subscribe: 0; openid: string } {
    wechatAssert(typeof openid === 'string', 40003);
    const index = account.followers.indexOf(openid);
    wechatAssert(index !== undefined, 40003);
    if (!account.followers.isFollower(index)) return { subscribe: 0, openid };
    return account.followers.profile(index, { boundToOpenAccount: account.openAppid !== null });
  }

  // ---- quotas (WECHAT.md §4.11, §6.3) ---------------------------------------------------------------

  #usageOf(owner: string): Map<string, number> {
    // WeChat's quota day starts at midnight Beijing time.
    const day = Math.floor((this.clock.now() + 8 * 3600_000) / 86_400_000);
    let usage = this.#usage.get(owner);
    if (!usage || usage.day !== day) {
      usage = { day, counts: new Map() };
      this.#usage.set(owner, usage);
    }
    return usage.counts;
  }

  consumeQuota(owner: string, path: string): void {
    const limit = dailyLimits[path];
    if (limit === undefined) return;
    const counts = this.#usageOf(owner);
    const used = counts.get(path) ?? 0;
    wechatAssert(used < limit, 45009);
    counts.set(path, used + 1);
  }

  quota(owner: string, cgiPath: unknown): unknown {
    wechatAssert(typeof cgiPath === 'string' && dailyLimits[cgiPath] !== undefined, 76021);
    const limit = dailyLimits[cgiPath]!;
    const used = this.#usageOf(owner).get(cgiPath) ?? 0;
    return { errcode: 0, errmsg: 'ok', quota: { daily_limit: limit, used, remain: Math.max(0, limit - used) } };
  }

  clearQuota(owner: string): void {
    const month = new Date(this.clock.now() + 8 * 3600_000).toISOString().slice(0, 7);
    let clears = this.#clears.get(owner);
    if (!clears || clears.month !== month) {
      clears = { month, count: 0 };
      this.#clears.set(owner, clears);
    }
    wechatAssert(clears.count < CLEAR_QUOTA_PER_MONTH, 48006);
    clears.count += 1;
    this.#usageOf(owner).clear();
  }

  // ---- customer-service messages --------------------------------------------------------------------

  recordCustomMessage(message: CustomMessageRecord): void {
    if (this.#customMessages.length >= 10_000) this.#customMessages.shift();
    this.#customMessages.push(message);
  }

  customMessages(): CustomMessageRecord[] {
    return this.#customMessages.map((message) => ({ ...message }));
  }
}

/** Spent or expired codes only ever earn 61009/61010 or an error page; past the cap they may be forgotten. */
function forgetSpent(codes: Map<string, { expiresAt: number; used: boolean }>, now: number): void {
  for (const [code, entry] of codes) if (entry.used || entry.expiresAt <= now) codes.delete(code);
}

function funcInfo(ids: number[]): unknown[] {
  return ids.map((id) =>
    id === 24 ? { funcscope_category: { id }, confirm_info: { need_confirm: 0, already_confirm: 0, can_confirm: 0 } } : { funcscope_category: { id } },
  );
}

export { SimulatedWeChatError };
