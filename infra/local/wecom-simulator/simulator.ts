/**
 * A stand-in for WeCom (qyapi.weixin.qq.com and the open.work.weixin.qq.com pages) for `npm start`,
 * the e2e tests and the benchmarks, on loopback, inside the caller's process; the sibling of the
 * WeChat simulator (`../wechat-simulator/`), shaped like it. It keeps WeCom's rules (WECOM.md §3,
 * §4): tickets valid 30 minutes, tokens 7200 s, codes single use, `{errcode, errmsg}` errors with
 * HTTP 200, frequency limits as counters (limits.ts), pushes encrypted with the suite's key.
 *
 * - Suite: a `suite_ticket` pushed to `{hub}/v1/wecom/suite` at start (retried until the hub
 *   answers `success`) and every 10 minutes (`ticketIntervalMs`); every push is tried 3 times.
 * - Install page `/3rdapp/install` (pages.ts): the admin picks the corp and the visible range; the
 *   browser goes to `redirect_uri?auth_code=…&expires_in=600&state=…`, after a `create_auth` push
 *   (`createAuthOnSiteInstall`, default on: WECOM.md §2.2 says WeCom skips it for installs started
 *   on the provider's site; the hub handles both paths, keyed on the auth_code).
 * - Registration page `/3rdservice/wework/register?register_code=…`: a new corp is created, the app
 *   installed over all of it, `register_corp` pushed (ReceiveId = provider corpid), then `create_auth`.
 * - Corps with members and customers (corp.ts), some of them followers of the WeChat simulator's
 *   Official Account (same unionid and openid).
 *
 * Control surface: the methods of `WeComSimulator`, mirrored as a JSON admin API under `/__sim/`
 * (admin-api.ts). Latency and faults apply to API calls only, never to `/__sim/` or the pages.
 *
 * With `stateFile` (the local stack's `<dataDir>/wecom-simulator.json`) the world is loaded at start
 * when the file exists (instead of seeding) and saved atomically a moment after each change and at
 * stop. Latency, faults, call counts and frequency counters are per run and not saved.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { demoAccounts, demoAccountSpecs } from '../wechat-simulator/accounts.ts';
import { BodyTooLargeError, readBody, sendHtml, sendJson } from '../wechat-simulator/http-io.ts';
import { debouncedSave, writeFileAtomic } from '../state-file.ts';
import { apiRoutes } from './api.ts';
import { handleAdmin } from './admin-api.ts';
import type { CorpView, ExternalContactChange, WeComFault, WeComSimulator } from './control.ts';
import type { CorpSpec, SimCorp } from './corp.ts';
import { wecomSimulatorCredentials, type WeComSimulatorCredentials } from './credentials.ts';
import { FrequencyLimiter, type FrequencyLimits } from './limits.ts';
import { renderErrorPage, renderInstallPage, renderRegisteredPage, renderRegisterPage } from './pages.ts';
import { WeComPusher, type PushOutcome, type XmlFields } from './pusher.ts';
import { errorBody, WeComError } from './wecom-error.ts';
import { SimClock, WeComInputError, WeComWorld, type VisibleRange, type WeComWorldSnapshot } from './world.ts';

export { wecomSimulatorCredentials } from './credentials.ts';
export type { WeComSimulatorCredentials } from './credentials.ts';
export type { CorpSpec, LinkedAccountSpec } from './corp.ts';
export type { FrequencyLimits } from './limits.ts';
export type { PushOutcome } from './pusher.ts';
export type { CorpView, ExternalContactChange, WeComFault, WeComSimulator } from './control.ts';
export { WeComInputError, type VisibleRange } from './world.ts';

export interface WeComSimulatorOptions {
  /** 0 or absent: a free port. */
  port?: number;
  /** Where pushes go: POST {hubBaseUrl}/v1/wecom/suite; absent = no pushes. */
  hubBaseUrl?: string;
  /**
   * The suite's 安装完成回调域名, as an origin: the install page redirects only to a `redirect_uri`
   * on this host, as WeCom does (WECOM.md §3.5). Absent: no check.
   */
  installCallbackOrigin?: string;
  credentials?: WeComSimulatorCredentials;
  /** Default 600 000 (10 min); 0 = no timer. With a hub, the first push follows shortly after start. */
  ticketIntervalMs?: number;
  /** Added to every API call (default 0; the bench uses 20). */
  latencyMs?: number;
  /** expires_in of provider, suite and corp tokens (default 7200). */
  tokenLifetimeSeconds?: number;
  /** Default true: the demo corp (`demoCorpSpec`). Ignored when `stateFile` exists. */
  seedCorp?: boolean | CorpSpec;
  /** Where the world is saved and loaded from (JSON, mode 0600: it holds the simulated tokens). */
  stateFile?: string;
  /** Whether the suite is released (上线): an unreleased one installs only after set_session_info auth_type 1 (default false). */
  released?: boolean;
  /** The install page also pushes `create_auth` (default true; WeCom itself does not for site installs). */
  createAuthOnSiteInstall?: boolean;
  /** Frequency limits (limits.ts); defaults are WeCom's. */
  limits?: Partial<FrequencyLimits>;
  /** Pause between the tries of a push (default 1000 ms). */
  pushRetryDelayMs?: number;
}

/** The demo corp: 20 members, 300 customers, some of them followers (with a unionid) of the WeChat simulator's verified demo account. */
export const demoCorpSpec: CorpSpec = {
  corpName: '模拟企业 Demo Corp',
  members: 20,
  departments: 4,
  customers: 300,
  linkedAccount: {
    appid: demoAccounts.verifiedService.appid,
    followers: demoAccountSpecs[0]!.followers!,
    unionidRatio: demoAccountSpecs[0]!.unionidRatio!,
    share: 0.5,
  },
};

const INSTALL_PATH = '/3rdapp/install';
const REGISTER_PATH = '/3rdservice/wework/register';
const FIRST_TICKET_DELAY_MS = 250;
const FIRST_TICKET_RETRY_MS = 1_000;
const FIRST_TICKET_ATTEMPTS = 30;
const SAVE_DELAY_MS = 250;
const STATE = /^[a-zA-Z0-9]{0,128}$/;

function log(message: string): void {
  process.stderr.write(`[wecom-simulator] ${message}\n`);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function absoluteHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function loadWorld(file: string, o: { credentials: WeComSimulatorCredentials; tokenLifetimeSeconds: number }): WeComWorld {
  try {
    return WeComWorld.restore(JSON.parse(readFileSync(file, 'utf8')) as WeComWorldSnapshot, o);
  } catch (error) {
    throw new Error(
      `the simulated WeCom's saved world ${file} cannot be read (${(error as Error).message}); start with --fresh, or delete the file, to begin again`,
    );
  }
}

export async function startWeComSimulator(options: WeComSimulatorOptions = {}): Promise<WeComSimulator> {
  const credentials = options.credentials ?? { ...wecomSimulatorCredentials };
  const tokenLifetimeSeconds = options.tokenLifetimeSeconds ?? 7200;
  const stateFile = options.stateFile;
  const released = options.released ?? false;
  const createAuthOnSiteInstall = options.createAuthOnSiteInstall ?? true;
  let world: WeComWorld;
  if (stateFile && existsSync(stateFile)) {
    world = loadWorld(stateFile, { credentials, tokenLifetimeSeconds });
  } else {
    world = new WeComWorld({ clock: new SimClock(), credentials, tokenLifetimeSeconds });
    const seed = options.seedCorp ?? true;
    if (seed) world.addCorp(seed === true ? demoCorpSpec : seed);
  }
  const clock = world.clock;
  const saver = stateFile
    ? debouncedSave(() => writeFileAtomic(stateFile, JSON.stringify(world.snapshot())), {
        delayMs: SAVE_DELAY_MS,
        onError: (error) => log(`saving the world to ${stateFile} failed: ${(error as Error).message}`),
      })
    : undefined;
  saver?.changed();
  saver?.flush();
  const pusher = new WeComPusher({
    hubBaseUrl: options.hubBaseUrl,
    credentials,
    log,
    ...(options.pushRetryDelayMs !== undefined ? { retryDelayMs: options.pushRetryDelayMs } : {}),
  });
  const limiter = new FrequencyLimiter(options.limits);

  let latencyMs = options.latencyMs ?? 0;
  let faults: Array<Pick<WeComFault, 'path' | 'errcode' | 'errmsg' | 'httpStatus' | 'stallMs' | 'rate'> & { remaining?: number }> = [];
  let counts: Record<string, number> = {};
  let served: Record<string, number> = {};
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;

  function later(fn: () => void, ms: number): void {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!stopped) fn();
    }, ms);
    timer.unref();
    timers.add(timer);
  }

  const base = (infoType: string): XmlFields => ({ SuiteId: credentials.suiteId, InfoType: infoType, TimeStamp: clock.seconds() });

  function pushTicketNow(tries?: number): Promise<PushOutcome> {
    const ticket = world.issueTicket();
    return pusher.suiteEvent({ ...base('suite_ticket'), SuiteTicket: ticket }, tries);
  }

  function pushCreateAuth(authCode: string, state: string): Promise<PushOutcome> {
    return pusher.suiteEvent({ ...base('create_auth'), AuthCode: authCode, State: state, ExtraInfo: '' });
  }

  function pushContact(corp: SimCorp, changeType: string, fields: XmlFields): Promise<PushOutcome> {
    return pusher.suiteEvent({ ...base('change_contact'), AuthCorpId: corp.corpId, ChangeType: changeType, ...fields });
  }

  function pushCustomer(corp: SimCorp, change: ExternalContactChange, userid: string, externalUserid: string): Promise<PushOutcome> {
    const fields: XmlFields = {
      ...base('change_external_contact'),
      AuthCorpId: corp.corpId,
      ChangeType: change.changeType,
      UserID: userid,
      ExternalUserID: externalUserid,
    };
    if (change.changeType === 'add_external_contact' || change.changeType === 'add_half_external_contact') {
      if (change.state) fields.State = change.state;
      fields.WelcomeCode = change.welcomeCode ?? `wc${Buffer.from(`${externalUserid}:${userid}:${clock.now()}`).toString('base64url').slice(0, 30)}`;
    }
    if (change.changeType === 'del_external_contact' && change.source) fields.Source = change.source;
    if (change.changeType === 'transfer_fail') fields.FailReason = change.failReason;
    return pusher.suiteEvent(fields);
  }

  /** An installed corp: WeCom pushes nothing for a corp without the app. */
  function installedCorp(corpId: string): SimCorp {
    const corp = world.requireCorp(corpId);
    if (!world.activeInstall(corpId)) throw new WeComInputError(`${corpId} has not installed the app: WeCom pushes none of its changes`, 409);
    return corp;
  }

  function memberOf(corp: SimCorp, userid: string): number {
    const m = corp.memberIndexOf(userid);
    if (m === undefined) throw new WeComInputError(`no member ${userid} in ${corp.corpId}`, 404);
    return m;
  }

  function customerOf(corp: SimCorp, externalUserid: string): number {
    const c = corp.customerIndexOf(externalUserid);
    if (c === undefined) throw new WeComInputError(`no customer ${externalUserid} in ${corp.corpId}`, 404);
    return c;
  }

  function view(corp: SimCorp): CorpView {
    const install = world.activeInstall(corp.corpId);
    return {
      corpId: corp.corpId,
      corpName: corp.spec.corpName,
      members: corp.memberIndices().length,
      customers: corp.customerCount,
      departments: corp.departments(),
      verified: corp.spec.verified,
      installed: install !== undefined,
      ...(install ? { visibleRange: structuredClone(install.range) } : {}),
    };
  }

  function checkRange(corp: SimCorp, range: VisibleRange): void {
    const departments = new Set(corp.departments().map((d) => d.id));
    for (const d of range.departments) if (!departments.has(d)) throw new WeComInputError(`no department ${d} in ${corp.corpId}`);
    for (const u of range.users) memberOf(corp, u);
    if (range.departments.length === 0 && range.users.length === 0 && range.tags.length === 0) throw new WeComInputError('the visible range is empty');
  }

  // ---- the pages --------------------------------------------------------------------------------

  interface InstallParams {
    suite_id?: string;
    pre_auth_code?: string;
    redirect_uri?: string;
    state?: string;
  }

  function installProblem(p: InstallParams): string | undefined {
    if (p.suite_id !== credentials.suiteId) return '应用不存在 (invalid suite_id)';
    if (!p.pre_auth_code) return '缺少 pre_auth_code (missing pre_auth_code)';
    const problem = world.preAuthCodeProblem(p.pre_auth_code, released);
    if (problem) return problem;
    if (!p.redirect_uri || !absoluteHttpUrl(p.redirect_uri)) return 'redirect_uri 无效 (redirect_uri must be an absolute http(s) URL)';
    if (options.installCallbackOrigin && new URL(p.redirect_uri).host !== new URL(options.installCallbackOrigin).host)
      return 'redirect_uri 与配置的授权完成回调域名不一致 (redirect_uri is not on the install-callback domain)';
    if (!STATE.test(p.state ?? '')) return 'state 参数不合法 (84025: state must be up to 128 letters or digits)';
    return undefined;
  }

  async function handleInstallPage(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method === 'GET') {
      const p = Object.fromEntries(url.searchParams) as InstallParams;
      const problem = installProblem(p);
      if (problem) return sendHtml(res, 200, renderErrorPage(problem));
      const corps = world.corps();
      return sendHtml(
        res,
        200,
        renderInstallPage({
          suiteId: credentials.suiteId,
          preAuthCode: p.pre_auth_code!,
          redirectUri: p.redirect_uri!,
          state: p.state ?? '',
          appName: 'oa-hub (local)',
          corps,
          installed: new Set(corps.filter((corp) => world.activeInstall(corp.corpId)).map((corp) => corp.corpId)),
        }),
      );
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'GET, POST' }).end();
      return;
    }
    const form = new URLSearchParams(await readBody(req, 256 * 1024));
    const p = {
      suite_id: form.get('suite_id') ?? '',
      pre_auth_code: form.get('pre_auth_code') ?? '',
      redirect_uri: form.get('redirect_uri') ?? '',
      state: form.get('state') ?? '',
    };
    if (form.get('action') === 'cancel') return sendHtml(res, 200, renderErrorPage('已取消安装 (the admin cancelled the install)'));
    const problem = installProblem(p);
    if (problem) return sendHtml(res, 200, renderErrorPage(problem));
    const range: VisibleRange = { departments: form.getAll('department').map(Number), users: form.getAll('user'), tags: [] };
    try {
      const { location } = await install({
        preAuthCode: p.pre_auth_code,
        corpId: form.get('corpid') ?? '',
        range,
        redirectUri: p.redirect_uri,
        state: p.state,
      });
      res.writeHead(302, { location, 'cache-control': 'no-store' }).end();
    } catch (error) {
      if (error instanceof WeComInputError) return sendHtml(res, 200, renderErrorPage(error.message));
      throw error;
    }
  }

  async function install(o: { preAuthCode: string; corpId: string; range: VisibleRange; redirectUri: string; state: string }): Promise<{ location: string }> {
    if (!absoluteHttpUrl(o.redirectUri)) throw new WeComInputError('redirectUri must be an absolute http(s) URL');
    if (!STATE.test(o.state)) throw new WeComInputError('state must be up to 128 letters or digits');
    if (options.installCallbackOrigin && new URL(o.redirectUri).host !== new URL(options.installCallbackOrigin).host)
      throw new WeComInputError('redirect_uri 与配置的授权完成回调域名不一致 (redirect_uri is not on the install-callback domain)');
    const corp = world.requireCorp(o.corpId);
    checkRange(corp, o.range);
    const { authCode, expiresIn } = world.installFromPage({ preAuthCode: o.preAuthCode, corpId: o.corpId, range: o.range, state: o.state, released });
    // The push goes out before the browser is redirected, so the hub sees both paths with one auth_code.
    if (createAuthOnSiteInstall) await pushCreateAuth(authCode, o.state);
    const location = new URL(o.redirectUri);
    location.searchParams.set('auth_code', authCode);
    location.searchParams.set('expires_in', String(expiresIn));
    location.searchParams.set('state', o.state);
    return { location: location.toString() };
  }

  async function handleRegisterPage(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method === 'GET') {
      const code = url.searchParams.get('register_code') ?? '';
      const problem = world.registerCodeProblem(code);
      if (problem) return sendHtml(res, 200, renderErrorPage(problem));
      const record = world.registerCodeRecord(code)!;
      return sendHtml(res, 200, renderRegisterPage({ registerCode: code, corpName: record.corpName ?? '', adminName: record.adminName ?? '' }));
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'GET, POST' }).end();
      return;
    }
    const form = new URLSearchParams(await readBody(req, 64 * 1024));
    const corpName = (form.get('corp_name') ?? '').trim();
    const adminName = (form.get('admin_name') ?? '').trim();
    if (!corpName || !adminName) return sendHtml(res, 200, renderErrorPage('企业名称和管理员姓名必填 (corp name and admin name are required)'));
    try {
      await register({ registerCode: form.get('register_code') ?? '', corpName, adminName });
      return sendHtml(res, 200, renderRegisteredPage(corpName));
    } catch (error) {
      if (error instanceof WeComInputError) return sendHtml(res, 200, renderErrorPage(error.message));
      throw error;
    }
  }

  async function register(o: { registerCode: string; corpName?: string; adminName?: string }): Promise<{ corpId: string }> {
    const record = world.registerCodeRecord(o.registerCode);
    const corpName = o.corpName ?? record?.corpName ?? '新注册企业';
    const adminName = o.adminName ?? record?.adminName ?? '管理员';
    const { corp, authCode } = world.completeRegistration(o.registerCode, { corpName, adminName });
    const registered = world.registerCodeRecord(o.registerCode)!;
    await pusher.systemEvent({
      ServiceCorpId: credentials.providerCorpId,
      InfoType: 'register_corp',
      TimeStamp: clock.seconds(),
      RegisterCode: o.registerCode,
      AuthCorpId: corp.corpId,
      AuthUserInfo: { UserId: corp.useridAt(0) },
      ...(registered.state ? { State: registered.state } : {}),
      TemplateId: registered.templateId,
    });
    await pushCreateAuth(authCode, registered.state ?? '');
    return { corpId: corp.corpId };
  }

  // ---- API calls --------------------------------------------------------------------------------

  function faultFor(path: string): Pick<WeComFault, 'errcode' | 'errmsg' | 'httpStatus' | 'stallMs'> | undefined {
    for (const fault of faults) {
      if (fault.path !== '*' && fault.path !== path) continue;
      if (fault.rate !== undefined && Math.random() >= fault.rate) continue;
      if (fault.remaining !== undefined) {
        fault.remaining -= 1;
        if (fault.remaining <= 0) faults = faults.filter((f) => f !== fault);
      }
      served[path] = (served[path] ?? 0) + 1;
      return fault;
    }
    return undefined;
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const handler = apiRoutes[url.pathname];
    const reply = (body: unknown) => sendJson(res, 200, body);
    if (!handler) {
      sendJson(res, 404, errorBody(404, 'invalid url'));
      return;
    }
    counts[url.pathname] = (counts[url.pathname] ?? 0) + 1;
    const text = await readBody(req);
    if (latencyMs > 0) await sleep(latencyMs);
    const fault = faultFor(url.pathname);
    if (fault?.httpStatus !== undefined) {
      res.writeHead(fault.httpStatus, { 'content-type': 'text/html' }).end(`<html><body><h1>${fault.httpStatus}</h1></body></html>`);
      return;
    }
    if (fault?.stallMs !== undefined) await sleep(fault.stallMs);
    else if (fault) return reply(errorBody(fault.errcode!, fault.errmsg));
    let body: Record<string, unknown> = {};
    if (text.trim() !== '') {
      try {
        const parsed: unknown = JSON.parse(text);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return reply(errorBody(47001));
        body = parsed as Record<string, unknown>;
      } catch {
        return reply(errorBody(47001));
      }
    }
    try {
      reply(handler({ world, limiter, path: url.pathname, query: url.searchParams, body }));
    } catch (error) {
      if (error instanceof WeComError) return reply(errorBody(error.errcode, error.message));
      throw error;
    }
  }

  // ---- the simulator object ---------------------------------------------------------------------

  const simulator: WeComSimulator = {
    baseUrl: '',
    credentials,
    stop: async () => {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      saver?.flush();
    },
    calls: () => ({ ...counts }),
    resetCalls: () => {
      counts = {};
      served = {};
    },
    faultsServed: () => ({ ...served }),
    setLatency: (ms) => {
      if (!Number.isFinite(ms) || ms < 0) throw new WeComInputError('latency must be a non-negative number of milliseconds');
      latencyMs = ms;
    },
    injectFault: (f) => {
      if (typeof f.path !== 'string' || !(f.path === '*' || f.path.startsWith('/'))) throw new WeComInputError('path must be an API path or *');
      const kinds = [f.errcode, f.httpStatus, f.stallMs].filter((value) => value !== undefined).length;
      if (kinds !== 1) throw new WeComInputError('a fault has exactly one of errcode, httpStatus and stallMs');
      if (f.errcode !== undefined && !Number.isSafeInteger(f.errcode)) throw new WeComInputError('errcode must be a whole number');
      if (f.httpStatus !== undefined && !(Number.isSafeInteger(f.httpStatus) && f.httpStatus >= 500 && f.httpStatus <= 599))
        throw new WeComInputError('httpStatus must be between 500 and 599');
      if (f.stallMs !== undefined && !(Number.isFinite(f.stallMs) && f.stallMs > 0))
        throw new WeComInputError('stallMs must be a positive number of milliseconds');
      if (f.times !== undefined && (!Number.isSafeInteger(f.times) || f.times < 1)) throw new WeComInputError('times must be a positive whole number');
      if (f.rate !== undefined && !(f.rate >= 0 && f.rate <= 1)) throw new WeComInputError('rate must be between 0 and 1');
      faults.push({
        path: f.path,
        ...(f.errcode !== undefined ? { errcode: f.errcode } : {}),
        ...(f.httpStatus !== undefined ? { httpStatus: f.httpStatus } : {}),
        ...(f.stallMs !== undefined ? { stallMs: f.stallMs } : {}),
        ...(f.errmsg !== undefined ? { errmsg: f.errmsg } : {}),
        ...(f.times !== undefined ? { remaining: f.times } : {}),
        ...(f.rate !== undefined ? { rate: f.rate } : {}),
      });
    },
    clearFaults: () => {
      faults = [];
    },
    setLimits: (limits) => {
      for (const [name, value] of Object.entries(limits)) {
        if (!Number.isSafeInteger(value) || (value as number) < 1) throw new WeComInputError(`${name} must be a positive whole number`);
      }
      limiter.setLimits(limits);
    },
    limits: () => limiter.limits,
    resetLimits: () => limiter.reset(),
    pushTicket: () => pushTicketNow(),
    currentTicket: () => world.currentTicket,
    advanceClock: (ms) => {
      if (!Number.isFinite(ms) || ms < 0) throw new WeComInputError('the clock only moves forward');
      clock.advance(ms);
    },
    expireSuiteToken: () => world.expireToken('suite'),
    expireProviderToken: () => world.expireToken('provider'),
    expireCorpToken: (corpId) => world.expireToken(`corp:${world.requireCorp(corpId).corpId}`),
    invalidateCorpToken: (corpId) => world.invalidateToken(`corp:${world.requireCorp(corpId).corpId}`),
    addCorp: (spec) => {
      try {
        return view(world.addCorp(spec));
      } catch (error) {
        if (error instanceof RangeError) throw new WeComInputError(error.message);
        throw error;
      }
    },
    corps: () => world.corps().map(view),
    corp: (corpId) => {
      const corp = world.findCorp(corpId);
      return corp ? view(corp) : undefined;
    },
    install,
    installFromMarketplace: async (corpId, range, state = '') => {
      checkRange(world.requireCorp(corpId), range);
      const { authCode } = world.installDirect(corpId, range, state);
      return pushCreateAuth(authCode, state);
    },
    changeVisibleRange: async (corpId, range) => {
      const corp = installedCorp(corpId);
      checkRange(corp, range);
      world.changeRange(corpId, range);
      return pusher.suiteEvent({ ...base('change_auth'), AuthCorpId: corpId });
    },
    uninstall: async (corpId, { push = true } = {}) => {
      world.requireCorp(corpId);
      world.uninstall(corpId);
      if (!push) return undefined;
      return pusher.suiteEvent({ ...base('cancel_auth'), AuthCorpId: corpId });
    },
    register,
    members: (corpId) => {
      const corp = world.requireCorp(corpId);
      return corp.memberIndices().map((m) => corp.member(m));
    },
    addMember: async (corpId, o) => {
      const corp = installedCorp(corpId);
      const member = corp.addMember(o);
      const push = await pushContact(corp, 'create_user', {
        UserID: member.userid,
        Name: member.name,
        Department: member.department.join(','),
        MainDepartment: member.department[0]!,
      });
      return { member, push };
    },
    updateMember: async (corpId, userid, o) => {
      const corp = installedCorp(corpId);
      const member = corp.updateMember(memberOf(corp, userid), o);
      const push = await pushContact(corp, 'update_user', {
        UserID: member.userid,
        Name: member.name,
        Department: member.department.join(','),
        MainDepartment: member.department[0]!,
      });
      return { member, push };
    },
    deleteMember: async (corpId, userid) => {
      const corp = installedCorp(corpId);
      corp.deleteMember(memberOf(corp, userid));
      return pushContact(corp, 'delete_user', { UserID: userid });
    },
    customer: (corpId, externalUserid) => {
      const corp = world.requireCorp(corpId);
      const c = corp.customerIndexOf(externalUserid);
      if (c === undefined) return undefined;
      return { customer: corp.customer(c), followUsers: corp.followersOf(c).map((m) => corp.followInfo(c, m)) };
    },
    addCustomer: async (corpId, o) => {
      const corp = installedCorp(corpId);
      if (o.followers.length === 0) throw new WeComInputError('a customer needs at least one member to follow them');
      const members = o.followers.map((userid) => memberOf(corp, userid));
      if ((o.unionid === undefined) !== (o.openid === undefined)) throw new WeComInputError('give unionid and openid together');
      if (o.unionid && corp.customerOfFollower(o.unionid)) throw new WeComInputError(`the WeChat user ${o.unionid} is a customer already`, 409);
      const c = corp.addCustomer(
        {
          name: o.name,
          type: o.type ?? 1,
          ...(o.corpName ? { corpName: o.corpName } : {}),
          ...(o.unionid ? { unionid: o.unionid, openid: o.openid! } : {}),
        },
        members,
        clock.seconds(),
      );
      const externalUserid = corp.externalUseridAt(c);
      const pushes: PushOutcome[] = [];
      for (const userid of o.followers) {
        pushes.push(await pushCustomer(corp, { changeType: 'add_external_contact', ...(o.state ? { state: o.state } : {}) }, userid, externalUserid));
      }
      return { externalUserid, pushes };
    },
    editCustomer: async (corpId, externalUserid, o) => {
      const corp = installedCorp(corpId);
      const c = customerOf(corp, externalUserid);
      const m = memberOf(corp, o.userid);
      if (!corp.followersOf(c).includes(m)) throw new WeComInputError(`${o.userid} does not follow ${externalUserid}`, 409);
      if (o.name !== undefined) corp.renameCustomer(c, o.name);
      if (o.remark !== undefined) corp.setRemark(c, m, o.remark);
      return pushCustomer(corp, { changeType: 'edit_external_contact' }, o.userid, externalUserid);
    },
    addFollow: async (corpId, externalUserid, o) => {
      const corp = installedCorp(corpId);
      const c = customerOf(corp, externalUserid);
      const m = memberOf(corp, o.userid);
      if (corp.followersOf(c).includes(m)) throw new WeComInputError(`${o.userid} follows ${externalUserid} already`, 409);
      corp.addFollow(c, m, clock.seconds());
      return pushCustomer(
        corp,
        { changeType: o.half ? 'add_half_external_contact' : 'add_external_contact', ...(o.state ? { state: o.state } : {}) },
        o.userid,
        externalUserid,
      );
    },
    removeFollow: async (corpId, externalUserid, o) => {
      const corp = installedCorp(corpId);
      const c = customerOf(corp, externalUserid);
      const m = memberOf(corp, o.userid);
      if (!corp.followersOf(c).includes(m)) throw new WeComInputError(`${o.userid} does not follow ${externalUserid}`, 409);
      corp.removeFollow(c, m);
      const change: ExternalContactChange =
        o.by === 'member' ? { changeType: 'del_external_contact', ...(o.source ? { source: o.source } : {}) } : { changeType: 'del_follow_user' };
      return pushCustomer(corp, change, o.userid, externalUserid);
    },
    deleteCustomer: async (corpId, externalUserid) => {
      const corp = installedCorp(corpId);
      const c = customerOf(corp, externalUserid);
      const followers = corp.followersOf(c);
      for (const m of followers) corp.removeFollow(c, m);
      corp.deleteCustomer(c);
      const pushes: PushOutcome[] = [];
      for (const m of followers) pushes.push(await pushCustomer(corp, { changeType: 'del_external_contact' }, corp.useridAt(m), externalUserid));
      return pushes;
    },
    transferFail: async (corpId, externalUserid, o) => {
      const corp = installedCorp(corpId);
      customerOf(corp, externalUserid);
      memberOf(corp, o.userid);
      return pushCustomer(corp, { changeType: 'transfer_fail', failReason: o.failReason }, o.userid, externalUserid);
    },
    linkedFollowers: (corpId) => world.requireCorp(corpId).linkedFollowers(),
  };

  // Any control call may change the world: mark it for saving once the call is done.
  if (saver) {
    const methods = simulator as unknown as Record<string, unknown>;
    for (const [name, method] of Object.entries(methods)) {
      if (typeof method !== 'function' || name === 'stop') continue;
      methods[name] = (...args: unknown[]) => {
        const result: unknown = (method as (...a: unknown[]) => unknown)(...args);
        if (result instanceof Promise) return result.finally(() => saver.changed());
        saver.changed();
        return result;
      };
    }
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let work: Promise<void>;
    if (url.pathname === '/__sim' || url.pathname.startsWith('/__sim/')) work = handleAdmin(req, res, url, simulator);
    else if (url.pathname === INSTALL_PATH) work = handleInstallPage(req, res, url);
    else if (url.pathname === REGISTER_PATH) work = handleRegisterPage(req, res, url);
    else work = handleApi(req, res, url);
    if (saver) work = work.finally(() => saver.changed());
    work.catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof BodyTooLargeError) {
        sendJson(res, 413, { error: 'request body too large' });
        return;
      }
      log(`internal error on ${req.method} ${url.pathname}: ${(error as Error).stack ?? String(error)}`);
      sendJson(res, 500, errorBody(-1));
    });
  });
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  (simulator as { baseUrl: string }).baseUrl = `http://127.0.0.1:${port}`;

  const interval = options.ticketIntervalMs ?? 600_000;
  if (pusher.hubBaseUrl && interval > 0) {
    // The hub may still be starting: retry the first push until it answers `success`.
    const firstPush = (attempt: number) => {
      void pushTicketNow(1).then((outcome) => {
        if (!outcome.delivered && attempt < FIRST_TICKET_ATTEMPTS) later(() => firstPush(attempt + 1), FIRST_TICKET_RETRY_MS);
        saver?.changed();
      });
    };
    later(() => firstPush(1), FIRST_TICKET_DELAY_MS);
    const ticker = setInterval(() => {
      if (!stopped) void pushTicketNow().then(() => saver?.changed());
    }, interval);
    ticker.unref();
    timers.add(ticker);
  }

  return simulator;
}
