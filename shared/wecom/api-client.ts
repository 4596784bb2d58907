/**
 * The typed WeCom client (WECOM.md §3): one method per API the hub calls, on `WECOM_API_BASE`
 * (WeCom, or the simulator locally). It caches no token: each call takes a `WeComTokenSource` and,
 * when WeCom refuses the token (42009/40082 suite, 42001/40014 corp, §4.3), expires exactly the one
 * it used and retries once with a fresh one. `-1` (busy) and connections that never opened are
 * retried with backoff. It has the shape of the domain's `WeComApi` port (checked where it is
 * wired). Errors are `WeComApiError` (WeCom's `errcode`) or `WeComNetworkError`; none carries a URL
 * (tokens travel in the query) and secrets WeCom echoes in `errmsg` are masked.
 *
 * "因历史原因" some token APIs return an `errcode` only on failure (§3.2, §3.8): success is the
 * token field being there.
 */
import type { AuthInfoResult, ExternalContact, FollowInfo, PermanentCodeResult, VisibleRange, WeComTokenSource } from '#shared/wecom/api-types.ts';

/** `errcode`s meaning "this token is wrong or expired": the suite's, the provider's or a corp's. */
export const WECOM_TOKEN_ERRORS: ReadonlySet<number> = new Set([42009, 40082, 42001, 40014]);
/** WeCom is busy: retried with backoff (at most 3 times, §4.3). */
const BUSY = -1;

export class WeComApiError extends Error {
  override readonly name = 'WeComApiError';
  constructor(
    readonly api: string,
    readonly errcode: number,
    readonly errmsg: string,
  ) {
    super(`WeCom ${api} answered errcode ${errcode}: ${errmsg}`);
  }
}

export type WeComNetworkFailure = 'timeout' | 'connection' | 'interrupted' | 'http_status' | 'bad_body';

export class WeComNetworkError extends Error {
  override readonly name = 'WeComNetworkError';
  constructor(
    readonly api: string,
    readonly failure: WeComNetworkFailure,
    detail: string,
  ) {
    super(`WeCom ${api} failed (${failure}): ${detail}`);
  }
}

export interface WeComApiClientOptions {
  apiBase: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  retries?: number;
  backoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

type Json = Record<string, unknown>;
type TokenParam = 'suite_access_token' | 'provider_access_token' | 'access_token';

interface Call {
  api: string;
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string | undefined>;
  body?: Json;
  token?: { source: WeComTokenSource; param: TokenParam };
  /** The field whose presence means success, for the APIs that omit `errcode` on success. */
  successField?: string;
}

const SECRET_FIELDS = new Set(['suite_secret', 'suite_ticket', 'provider_secret', 'permanent_code', 'auth_code', 'pre_auth_code']);
const NEVER_OPENED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function str(api: string, raw: Json, field: string): string {
  const value = raw[field];
  if (typeof value !== 'string' || value === '') throw new WeComNetworkError(api, 'bad_body', `the answer has no ${field}`);
  return value;
}

const optStr = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const num = (value: unknown, fallback: number): number => {
  const parsed = typeof value === 'number' ? value : typeof value === 'string' && value !== '' ? Number(value) : NaN;
  return Number.isFinite(parsed) ? parsed : fallback;
};
const numbers = (value: unknown): number[] => (Array.isArray(value) ? value.map((item) => num(item, NaN)).filter(Number.isFinite) : []);
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);

function withOptional<T extends object>(base: T, extra: Record<string, unknown>): T {
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) (base as Json)[key] = value;
  return base;
}

/** `auth_info.agent[]` → the visible range (the union over the suite's agents). */
export function authInfoOf(api: string, raw: Json): AuthInfoResult {
  const corp = isObject(raw.auth_corp_info) ? raw.auth_corp_info : {};
  const agents = isObject(raw.auth_info) && Array.isArray(raw.auth_info.agent) ? raw.auth_info.agent.filter(isObject) : [];
  const range: VisibleRange = { departments: [], users: [], tags: [] };
  for (const agent of agents) {
    const privilege = isObject(agent.privilege) ? agent.privilege : {};
    range.departments.push(...numbers(privilege.allow_party));
    range.users.push(...strings(privilege.allow_user));
    range.tags.push(...numbers(privilege.allow_tag));
  }
  const dedupe = <T>(items: T[]) => [...new Set(items)];
  const agentId = agents[0] === undefined ? undefined : num(agents[0].agentid, NaN);
  return withOptional(
    {
      corpId: str(api, corp, 'corpid'),
      corpName: optStr(corp.corp_name) ?? '',
      visibleRange: { departments: dedupe(range.departments), users: dedupe(range.users), tags: dedupe(range.tags) },
      // get_auth_info lists no permissions: an installed agent holds what the suite is configured
      // with (客户基础信息, WECOM.md §8.1). A customer API answering 48002 says otherwise later.
      customerPermission: agents.length > 0,
    },
    { agentId: agentId !== undefined && Number.isFinite(agentId) ? agentId : undefined },
  );
}

export class WeComApiClient {
  private readonly apiBase: string;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: WeComApiClientOptions) {
    this.apiBase = options.apiBase.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.retries = Math.max(0, options.retries ?? 3);
    this.backoffMs = options.backoffMs ?? 200;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async getSuiteToken(request: { suiteId: string; suiteSecret: string; suiteTicket: string }): Promise<{ token: string; expiresIn: number }> {
    const api = 'service/get_suite_token';
    const raw = await this.call({
      api,
      method: 'POST',
      path: '/cgi-bin/service/get_suite_token',
      body: { suite_id: request.suiteId, suite_secret: request.suiteSecret, suite_ticket: request.suiteTicket },
      successField: 'suite_access_token',
    });
    return { token: str(api, raw, 'suite_access_token'), expiresIn: num(raw.expires_in, 7200) };
  }

  async getProviderToken(request: { corpId: string; providerSecret: string }): Promise<{ token: string; expiresIn: number }> {
    const api = 'service/get_provider_token';
    const raw = await this.call({
      api,
      method: 'POST',
      path: '/cgi-bin/service/get_provider_token',
      body: { corpid: request.corpId, provider_secret: request.providerSecret },
      successField: 'provider_access_token',
    });
    return { token: str(api, raw, 'provider_access_token'), expiresIn: num(raw.expires_in, 7200) };
  }

  async getCorpToken(suite: WeComTokenSource, request: { authCorpId: string; permanentCode: string }): Promise<{ token: string; expiresIn: number }> {
    const api = 'service/get_corp_token';
    const raw = await this.call({
      api,
      method: 'POST',
      path: '/cgi-bin/service/get_corp_token',
      token: { source: suite, param: 'suite_access_token' },
      body: { auth_corpid: request.authCorpId, permanent_code: request.permanentCode },
      successField: 'access_token',
    });
    return { token: str(api, raw, 'access_token'), expiresIn: num(raw.expires_in, 7200) };
  }

  async getPreAuthCode(suite: WeComTokenSource): Promise<{ preAuthCode: string; expiresIn: number }> {
    const api = 'service/get_pre_auth_code';
    const raw = await this.call({ api, method: 'GET', path: '/cgi-bin/service/get_pre_auth_code', token: { source: suite, param: 'suite_access_token' } });
    return { preAuthCode: str(api, raw, 'pre_auth_code'), expiresIn: num(raw.expires_in, 1200) };
  }

  async setSessionInfo(suite: WeComTokenSource, request: { preAuthCode: string; authType: 0 | 1 }): Promise<void> {
    await this.call({
      api: 'service/set_session_info',
      method: 'POST',
      path: '/cgi-bin/service/set_session_info',
      token: { source: suite, param: 'suite_access_token' },
      body: { pre_auth_code: request.preAuthCode, session_info: { auth_type: request.authType } },
    });
  }

  async getPermanentCode(suite: WeComTokenSource, request: { authCode: string }): Promise<PermanentCodeResult> {
    const api = 'service/v2/get_permanent_code';
    const raw = await this.call({
      api,
      method: 'POST',
      path: '/cgi-bin/service/v2/get_permanent_code',
      token: { source: suite, param: 'suite_access_token' },
      body: { auth_code: request.authCode },
    });
    const corp = isObject(raw.auth_corp_info) ? raw.auth_corp_info : {};
    const user = isObject(raw.auth_user_info) ? raw.auth_user_info : {};
    const register = isObject(raw.register_code_info) ? raw.register_code_info : {};
    return withOptional(
      { permanentCode: str(api, raw, 'permanent_code'), corpId: str(api, corp, 'corpid'), corpName: optStr(corp.corp_name) ?? '' },
      {
        authUserId: optStr(user.userid),
        authOpenUserId: optStr(user.open_userid),
        state: optStr(raw.state) ?? optStr(register.state),
        registerCode: optStr(register.register_code),
      },
    );
  }

  async getAuthInfo(suite: WeComTokenSource, request: { authCorpId: string; permanentCode: string }): Promise<AuthInfoResult> {
    const api = 'service/get_auth_info';
    const raw = await this.call({
      api,
      method: 'POST',
      path: '/cgi-bin/service/get_auth_info',
      token: { source: suite, param: 'suite_access_token' },
      body: { auth_corpid: request.authCorpId, permanent_code: request.permanentCode },
    });
    return authInfoOf(api, raw);
  }

  async getRegisterCode(provider: WeComTokenSource, request: { templateId: string; state: string }): Promise<{ registerCode: string; expiresIn: number }> {
    const api = 'service/get_register_code';
    const raw = await this.call({
      api,
      method: 'POST',
      path: '/cgi-bin/service/get_register_code',
      token: { source: provider, param: 'provider_access_token' },
      body: { template_id: request.templateId, state: request.state },
    });
    return { registerCode: str(api, raw, 'register_code'), expiresIn: num(raw.expires_in, 600) };
  }

  async getFollowUserList(corp: WeComTokenSource): Promise<string[]> {
    const raw = await this.call({
      api: 'externalcontact/get_follow_user_list',
      method: 'GET',
      path: '/cgi-bin/externalcontact/get_follow_user_list',
      token: { source: corp, param: 'access_token' },
    });
    return strings(raw.follow_user);
  }

  async batchGetByUser(
    corp: WeComTokenSource,
    request: { userIds: string[]; cursor?: string; limit?: number },
  ): Promise<{ contacts: { externalContact: ExternalContact; followInfo: FollowInfo }[]; nextCursor?: string }> {
    const raw = await this.call({
      api: 'externalcontact/batch/get_by_user',
      method: 'POST',
      path: '/cgi-bin/externalcontact/batch/get_by_user',
      token: { source: corp, param: 'access_token' },
      body: { userid_list: request.userIds, cursor: request.cursor ?? '', limit: request.limit ?? 100 },
    });
    const list = Array.isArray(raw.external_contact_list) ? raw.external_contact_list.filter(isObject) : [];
    const contacts = list.map((entry) => ({
      externalContact: (isObject(entry.external_contact) ? entry.external_contact : {}) as unknown as ExternalContact,
      followInfo: (isObject(entry.follow_info) ? entry.follow_info : {}) as unknown as FollowInfo,
    }));
    return withOptional({ contacts }, { nextCursor: optStr(raw.next_cursor) });
  }

  async getExternalContact(
    corp: WeComTokenSource,
    request: { externalUserId: string; cursor?: string },
  ): Promise<{ externalContact: ExternalContact; followUsers: FollowInfo[]; nextCursor?: string }> {
    const api = 'externalcontact/get';
    const raw = await this.call({
      api,
      method: 'GET',
      path: '/cgi-bin/externalcontact/get',
      query: { external_userid: request.externalUserId, cursor: request.cursor },
      token: { source: corp, param: 'access_token' },
    });
    if (!isObject(raw.external_contact)) throw new WeComNetworkError(api, 'bad_body', 'the answer has no external_contact');
    const followUsers = (Array.isArray(raw.follow_user) ? raw.follow_user.filter(isObject) : []) as unknown as FollowInfo[];
    return withOptional({ externalContact: raw.external_contact as unknown as ExternalContact, followUsers }, { nextCursor: optStr(raw.next_cursor) });
  }

  async unionidToExternalUserid(
    corp: WeComTokenSource,
    request: { unionid: string; openid: string; subjectType: 0 | 1 },
  ): Promise<{ externalUserId?: string; pendingId?: string }> {
    const raw = await this.call({
      api: 'idconvert/unionid_to_external_userid',
      method: 'POST',
      path: '/cgi-bin/idconvert/unionid_to_external_userid',
      token: { source: corp, param: 'access_token' },
      body: { unionid: request.unionid, openid: request.openid, subject_type: request.subjectType },
    });
    return withOptional({}, { externalUserId: optStr(raw.external_userid), pendingId: optStr(raw.pending_id) });
  }

  // ---- the call itself ----------------------------------------------------------------------------

  private async call(call: Call): Promise<Json> {
    if (!call.token) return this.withRetries(call, undefined);
    const used = await call.token.source.current();
    try {
      return await this.withRetries(call, used);
    } catch (error) {
      if (!(error instanceof WeComApiError) || !WECOM_TOKEN_ERRORS.has(error.errcode)) throw error;
      await call.token.source.expire(used);
      const fresh = await call.token.source.current();
      if (fresh === used) throw error;
      return await this.withRetries(call, fresh);
    }
  }

  private async withRetries(call: Call, token: string | undefined): Promise<Json> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(call, token);
      } catch (error) {
        const transient = (error instanceof WeComApiError && error.errcode === BUSY) || (error instanceof WeComNetworkError && error.failure === 'connection');
        if (!transient || attempt >= this.retries) throw error;
        await this.sleep(this.backoffMs * 2 ** attempt);
      }
    }
  }

  private async once(call: Call, token: string | undefined): Promise<Json> {
    const url = new URL(this.apiBase + call.path);
    for (const [name, value] of Object.entries(call.query ?? {})) if (value !== undefined) url.searchParams.set(name, value);
    if (token !== undefined && call.token) url.searchParams.set(call.token.param, token);
    let text: string;
    let status: number;
    try {
      const response = await this.fetchImpl(url, {
        method: call.method,
        ...(call.body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(call.body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      if ((error as Error)?.name === 'TimeoutError') throw new WeComNetworkError(call.api, 'timeout', `no answer within ${this.timeoutMs} ms`);
      const code = codeOf(error);
      throw new WeComNetworkError(call.api, code && NEVER_OPENED.has(code) ? 'connection' : 'interrupted', code ?? 'the connection failed');
    }
    if (status < 200 || status > 299) throw new WeComNetworkError(call.api, 'http_status', `HTTP ${status}`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new WeComNetworkError(call.api, 'bad_body', 'the answer is not JSON');
    }
    if (!isObject(body)) throw new WeComNetworkError(call.api, 'bad_body', 'the answer is not a JSON object');
    const errcode = num(body.errcode, 0);
    if (errcode !== 0 && !(call.successField && typeof body[call.successField] === 'string')) {
      const secrets = [
        token,
        ...Object.entries(call.body ?? {}).flatMap(([name, value]) => (SECRET_FIELDS.has(name) && typeof value === 'string' ? [value] : [])),
      ];
      throw new WeComApiError(call.api, errcode, mask(typeof body.errmsg === 'string' ? body.errmsg : '', secrets).slice(0, 500));
    }
    return body;
  }
}

function codeOf(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; isObject(current) && depth < 4; current = current.cause, depth++) {
    if (typeof current.code === 'string') return current.code;
  }
  return undefined;
}

function mask(text: string, secrets: readonly (string | undefined)[]): string {
  const maskable = secrets.filter((secret): secret is string => secret !== undefined && secret.length >= 8).sort((a, b) => b.length - a.length);
  return maskable.reduce((masked, secret) => masked.split(secret).join('***'), text);
}
