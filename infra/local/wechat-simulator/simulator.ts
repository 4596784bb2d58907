/**
 * A stand-in for WeChat's servers (api.weixin.qq.com and the mp.weixin.qq.com authorization pages)
 * for `npm start`, the e2e tests and the benchmarks, on loopback, inside the caller's process.
 * It keeps WeChat's rules rather than a happy path: tokens expire and are superseded with a 5-minute
 * overlap, codes are single use, errors are `{errcode, errmsg: "… rid: …"}` with HTTP 200, pushes
 * to the hub are encrypted with the component's crypto.
 *
 * Control surface: the methods of `WeChatSimulator`, mirrored as a JSON admin API under `/__sim/`
 * (see admin-api.ts), and a page at `/__sim/user` where a person plays a WeChat user of an account
 * (user-page.ts, user-actions.ts). Latency and faults apply to API calls only, never to `/__sim/` or the pages.
 *
 * With `stateFile` (the local stack's `<dataDir>/wechat-simulator.json`) the world — accounts,
 * authorizations, tickets, tokens, codes, followers, open platform accounts, quotas, customer-service
 * messages, custom menus — is loaded at start when the file exists (instead of seeding), and saved atomically a
 * moment after each change and at stop. Latency, faults and call counts are per run and not saved.
 * Faults are WeChat's error answers, HTTP 5xx from its gateway, or stalls (the call takes effect
 * after the caller gave up); `faultsServed` counts those answered, for the fault suite's figures.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { demoAccountSpecs, releaseTestAccountSpecs, simulatorCredentials, type SimAccountSpec, type SimulatorCredentials } from './accounts.ts';
import { apiRoutes, runApi } from './api.ts';
import { handleAdmin } from './admin-api.ts';
import { redirectWithCode, refererProblem, renderConsentPage, renderErrorPage } from './consent-page.ts';
import { HubPusher } from './hub-pusher.ts';
import type { SimMenuButton } from './menus.ts';
import { performUserAction, type UserAction, type UserActionResult } from './user-actions.ts';
import { renderUserPage } from './user-page.ts';
import { handleWebAuthPage, webAuthorize } from './web-auth-page.ts';
import { WEB_AUTH_PAGE_PATH } from './web-auth.ts';
import { errorBody, SimulatedWeChatError } from './wechat-error.ts';
import { BodyTooLargeError, readBody, sendHtml, sendJson } from './http-io.ts';
import { debouncedSave, writeFileAtomic } from '../state-file.ts';
import {
  SimClock,
  SimulatorInputError,
  SimWorld,
  type AccountRecord,
  type AuthorizationOutcome,
  type CustomMessageRecord,
  type SimAccount,
  type WorldSnapshot,
} from './world.ts';

export { simulatorCredentials, demoAccounts, releaseTestAccounts, permissionSets } from './accounts.ts';
export type { SimAccountSpec } from './accounts.ts';
export type { SimAccount, CustomMessageRecord, AuthorizationOutcome } from './world.ts';
export type { UserAction, UserActionResult } from './user-actions.ts';
export { SimulatorInputError, UnknownAccountError } from './world.ts';

export interface SimulatorOptions {
  /** 0 or absent: a free port. */
  port?: number;
  /** Where pushes go: POST {hubBaseUrl}/v1/wechat/component and {hubBaseUrl}/v1/wechat/accounts/{appid}/messages; absent = no pushes. */
  hubBaseUrl?: string;
  /**
   * The platform's 授权发起页域名, as an origin: the consent page is shown only to a browser whose
   * Referer has this origin, as WeChat does (WECHAT.md §4.3). Absent: no check.
   */
  authorizationPageOrigin?: string;
  credentials?: SimulatorCredentials;
  /** Default 600 000 (10 min); 0 = no timer. With a hub, the first push follows shortly after start (retried until the hub answers `success`). */
  ticketIntervalMs?: number;
  /** Added to every API call (default 0). */
  latencyMs?: number;
  /** expires_in of component and authorizer tokens (default 7200). */
  tokenLifetimeSeconds?: number;
  /** Default true: the demo accounts (`demoAccounts`). The five release-test accounts exist regardless. Ignored when `stateFile` exists. */
  seedAccounts?: boolean;
  /** Where the world is saved and loaded from (JSON, mode 0600: it holds the simulated tokens). Absent: memory only. */
  stateFile?: string;
}

/**
 * One fault rule; exactly one of `errcode`, `httpStatus` and `stallMs` says what a matching call gets:
 * WeChat's error answer (HTTP 200), an HTTP 5xx from WeChat's gateway (an HTML body, no JSON), or a
 * stall: the call is held for `stallMs` and then carried out, so a caller that timed out meanwhile
 * never learns that it took effect (a token issued, a code spent).
 */
export interface SimFault {
  /** An API path such as `/cgi-bin/user/get`, or `*` for every API path. */
  path: string;
  errcode?: number;
  errmsg?: string;
  /** 500–599: answered with this status and an HTML body. */
  httpStatus?: number;
  /** Held this long (ms), then answered normally. */
  stallMs?: number;
  /** Fail this many matching calls, then stop. Absent: until `clearFaults`. */
  times?: number;
  /** 0..1: each matching call fails with this probability (failures still count against `times`). */
  rate?: number;
}

export interface WeChatSimulator {
  /** Serves both the API paths (/cgi-bin/...) and the MP pages (componentloginpage, safe/bindcomponent). */
  readonly baseUrl: string;
  readonly credentials: SimulatorCredentials;
  stop(): Promise<void>;
  /** Count per API path, e.g. { '/cgi-bin/component/api_component_token': 1 }. */
  calls(): Record<string, number>;
  resetCalls(): void;
  /** How many calls a fault rule answered since the last `resetCalls`, per API path. */
  faultsServed(): Record<string, number>;
  setLatency(ms: number): void;
  injectFault(f: SimFault): void;
  clearFaults(): void;
  /** Issues a component_verify_ticket and pushes it (encrypted) to the hub, now. A failed push is logged, not thrown. */
  pushTicket(): Promise<void>;
  /** The newest ticket issued, for tools that run without a hub (benchmarks). */
  currentTicket(): string | undefined;
  addAccount(spec: SimAccountSpec): SimAccount;
  account(appid: string): SimAccount | undefined;
  accounts(): SimAccount[];
  /** The admin revokes in WeChat: the authorization is gone, an `unauthorized` push is sent (`push: false`: the push is lost on the way). */
  revoke(appid: string, options?: { push?: boolean }): Promise<void>;
  /** What the consent page does, programmatically. */
  consent(o: { preAuthCode: string; appid: string; funcIds: number[]; redirectUri: string }): Promise<{ location: string }>;
  /** WeChat authorizes without a consent page (the full-network release test's auto-authorization, WECHAT.md §9.2 step 0) and pushes the code. */
  authorize(appid: string, funcIds?: number[]): Promise<AuthorizationOutcome>;
  /** Whether `token` is the newest authorizer token WeChat issued for `appid` (a newer one supersedes it); never reveals a token. */
  authorizerTokenStanding(appid: string, token: string): 'current' | 'superseded' | 'expired' | 'unknown';
  /** Force "42001 expired" for the current token. */
  expireAuthorizerToken(appid: string): void;
  expireComponentToken(): void;
  /** The next api_authorizer_token with the stored refresh token → 61023; api_get_authorizer_list hands out the replacement. */
  invalidateRefreshToken(appid: string): void;
  /** Followers leave; returns their openids. No push is sent (use `sendAccountEvent`). */
  unfollow(appid: string, count: number): string[];
  /** New followers; returns their openids. No push is sent (use `sendAccountEvent`). */
  follow(appid: string, count: number): string[];
  /** Encrypted event push to the account's message URL. The account must be authorized (WeChat pushes nothing otherwise). */
  sendAccountEvent(
    appid: string,
    event: { fromUserName: string; event: 'subscribe' | 'unsubscribe' | string; createTime?: number; eventKey?: string },
  ): Promise<Response>;
  sendAccountText(appid: string, o: { fromUserName: string; content: string; createTime?: number; msgId?: string }): Promise<Response>;
  /** Moves the simulator's clock (expiry of tickets, tokens, codes; quota days) forward. */
  advanceClock(ms: number): void;
  /** An open platform account registered outside the API (for open/bind tests); returns its open_appid. */
  addOpenAccount(o: { principalName: string; verified: boolean; createdByApi?: boolean }): string;
  /** Customer-service messages the hub sent (message/custom/send), oldest first. */
  customMessages(): CustomMessageRecord[];
  /** The custom menu the hub set for the account (menu/create's shape), or null. */
  menu(appid: string): { button: SimMenuButton[] } | null;
  /** A WeChat user of the account acts (`user-actions.ts`): the push goes to its message URL, and the hub's passive reply comes back decrypted. */
  userAction(appid: string, action: UserAction): Promise<UserActionResult>;
  /**
   * What WeChat's web authorization page (`/connect/oauth2/authorize`, web-auth.ts) does for a
   * simulated visitor (default `visitor-1`): agree (default) or refuse; `snsapi_base` is always silent.
   * Returns where WeChat redirects the browser. Throws on a link WeChat would not open.
   */
  webAuthorize(authorizeUrl: string, choice?: { visitor?: string; allow?: boolean }): { location: string };
}

const CONSENT_PATHS = new Set(['/cgi-bin/componentloginpage', '/safe/bindcomponent', '/wxaopen/safe/bindcomponent']);
const FIRST_TICKET_DELAY_MS = 250;
const FIRST_TICKET_RETRY_MS = 1_000;
const FIRST_TICKET_ATTEMPTS = 30;
/** A busy simulator changes its quota counters on every call: save at most this often. */
const SAVE_DELAY_MS = 250;

/** A saved world; a file that cannot be read stops the start rather than silently starting empty. */
function loadWorld(file: string, o: { credentials: SimulatorCredentials; tokenLifetimeSeconds: number }): SimWorld {
  try {
    return SimWorld.restore(JSON.parse(readFileSync(file, 'utf8')) as WorldSnapshot, o);
  } catch (error) {
    throw new Error(
      `the simulated WeChat's saved world ${file} cannot be read (${(error as Error).message}); start with --fresh, or delete the file, to begin again`,
    );
  }
}

function log(message: string): void {
  process.stderr.write(`[wechat-simulator] ${message}\n`);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function requirePositiveCount(count: number): void {
  if (!Number.isSafeInteger(count) || count < 1) throw new SimulatorInputError('count must be a positive whole number');
}

function absoluteHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export async function startWeChatSimulator(options: SimulatorOptions = {}): Promise<WeChatSimulator> {
  const credentials = options.credentials ?? { ...simulatorCredentials };
  const tokenLifetimeSeconds = options.tokenLifetimeSeconds ?? 7200;
  const stateFile = options.stateFile;
  let world: SimWorld;
  if (stateFile && existsSync(stateFile)) {
    world = loadWorld(stateFile, { credentials, tokenLifetimeSeconds });
  } else {
    world = new SimWorld({ clock: new SimClock(), credentials, tokenLifetimeSeconds });
    for (const spec of releaseTestAccountSpecs) world.addAccount(spec, true);
    if (options.seedAccounts ?? true) for (const spec of demoAccountSpecs) world.addAccount(spec);
  }
  const clock = world.clock;
  const saver = stateFile
    ? debouncedSave(() => writeFileAtomic(stateFile, JSON.stringify(world.snapshot())), {
        delayMs: SAVE_DELAY_MS,
        onError: (error) => log(`saving the world to ${stateFile} failed: ${(error as Error).message}`),
      })
    : undefined;
  // A new world is on disk from the start: its generated ids (open platform accounts) must not change.
  saver?.changed();
  saver?.flush();
  const pusher = new HubPusher(options.hubBaseUrl, credentials);

  let latencyMs = options.latencyMs ?? 0;
  let faults: Array<Pick<SimFault, 'path' | 'errcode' | 'errmsg' | 'httpStatus' | 'stallMs' | 'rate'> & { remaining?: number }> = [];
  let counts: Record<string, number> = {};
  let served: Record<string, number> = {};
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;

  /** Pushes to the authorization-event URL; a hub that is down or answers anything but `success` is logged, never thrown. */
  async function deliverComponentPush(fields: Record<string, string | number>): Promise<boolean> {
    if (!pusher.hubBaseUrl) return false;
    try {
      const response = await pusher.pushComponent(fields);
      const text = (await response?.text()) ?? '';
      if (response?.status === 200 && text === 'success') return true;
      log(`${fields.InfoType} push: the hub answered HTTP ${response?.status} ${JSON.stringify(text.slice(0, 200))} instead of "success"`);
    } catch (error) {
      log(`${fields.InfoType} push to ${pusher.hubBaseUrl} failed: ${(error as Error).message}`);
    }
    return false;
  }

  async function pushTicketNow(): Promise<boolean> {
    const ticket = world.issueTicket();
    return deliverComponentPush({
      AppId: credentials.componentAppId,
      CreateTime: clock.seconds(),
      InfoType: 'component_verify_ticket',
      ComponentVerifyTicket: ticket,
    });
  }

  function later(fn: () => void, ms: number): void {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!stopped) fn();
    }, ms);
    timer.unref();
    timers.add(timer);
  }

  async function pushAuthorization(outcome: AuthorizationOutcome, preAuthCode?: string): Promise<void> {
    await deliverComponentPush({
      AppId: credentials.componentAppId,
      CreateTime: outcome.createTime,
      InfoType: outcome.infoType,
      AuthorizerAppid: outcome.appid,
      AuthorizationCode: outcome.authCode,
      AuthorizationCodeExpiredTime: outcome.authCodeExpiresAt,
      ...(preAuthCode ? { PreAuthCode: preAuthCode } : {}),
    });
  }

  function authorizedAccount(appid: string): AccountRecord {
    const account = world.requireAccount(appid);
    if (!account.grant || account.grant.revoked) {
      throw new SimulatorInputError(`${appid} has not authorized the component: WeChat pushes none of its messages`);
    }
    return account;
  }

  const routes = apiRoutes({
    startPushTicket: () => later(() => void pushTicketNow(), 50),
  });

  // ---- the consent page -------------------------------------------------------------------------

  interface ConsentParams {
    component_appid?: string;
    pre_auth_code?: string;
    redirect_uri?: string;
    auth_type?: string;
    biz_appid?: string;
  }

  /** The accounts the page offers, or the reason it shows an error page instead. */
  function consentChoices(p: ConsentParams): AccountRecord[] | string {
    if (p.component_appid !== credentials.componentAppId) return '第三方平台不存在 (invalid component_appid)';
    if (!p.pre_auth_code) return '缺少 pre_auth_code (missing pre_auth_code)';
    const problem = world.preAuthCodeProblem(p.pre_auth_code);
    if (problem) return problem;
    if (!p.redirect_uri || !absoluteHttpUrl(p.redirect_uri)) return 'redirect_uri 无效 (redirect_uri must be an absolute http(s) URL)';
    if (p.biz_appid) {
      const account = world.findAccount(p.biz_appid);
      return account && account.appid === p.biz_appid ? [account] : `公众号 ${p.biz_appid} 不存在 (unknown biz_appid)`;
    }
    if (p.auth_type === '2') return '模拟器中没有小程序 (the simulator has no mini programs; auth_type=2)';
    return world.accounts().filter((account) => !account.releaseTest);
  }

  async function handleConsent(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method === 'GET') {
      const refused = options.authorizationPageOrigin ? refererProblem(req.headers.referer, options.authorizationPageOrigin) : undefined;
      if (refused) return sendHtml(res, 200, renderErrorPage(refused));
      const p = Object.fromEntries(url.searchParams) as ConsentParams;
      const choices = consentChoices(p);
      if (typeof choices === 'string') return sendHtml(res, 200, renderErrorPage(choices));
      return sendHtml(
        res,
        200,
        renderConsentPage({
          action: url.pathname,
          componentAppid: p.component_appid!,
          preAuthCode: p.pre_auth_code!,
          redirectUri: p.redirect_uri!,
          ...(p.auth_type ? { authType: p.auth_type } : {}),
          ...(p.biz_appid ? { bizAppid: p.biz_appid } : {}),
          componentName: 'oa-hub (local)',
          accounts: choices,
        }),
      );
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'GET, POST' }).end();
      return;
    }
    const form = new URLSearchParams(await readBody(req, 64 * 1024));
    const p = Object.fromEntries([...form].filter(([name]) => name !== 'func_id')) as ConsentParams & { appid?: string };
    const choices = consentChoices(p);
    if (typeof choices === 'string') return sendHtml(res, 200, renderErrorPage(choices));
    if (!p.appid || !choices.some((account) => account.appid === p.appid)) return sendHtml(res, 200, renderErrorPage('请选择一个公众号 (choose an account)'));
    const funcIds = form.getAll('func_id').map(Number);
    try {
      const { location } = await consent({ preAuthCode: p.pre_auth_code!, appid: p.appid, funcIds, redirectUri: p.redirect_uri! });
      res.writeHead(302, { location, 'cache-control': 'no-store' }).end();
    } catch (error) {
      if (error instanceof SimulatorInputError) return sendHtml(res, 200, renderErrorPage(error.message));
      throw error;
    }
  }

  async function consent(o: { preAuthCode: string; appid: string; funcIds: number[]; redirectUri: string }): Promise<{ location: string }> {
    if (!absoluteHttpUrl(o.redirectUri)) throw new SimulatorInputError('redirectUri must be an absolute http(s) URL');
    const outcome = world.consent({ preAuthCode: o.preAuthCode, appid: o.appid, funcIds: o.funcIds });
    // The push goes out before the browser is redirected, so the hub always sees it first.
    await pushAuthorization(outcome, o.preAuthCode);
    return { location: redirectWithCode(o.redirectUri, outcome.authCode, 3600) };
  }

  // ---- API calls ------------------------------------------------------------------------------------

  function faultFor(path: string): Pick<SimFault, 'errcode' | 'errmsg' | 'httpStatus' | 'stallMs'> | undefined {
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
    const route = routes[url.pathname];
    const reply = (body: unknown) => sendJson(res, 200, body, 'application/json; encoding=utf-8');
    if (!route) {
      sendJson(res, 404, errorBody(40066));
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
      reply(runApi(world, route, { query: url.searchParams, body }));
    } catch (error) {
      if (error instanceof SimulatedWeChatError) return reply(errorBody(error.errcode, error.message));
      throw error;
    }
  }

  // ---- the simulator object ------------------------------------------------------------------------

  const simulator: WeChatSimulator = {
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
      if (!Number.isFinite(ms) || ms < 0) throw new SimulatorInputError('latency must be a non-negative number of milliseconds');
      latencyMs = ms;
    },
    injectFault: (f) => {
      if (typeof f.path !== 'string' || !(f.path === '*' || f.path.startsWith('/'))) throw new SimulatorInputError('path must be an API path or *');
      const kinds = [f.errcode, f.httpStatus, f.stallMs].filter((value) => value !== undefined).length;
      if (kinds !== 1) throw new SimulatorInputError('a fault has exactly one of errcode, httpStatus and stallMs');
      if (f.errcode !== undefined && !Number.isSafeInteger(f.errcode)) throw new SimulatorInputError('errcode must be a whole number');
      if (f.httpStatus !== undefined && !(Number.isSafeInteger(f.httpStatus) && f.httpStatus >= 500 && f.httpStatus <= 599)) {
        throw new SimulatorInputError('httpStatus must be between 500 and 599');
      }
      if (f.stallMs !== undefined && !(Number.isFinite(f.stallMs) && f.stallMs > 0))
        throw new SimulatorInputError('stallMs must be a positive number of milliseconds');
      if (f.times !== undefined && (!Number.isSafeInteger(f.times) || f.times < 1)) throw new SimulatorInputError('times must be a positive whole number');
      if (f.rate !== undefined && !(f.rate >= 0 && f.rate <= 1)) throw new SimulatorInputError('rate must be between 0 and 1');
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
    pushTicket: async () => {
      await pushTicketNow();
    },
    currentTicket: () => world.currentTicket,
    addAccount: (spec) => world.view(world.addAccount(spec)),
    account: (appid) => {
      const account = world.findAccount(appid);
      return account && account.appid === appid ? world.view(account) : undefined;
    },
    accounts: () => world.accounts().map((account) => world.view(account)),
    revoke: async (appid, { push = true } = {}) => {
      if (!world.revoke(appid)) throw new SimulatorInputError(`${appid} has no authorization to revoke`);
      if (!push) return;
      await deliverComponentPush({
        AppId: credentials.componentAppId,
        CreateTime: clock.seconds(),
        InfoType: 'unauthorized',
        AuthorizerAppid: appid,
      });
    },
    consent,
    authorize: async (appid, funcIds = [1, 2, 3]) => {
      const outcome = world.authorize(appid, funcIds);
      await pushAuthorization(outcome);
      return outcome;
    },
    authorizerTokenStanding: (appid, token) => world.authorizerTokenStanding(appid, token),
    expireAuthorizerToken: (appid) => world.expireAuthorizerToken(appid),
    expireComponentToken: () => world.expireComponentToken(),
    invalidateRefreshToken: (appid) => world.invalidateRefreshToken(appid),
    unfollow: (appid, count) => {
      requirePositiveCount(count);
      const account = world.requireAccount(appid);
      try {
        return account.followers.unfollow(count);
      } catch (error) {
        if (error instanceof RangeError) throw new SimulatorInputError(error.message);
        throw error;
      }
    },
    follow: (appid, count) => {
      requirePositiveCount(count);
      const account = world.requireAccount(appid);
      try {
        return account.followers.follow(count, clock.seconds());
      } catch (error) {
        if (error instanceof RangeError) throw new SimulatorInputError(error.message);
        throw error;
      }
    },
    sendAccountEvent: async (appid, e) => {
      const account = authorizedAccount(appid);
      return pusher.pushAccount(
        account.appid,
        account.userName,
        {
          ToUserName: account.userName,
          FromUserName: e.fromUserName,
          CreateTime: e.createTime ?? clock.seconds(),
          MsgType: 'event',
          Event: e.event,
          EventKey: e.eventKey ?? '',
        },
        e.fromUserName,
      );
    },
    sendAccountText: async (appid, o) => {
      const account = authorizedAccount(appid);
      return pusher.pushAccount(
        account.appid,
        account.userName,
        {
          ToUserName: account.userName,
          FromUserName: o.fromUserName,
          CreateTime: o.createTime ?? clock.seconds(),
          MsgType: 'text',
          Content: o.content,
          MsgId: o.msgId ?? BigInt.asUintN(63, randomBytes(8).readBigUInt64BE(0)).toString(),
        },
        o.fromUserName,
      );
    },
    advanceClock: (ms) => {
      if (!Number.isFinite(ms) || ms < 0) throw new SimulatorInputError('the clock only moves forward');
      clock.advance(ms);
    },
    addOpenAccount: (o) => world.addOpenAccount(o),
    customMessages: () => world.customMessages(),
    menu: (appid) => {
      const menu = world.requireAccount(appid).menu;
      return menu ? { button: structuredClone(menu.button) } : null;
    },
    userAction: async (appid, action) => {
      if (!pusher.hubBaseUrl) throw new Error('the simulator was started without hubBaseUrl: there is nowhere to push');
      return performUserAction(pusher, authorizedAccount(appid), action, clock);
    },
    webAuthorize: (authorizeUrl, choice) => webAuthorize(world.webAuth, authorizeUrl, choice),
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
    if (url.pathname === '/__sim/user' && req.method === 'GET') work = Promise.resolve(sendHtml(res, 200, renderUserPage()));
    else if (url.pathname === '/__sim' || url.pathname.startsWith('/__sim/')) work = handleAdmin(req, res, url, simulator);
    else if (CONSENT_PATHS.has(url.pathname)) work = handleConsent(req, res, url);
    else if (url.pathname === WEB_AUTH_PAGE_PATH) work = handleWebAuthPage(req, res, url, world.webAuth);
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
      void pushTicketNow().then((delivered) => {
        if (!delivered && attempt < FIRST_TICKET_ATTEMPTS) later(() => firstPush(attempt + 1), FIRST_TICKET_RETRY_MS);
      });
    };
    later(() => firstPush(1), FIRST_TICKET_DELAY_MS);
    const ticker = setInterval(() => {
      if (!stopped) void pushTicketNow();
    }, interval);
    ticker.unref();
    timers.add(ticker);
  }

  return simulator;
}
