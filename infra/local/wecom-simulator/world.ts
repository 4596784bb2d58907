/**
 * The simulated WeCom's state and rules (WECOM.md §3, §4): suite tickets, the provider, suite and
 * corp tokens, pre-auth codes with their session info, install (auth) codes, installations with
 * their permanent code and visible range, register codes, and the corps (corp.ts).
 *
 * Lifetimes (§4.1) run on the simulator's movable clock: a ticket is valid 30 minutes after it was
 * pushed, tokens 7200 s (`tokenLifetimeSeconds`), a pre_auth_code 1200 s, an auth_code 600 s and
 * once, a register_code 600 s. Asked again while valid, a token is the same one with the time it has
 * left (WeCom's 在有效期内重复获取返回相同结果); after it expires the next request issues a new one
 * and the old one answers 42009 (suite, provider) or 42001 (corp). `invalidate*` revokes a token
 * early, as WeCom may (§4.1): it then answers 40082 (suite, provider) or 40014 (corp).
 */
import { randomBytes } from 'node:crypto';
import { SimClock } from '../wechat-simulator/world.ts';
import { corpIdFor, SimCorp, type CorpSnapshot, type CorpSpec } from './corp.ts';
import type { WeComSimulatorCredentials } from './credentials.ts';
import { WeComError } from './wecom-error.ts';

export { SimClock };

export class WeComInputError extends Error {
  override readonly name: string = 'WeComInputError';
  readonly status: number;

  constructor(message: string, status = 400) {
    super(message);
    this.status = status;
  }
}

export interface VisibleRange {
  departments: number[];
  users: string[];
  tags: number[];
}

type TokenKind = 'suite' | 'provider' | 'corp';

interface TokenRecord {
  kind: TokenKind;
  corpId?: string;
  expiresAt: number;
  revoked?: boolean;
}

interface PreAuthCodeRecord {
  expiresAt: number;
  authType?: 0 | 1;
  used?: boolean;
}

interface AuthCodeRecord {
  corpId: string;
  expiresAt: number;
  used?: boolean;
  state: string;
  registerCode?: string;
}

export interface InstallRecord {
  corpId: string;
  permanentCode: string;
  range: VisibleRange;
  installedAt: number;
  authType: 0 | 1;
  authUserId: string;
  state: string;
  cancelled?: boolean;
  registerCode?: string;
  /** `corp/apply_mass_call_ticket`: once per install, within 3 months of it, valid 7 days. */
  massCallTicket?: { ticket: string; expiresAt: number };
}

interface RegisterCodeRecord {
  templateId: string;
  corpName?: string;
  adminName?: string;
  state?: string;
  followUser?: string;
  createdAt: number;
  expiresAt: number;
  corpId?: string;
  authUserId?: string;
}

export interface WeComWorldSnapshot {
  clockOffsetMs: number;
  tickets: [string, number][];
  tokens: [string, TokenRecord][];
  current: Partial<Record<string, string>>;
  preAuthCodes: [string, PreAuthCodeRecord][];
  authCodes: [string, AuthCodeRecord][];
  installs: InstallRecord[];
  registerCodes: [string, RegisterCodeRecord][];
  corps: CorpSnapshot[];
}

const TICKET_VALID_MS = 30 * 60_000;
const PRE_AUTH_CODE_SECONDS = 1200;
const AUTH_CODE_SECONDS = 600;
const REGISTER_CODE_SECONDS = 600;
const MASS_CALL_WINDOW_SECONDS = 90 * 86_400;
const MASS_CALL_TICKET_MS = 7 * 86_400_000;
/** Expired codes and tokens are kept this long (to answer "expired" rather than "invalid"), then dropped. */
const KEEP_EXPIRED_MS = 24 * 3600_000;

const secret = (bytes: number) => randomBytes(bytes).toString('base64url');

export class WeComWorld {
  readonly clock: SimClock;
  readonly credentials: WeComSimulatorCredentials;
  readonly tokenLifetimeSeconds: number;
  readonly #tickets: [string, number][] = [];
  readonly #tokens = new Map<string, TokenRecord>();
  /** The token handed out now per key: `suite`, `provider`, `corp:<corpId>`. */
  readonly #current = new Map<string, string>();
  readonly #preAuthCodes = new Map<string, PreAuthCodeRecord>();
  readonly #authCodes = new Map<string, AuthCodeRecord>();
  readonly #installs = new Map<string, InstallRecord>();
  readonly #registerCodes = new Map<string, RegisterCodeRecord>();
  readonly #corps = new Map<string, SimCorp>();

  constructor(o: { clock: SimClock; credentials: WeComSimulatorCredentials; tokenLifetimeSeconds: number }) {
    this.clock = o.clock;
    this.credentials = o.credentials;
    this.tokenLifetimeSeconds = o.tokenLifetimeSeconds;
  }

  snapshot(): WeComWorldSnapshot {
    this.#prune();
    return {
      clockOffsetMs: this.clock.offsetMs,
      tickets: [...this.#tickets],
      tokens: [...this.#tokens],
      current: Object.fromEntries(this.#current),
      preAuthCodes: [...this.#preAuthCodes],
      authCodes: [...this.#authCodes],
      installs: [...this.#installs.values()],
      registerCodes: [...this.#registerCodes],
      corps: [...this.#corps.values()].map((corp) => corp.snapshot()),
    };
  }

  static restore(s: WeComWorldSnapshot, o: { credentials: WeComSimulatorCredentials; tokenLifetimeSeconds: number }): WeComWorld {
    const world = new WeComWorld({ clock: new SimClock(s.clockOffsetMs), ...o });
    world.#tickets.push(...s.tickets);
    for (const [k, value] of s.tokens) world.#tokens.set(k, value);
    for (const [k, value] of Object.entries(s.current)) if (value) world.#current.set(k, value);
    for (const [k, value] of s.preAuthCodes) world.#preAuthCodes.set(k, value);
    for (const [k, value] of s.authCodes) world.#authCodes.set(k, value);
    for (const install of s.installs) world.#installs.set(install.corpId, install);
    for (const [k, value] of s.registerCodes) world.#registerCodes.set(k, value);
    for (const corp of s.corps) world.#corps.set(corp.spec.corpId, SimCorp.restore(corp));
    return world;
  }

  #prune(): void {
    const horizon = this.clock.now() - KEEP_EXPIRED_MS;
    for (const [k, token] of this.#tokens) if (token.expiresAt < horizon) this.#tokens.delete(k);
    for (const [k, code] of this.#preAuthCodes) if (code.expiresAt < horizon) this.#preAuthCodes.delete(k);
    for (const [k, code] of this.#authCodes) if (code.expiresAt < horizon) this.#authCodes.delete(k);
    for (const [k, code] of this.#registerCodes) if (code.createdAt + KEEP_EXPIRED_MS < horizon) this.#registerCodes.delete(k);
  }

  // ---- corps ------------------------------------------------------------------------------------

  addCorp(spec: CorpSpec): SimCorp {
    const corp = new SimCorp(spec, this.clock.seconds());
    if (this.#corps.has(corp.corpId)) throw new WeComInputError(`a corp ${corp.corpId} exists already`, 409);
    this.#corps.set(corp.corpId, corp);
    return corp;
  }

  corps(): SimCorp[] {
    return [...this.#corps.values()];
  }

  findCorp(corpId: string): SimCorp | undefined {
    return this.#corps.get(corpId);
  }

  requireCorp(corpId: string): SimCorp {
    const corp = this.#corps.get(corpId);
    if (!corp) throw new WeComInputError(`no simulated corp ${corpId}`, 404);
    return corp;
  }

  install(corpId: string): InstallRecord | undefined {
    return this.#installs.get(corpId);
  }

  activeInstall(corpId: string): InstallRecord | undefined {
    const install = this.#installs.get(corpId);
    return install && !install.cancelled ? install : undefined;
  }

  // ---- tickets ----------------------------------------------------------------------------------

  issueTicket(): string {
    const ticket = secret(48);
    this.#tickets.push([ticket, this.clock.now()]);
    while (this.#tickets.length > 6) this.#tickets.shift();
    return ticket;
  }

  get currentTicket(): string | undefined {
    return this.#tickets.at(-1)?.[0];
  }

  // ---- tokens -----------------------------------------------------------------------------------

  #issue(key: string, kind: TokenKind, corpId?: string): { token: string; expiresIn: number } {
    const now = this.clock.now();
    const current = this.#current.get(key);
    const record = current ? this.#tokens.get(current) : undefined;
    if (current && record && !record.revoked && record.expiresAt > now) {
      return { token: current, expiresIn: Math.ceil((record.expiresAt - now) / 1000) };
    }
    const token = secret(kind === 'corp' ? 48 : 54);
    this.#tokens.set(token, { kind, ...(corpId ? { corpId } : {}), expiresAt: now + this.tokenLifetimeSeconds * 1000 });
    this.#current.set(key, token);
    return { token, expiresIn: this.tokenLifetimeSeconds };
  }

  providerToken(corpid: unknown, providerSecret: unknown): { token: string; expiresIn: number } {
    if (corpid !== this.credentials.providerCorpId) throw new WeComError(40013);
    if (providerSecret !== this.credentials.providerSecret) throw new WeComError(40001);
    return this.#issue('provider', 'provider');
  }

  suiteToken(suiteId: unknown, suiteSecret: unknown, suiteTicket: unknown): { token: string; expiresIn: number } {
    if (suiteId !== this.credentials.suiteId) throw new WeComError(40083);
    if (suiteSecret !== this.credentials.suiteSecret) throw new WeComError(40080);
    const issued = this.#tickets.find(([ticket]) => ticket === suiteTicket);
    if (!issued || issued[1] + TICKET_VALID_MS <= this.clock.now()) throw new WeComError(40085);
    return this.#issue('suite', 'suite');
  }

  corpToken(corpId: string): { token: string; expiresIn: number } {
    return this.#issue(`corp:${corpId}`, 'corp', corpId);
  }

  #check(token: unknown, kind: TokenKind): TokenRecord {
    const invalid = kind === 'corp' ? 40014 : 40082;
    if (typeof token !== 'string' || token === '') throw new WeComError(41001);
    const record = this.#tokens.get(token);
    if (!record || record.kind !== kind || record.revoked) throw new WeComError(invalid);
    if (record.expiresAt <= this.clock.now()) throw new WeComError(kind === 'corp' ? 42001 : 42009);
    return record;
  }

  requireSuiteToken(token: unknown): void {
    this.#check(token, 'suite');
  }

  requireProviderToken(token: unknown): void {
    this.#check(token, 'provider');
  }

  /** The corp a valid corp token belongs to; 48004 once the corp uninstalled the app. */
  requireCorpToken(token: unknown): { corp: SimCorp; install: InstallRecord } {
    const record = this.#check(token, 'corp');
    const install = this.activeInstall(record.corpId!);
    if (!install) throw new WeComError(48004);
    return { corp: this.requireCorp(record.corpId!), install };
  }

  /** Forces "expired" for the current token of `key` (`suite`, `provider`, `corp:<corpId>`). */
  expireToken(key: string): void {
    const current = this.#current.get(key);
    const record = current ? this.#tokens.get(current) : undefined;
    if (record) record.expiresAt = Math.min(record.expiresAt, this.clock.now());
  }

  /** Revokes the current token of `key` early (40082 / 40014 from now on). */
  invalidateToken(key: string): void {
    const current = this.#current.get(key);
    const record = current ? this.#tokens.get(current) : undefined;
    if (record) record.revoked = true;
  }

  #revokeCorpTokens(corpId: string): void {
    for (const record of this.#tokens.values()) if (record.kind === 'corp' && record.corpId === corpId) record.revoked = true;
  }

  // ---- install ----------------------------------------------------------------------------------

  preAuthCode(): { code: string; expiresIn: number } {
    const code = secret(48);
    this.#preAuthCodes.set(code, { expiresAt: this.clock.now() + PRE_AUTH_CODE_SECONDS * 1000 });
    return { code, expiresIn: PRE_AUTH_CODE_SECONDS };
  }

  setSessionInfo(preAuthCode: unknown, authType: unknown): void {
    const record = typeof preAuthCode === 'string' ? this.#preAuthCodes.get(preAuthCode) : undefined;
    if (!record || record.used || record.expiresAt <= this.clock.now()) throw new WeComError(40058, 'invalid pre_auth_code');
    if (authType !== undefined && authType !== 0 && authType !== 1) throw new WeComError(40058, 'invalid auth_type');
    record.authType = (authType ?? 0) as 0 | 1;
  }

  /** Why the install page refuses this pre_auth_code, or undefined. `released`: whether the suite is live. */
  preAuthCodeProblem(preAuthCode: string, released: boolean): string | undefined {
    const record = this.#preAuthCodes.get(preAuthCode);
    if (!record) return 'preauthcode校验失败 (unknown pre_auth_code)';
    if (record.used) return 'preauthcode校验失败 (pre_auth_code already used)';
    if (record.expiresAt <= this.clock.now()) return 'preauthcode校验失败 (pre_auth_code expired)';
    if (!released && record.authType !== 1) return 'preauthcode校验失败 (the app is not released: set_session_info with auth_type 1 first)';
    return undefined;
  }

  /**
   * The admin confirms the install page: the pre_auth_code is spent, the corp installs (or its
   * range changes on a reinstall), and a fresh auth_code (64+ characters, 600 s, once) is returned.
   */
  installFromPage(o: { preAuthCode: string; corpId: string; range: VisibleRange; state: string; released: boolean }): { authCode: string; expiresIn: number } {
    const problem = this.preAuthCodeProblem(o.preAuthCode, o.released);
    if (problem) throw new WeComInputError(problem);
    const record = this.#preAuthCodes.get(o.preAuthCode)!;
    record.used = true;
    return this.#install(o.corpId, o.range, o.state, record.authType ?? 0);
  }

  /** An install that starts in WeCom (the marketplace, a registration): no pre_auth_code. */
  installDirect(corpId: string, range: VisibleRange, state = '', registerCode?: string): { authCode: string; expiresIn: number } {
    return this.#install(corpId, range, state, 0, registerCode);
  }

  #install(corpId: string, range: VisibleRange, state: string, authType: 0 | 1, registerCode?: string): { authCode: string; expiresIn: number } {
    const corp = this.requireCorp(corpId);
    const existing = this.activeInstall(corpId);
    const first = corp.memberIndices()[0];
    this.#installs.set(corpId, {
      corpId,
      permanentCode: existing?.permanentCode ?? secret(32),
      range: normalizeRange(range),
      installedAt: existing?.installedAt ?? this.clock.seconds(),
      authType,
      authUserId: first === undefined ? '' : corp.useridAt(first),
      state,
      ...(registerCode ? { registerCode } : {}),
    });
    const authCode = secret(60);
    this.#authCodes.set(authCode, { corpId, expiresAt: this.clock.now() + AUTH_CODE_SECONDS * 1000, state, ...(registerCode ? { registerCode } : {}) });
    return { authCode, expiresIn: AUTH_CODE_SECONDS };
  }

  /** get_permanent_code (v1, v2): the auth_code is spent. */
  redeemAuthCode(authCode: unknown): { corp: SimCorp; install: InstallRecord; state: string } {
    if (typeof authCode !== 'string' || authCode === '') throw new WeComError(40029);
    if (authCode.length < 64) throw new WeComError(40058, 'auth_code exceed min length 64');
    const record = this.#authCodes.get(authCode);
    if (!record || record.expiresAt <= this.clock.now()) throw new WeComError(40029);
    if (record.used) throw new WeComError(40078);
    const install = this.activeInstall(record.corpId);
    if (!install) throw new WeComError(40029);
    record.used = true;
    return { corp: this.requireCorp(record.corpId), install, state: record.state };
  }

  /** get_auth_info / get_corp_token: 40084 unless the pair is an active installation's. */
  requirePermanentCode(authCorpId: unknown, permanentCode: unknown): { corp: SimCorp; install: InstallRecord } {
    if (typeof permanentCode !== 'string' || permanentCode === '') throw new WeComError(41025);
    if (typeof authCorpId !== 'string' || !this.#corps.has(authCorpId)) throw new WeComError(40013);
    const install = this.activeInstall(authCorpId);
    if (!install || install.permanentCode !== permanentCode) throw new WeComError(40084);
    return { corp: this.requireCorp(authCorpId), install };
  }

  /** Once per install, within 3 months of it (WECOM.md §3.10); a second request is refused. */
  massCallTicket(install: InstallRecord): { ticket: string } {
    if (install.massCallTicket) throw new WeComError(40058, 'mass_call_ticket was applied for already');
    if (this.clock.seconds() - install.installedAt > MASS_CALL_WINDOW_SECONDS)
      throw new WeComError(40058, 'mass_call_ticket can only be applied for within 3 months of authorization');
    const ticket = secret(24);
    install.massCallTicket = { ticket, expiresAt: this.clock.now() + MASS_CALL_TICKET_MS };
    return { ticket };
  }

  /** Whether `ticket` is the install's mass_call_ticket and still valid. */
  validMassCallTicket(install: InstallRecord, ticket: unknown): boolean {
    return typeof ticket === 'string' && install.massCallTicket?.ticket === ticket && install.massCallTicket.expiresAt > this.clock.now();
  }

  changeRange(corpId: string, range: VisibleRange): InstallRecord {
    const install = this.activeInstall(corpId);
    if (!install) throw new WeComError(48004);
    install.range = normalizeRange(range);
    return install;
  }

  /** The admin uninstalls: the permanent code and the corp's tokens stop working. */
  uninstall(corpId: string): void {
    const install = this.activeInstall(corpId);
    if (!install) throw new WeComInputError(`${corpId} has not installed the app`, 409);
    install.cancelled = true;
    install.permanentCode = '';
    this.#revokeCorpTokens(corpId);
    this.#current.delete(`corp:${corpId}`);
  }

  // ---- registration -----------------------------------------------------------------------------

  registerCode(o: { templateId: string; corpName?: string; adminName?: string; state?: string; followUser?: string }): { code: string; expiresIn: number } {
    const code = secret(24);
    const now = this.clock.now();
    this.#registerCodes.set(code, { ...o, createdAt: now, expiresAt: now + REGISTER_CODE_SECONDS * 1000 });
    return { code, expiresIn: REGISTER_CODE_SECONDS };
  }

  registerCodeRecord(code: string): RegisterCodeRecord | undefined {
    return this.#registerCodes.get(code);
  }

  /** Why the register page refuses this code, or undefined. */
  registerCodeProblem(code: string): string | undefined {
    const record = this.#registerCodes.get(code);
    if (!record) return '注册码无效 (invalid register_code)';
    if (record.corpId) return '注册码已使用 (register_code already used)';
    if (record.expiresAt <= this.clock.now()) return '注册码已过期 (register_code expired)';
    return undefined;
  }

  /** The new corp is created and the suite installed over all of it; the register code is spent. */
  completeRegistration(code: string, o: { corpName: string; adminName: string; members?: number; customers?: number }): { corp: SimCorp; authCode: string } {
    const problem = this.registerCodeProblem(code);
    if (problem) throw new WeComInputError(problem);
    const record = this.#registerCodes.get(code)!;
    let salt = 0;
    while (this.#corps.has(corpIdFor(o.corpName, `register-${salt}`))) salt += 1;
    const created = new SimCorp(
      { corpName: o.corpName, corpId: corpIdFor(o.corpName, `register-${salt}`), members: o.members ?? 3, customers: o.customers ?? 0 },
      this.clock.seconds(),
    );
    this.#corps.set(created.corpId, created);
    created.updateMember(0, { name: o.adminName });
    record.corpId = created.corpId;
    record.authUserId = created.useridAt(0);
    const { authCode } = this.installDirect(created.corpId, { departments: [1], users: [], tags: [] }, record.state ?? '', code);
    return { corp: created, authCode };
  }

  requireRegisterCode(code: unknown): RegisterCodeRecord {
    if (typeof code !== 'string' || code === '') throw new WeComError(84021, 'register_code missing');
    const record = this.#registerCodes.get(code);
    if (!record || record.createdAt + KEEP_EXPIRED_MS <= this.clock.now()) throw new WeComError(84022);
    if (!record.corpId) throw new WeComError(84024);
    return record;
  }
}

function normalizeRange(range: VisibleRange): VisibleRange {
  return {
    departments: [...new Set(range.departments)].sort((a, b) => a - b),
    users: [...new Set(range.users)],
    tags: [...new Set(range.tags)],
  };
}
