/**
 * `/__sim/…`: the simulator's control methods as a small JSON API, so a person (curl) or a browser
 * test can drive it. Input is validated with valibot; bad input answers 400 `{error, issues}`,
 * an unknown account 404. Secrets (tokens, codes, the ticket) are never returned here.
 *
 *   GET    /__sim                               → { routes } (this list)
 *   GET    /__sim/calls                         → { calls }
 *   POST   /__sim/reset-calls
 *   POST   /__sim/latency                       { ms }
 *   POST   /__sim/faults                        { path, errcode | httpStatus | stallMs, errmsg?, times?, rate? }
 *   DELETE /__sim/faults
 *   POST   /__sim/push-ticket
 *   POST   /__sim/clock                         { advanceMs }
 *   POST   /__sim/expire-component-token
 *   POST   /__sim/consent                       { preAuthCode, appid, funcIds, redirectUri } → { location }
 *   GET    /__sim/accounts                      → { accounts }
 *   POST   /__sim/accounts                      SimAccountSpec → 201 { account }
 *   GET    /__sim/accounts/{appid}              → { account }
 *   POST   /__sim/accounts/{appid}/revoke
 *   POST   /__sim/accounts/{appid}/authorize    { funcIds? }
 *   POST   /__sim/accounts/{appid}/unfollow     { count, push? } → { openids, pushed }   (push: also send the unsubscribe events)
 *   POST   /__sim/accounts/{appid}/follow       { count, push? } → { openids, pushed }   (push: also send the subscribe events)
 *   POST   /__sim/accounts/{appid}/events       { fromUserName, event, createTime?, eventKey? } → { status, body }
 *   POST   /__sim/accounts/{appid}/messages     { fromUserName, content, createTime?, msgId? } → { status, body }
 *   POST   /__sim/accounts/{appid}/expire-token
 *   POST   /__sim/accounts/{appid}/invalidate-refresh-token
 *   GET    /__sim/custom-messages               → { messages }
 *   GET    /__sim/accounts/{appid}/menu         → { menu } (what the hub set with menu/create, or null)
 *   POST   /__sim/accounts/{appid}/user/text     { openid?, content }                         → UserActionResult
 *   POST   /__sim/accounts/{appid}/user/click    { openid?, key? | position? }                → UserActionResult
 *   POST   /__sim/accounts/{appid}/user/scan     { openid?, scene, subscribe? }               → UserActionResult
 *   POST   /__sim/accounts/{appid}/user/location { openid?, latitude, longitude, scale?, label? } → UserActionResult
 *   POST   /__sim/accounts/{appid}/user/follow   { openid? }                                  → UserActionResult
 *   POST   /__sim/accounts/{appid}/user/unfollow { openid? }                                  → UserActionResult
 *
 * The user actions (user-actions.ts) answer `{ openid, push, status, body, reply, problem? }`: the push
 * sent, the hub's HTTP answer and its passive reply, decrypted (null for `success`). `GET /__sim/user`
 * is the page that drives them (user-page.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as v from 'valibot';
import { readBody, sendJson } from './http-io.ts';
import type { WeChatSimulator } from './simulator.ts';
import { SimulatorInputError } from './world.ts';

/** Follow/unfollow with `push: true` sends one event per follower, one after the other: keep that bounded. */
const MAX_PUSHED_FOLLOW_EVENTS = 1_000;

const wholeCount = (max: number) => v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(max));
const appidSchema = v.pipe(v.string(), v.regex(/^wx[0-9a-zA-Z]{16}$/, 'must be wx followed by 16 letters or digits'));
const unixSeconds = v.pipe(v.number(), v.integer(), v.minValue(0));
const funcIds = v.pipe(v.array(v.pipe(v.number(), v.integer(), v.minValue(1))), v.minLength(1));

const schemas = {
  latency: v.strictObject({ ms: v.pipe(v.number(), v.minValue(0), v.maxValue(120_000)) }),
  fault: v.pipe(
    v.strictObject({
      path: v.pipe(v.string(), v.regex(/^(\*|\/\S*)$/, 'must be an API path such as /cgi-bin/user/get, or *')),
      errcode: v.optional(v.pipe(v.number(), v.integer())),
      httpStatus: v.optional(v.pipe(v.number(), v.integer(), v.minValue(500), v.maxValue(599))),
      stallMs: v.optional(v.pipe(v.number(), v.minValue(1), v.maxValue(120_000))),
      errmsg: v.optional(v.pipe(v.string(), v.maxLength(500))),
      times: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
      rate: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1))),
    }),
    v.check(
      (f) => [f.errcode, f.httpStatus, f.stallMs].filter((value) => value !== undefined).length === 1,
      'needs exactly one of errcode, httpStatus and stallMs',
    ),
  ),
  clock: v.strictObject({ advanceMs: v.pipe(v.number(), v.minValue(0)) }),
  consent: v.strictObject({
    preAuthCode: v.pipe(v.string(), v.minLength(1)),
    appid: appidSchema,
    funcIds,
    redirectUri: v.pipe(v.string(), v.url()),
  }),
  account: v.strictObject({
    appid: v.optional(appidSchema),
    userName: v.optional(v.pipe(v.string(), v.regex(/^gh_[0-9a-zA-Z]{6,32}$/, 'must be gh_ followed by letters or digits'))),
    nickname: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
    serviceType: v.picklist(['service', 'subscription']),
    verified: v.boolean(),
    openPay: v.optional(v.boolean()),
    followers: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1_000_000))),
    unionidRatio: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1))),
    principalName: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(128))),
    boundToOpenAccount: v.optional(v.boolean()),
  }),
  count: v.pipe(
    v.strictObject({ count: wholeCount(1_000_000), push: v.optional(v.boolean()) }),
    v.check((o) => !o.push || o.count <= MAX_PUSHED_FOLLOW_EVENTS, `push is allowed for at most ${MAX_PUSHED_FOLLOW_EVENTS} followers`),
  ),
  authorize: v.strictObject({ funcIds: v.optional(funcIds) }),
  event: v.strictObject({
    fromUserName: v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
    event: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
    createTime: v.optional(unixSeconds),
    eventKey: v.optional(v.pipe(v.string(), v.maxLength(256))),
  }),
  userText: v.strictObject({
    openid: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(128))),
    content: v.pipe(v.string(), v.minLength(1), v.maxLength(2048)),
  }),
  userClick: v.pipe(
    v.strictObject({
      openid: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(128))),
      key: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(256))),
      position: v.optional(v.pipe(v.array(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(4))), v.minLength(1), v.maxLength(2))),
    }),
    v.check((o) => (o.key === undefined) !== (o.position === undefined), 'give the button by key or by position, not both'),
  ),
  userScan: v.strictObject({
    openid: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(128))),
    scene: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
    subscribe: v.optional(v.boolean()),
  }),
  userLocation: v.strictObject({
    openid: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(128))),
    latitude: v.pipe(v.number(), v.minValue(-90), v.maxValue(90)),
    longitude: v.pipe(v.number(), v.minValue(-180), v.maxValue(180)),
    scale: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(20))),
    label: v.optional(v.pipe(v.string(), v.maxLength(256))),
  }),
  userFollow: v.strictObject({ openid: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(128))) }),
  text: v.strictObject({
    fromUserName: v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
    content: v.pipe(v.string(), v.maxLength(2048)),
    createTime: v.optional(unixSeconds),
    msgId: v.optional(v.pipe(v.string(), v.regex(/^\d{1,20}$/))),
  }),
};

class AdminInputError extends Error {
  readonly issues: string[];

  constructor(issues: string[]) {
    super('invalid input');
    this.issues = issues;
  }
}

async function input<S extends v.GenericSchema>(req: IncomingMessage, schema: S): Promise<v.InferOutput<S>> {
  const text = await readBody(req, 64 * 1024);
  let json: unknown;
  try {
    json = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new AdminInputError(['body is not JSON']);
  }
  const result = v.safeParse(schema, json);
  if (!result.success) throw new AdminInputError(result.issues.map((issue) => `${v.getDotPath(issue) ?? '(body)'}: ${issue.message}`));
  return result.output;
}

async function pushResult(response: Promise<Response>): Promise<{ status: number; body: string }> {
  const answer = await response;
  return { status: answer.status, body: await answer.text() };
}

const adminRoutes = [
  'GET /__sim/calls',
  'POST /__sim/reset-calls',
  'POST /__sim/latency {ms}',
  'POST /__sim/faults {path, errcode | httpStatus | stallMs, errmsg?, times?, rate?}',
  'DELETE /__sim/faults',
  'POST /__sim/push-ticket',
  'POST /__sim/clock {advanceMs}',
  'POST /__sim/expire-component-token',
  'POST /__sim/consent {preAuthCode, appid, funcIds, redirectUri}',
  'GET /__sim/custom-messages',
  'GET /__sim/accounts',
  'POST /__sim/accounts {nickname, serviceType, verified, appid?, userName?, openPay?, followers?, unionidRatio?, principalName?, boundToOpenAccount?}',
  'GET /__sim/accounts/{appid}',
  'POST /__sim/accounts/{appid}/revoke',
  'POST /__sim/accounts/{appid}/authorize {funcIds?}',
  'POST /__sim/accounts/{appid}/unfollow {count, push?}',
  'POST /__sim/accounts/{appid}/follow {count, push?}',
  'POST /__sim/accounts/{appid}/events {fromUserName, event, createTime?, eventKey?}',
  'POST /__sim/accounts/{appid}/messages {fromUserName, content, createTime?, msgId?}',
  'POST /__sim/accounts/{appid}/expire-token',
  'POST /__sim/accounts/{appid}/invalidate-refresh-token',
  'GET /__sim/accounts/{appid}/menu',
  'POST /__sim/accounts/{appid}/user/text {openid?, content}',
  'POST /__sim/accounts/{appid}/user/click {openid?, key? | position?}',
  'POST /__sim/accounts/{appid}/user/scan {openid?, scene, subscribe?}',
  'POST /__sim/accounts/{appid}/user/location {openid?, latitude, longitude, scale?, label?}',
  'POST /__sim/accounts/{appid}/user/follow {openid?}',
  'POST /__sim/accounts/{appid}/user/unfollow {openid?}',
  'GET /__sim/user (the page)',
];

const CORS = { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET, POST, DELETE', 'access-control-allow-headers': 'content-type' };

export async function handleAdmin(req: IncomingMessage, res: ServerResponse, url: URL, sim: WeChatSimulator): Promise<void> {
  for (const [name, value] of Object.entries(CORS)) res.setHeader(name, value);
  const method = req.method ?? 'GET';
  if (method === 'OPTIONS') {
    res.writeHead(204).end();
    return;
  }
  let parts: string[];
  try {
    parts = url.pathname.split('/').filter(Boolean).slice(1).map(decodeURIComponent);
  } catch {
    return sendJson(res, 400, { error: 'malformed path' });
  }
  const route = `${method} /${parts.map((part, i) => (parts[0] === 'accounts' && i === 1 ? ':appid' : part)).join('/')}`;
  const appid = parts[1] ?? '';
  const ok = (body: object = { ok: true }, status = 200) => sendJson(res, status, body);

  try {
    switch (route) {
      case 'GET /':
        return ok({ routes: adminRoutes });
      case 'GET /calls':
        return ok({ calls: sim.calls() });
      case 'POST /reset-calls':
        sim.resetCalls();
        return ok();
      case 'POST /latency':
        sim.setLatency((await input(req, schemas.latency)).ms);
        return ok();
      case 'POST /faults':
        sim.injectFault(await input(req, schemas.fault));
        return ok();
      case 'DELETE /faults':
        sim.clearFaults();
        return ok();
      case 'POST /push-ticket':
        await sim.pushTicket();
        return ok();
      case 'POST /clock':
        sim.advanceClock((await input(req, schemas.clock)).advanceMs);
        return ok();
      case 'POST /expire-component-token':
        sim.expireComponentToken();
        return ok();
      case 'POST /consent':
        return ok(await sim.consent(await input(req, schemas.consent)));
      case 'GET /custom-messages':
        return ok({ messages: sim.customMessages() });
      case 'GET /accounts':
        return ok({ accounts: sim.accounts() });
      case 'POST /accounts':
        return ok({ account: sim.addAccount(await input(req, schemas.account)) }, 201);
      case 'GET /accounts/:appid': {
        const account = sim.account(appid);
        return account ? ok({ account }) : sendJson(res, 404, { error: `no simulated account ${appid}` });
      }
      case 'POST /accounts/:appid/revoke':
        await sim.revoke(appid);
        return ok();
      case 'POST /accounts/:appid/authorize': {
        const { funcIds: ids } = await input(req, schemas.authorize);
        await sim.authorize(appid, ids);
        return ok();
      }
      case 'POST /accounts/:appid/unfollow':
      case 'POST /accounts/:appid/follow': {
        const { count, push } = await input(req, schemas.count);
        const following = parts[2] === 'follow';
        const openids = following ? sim.follow(appid, count) : sim.unfollow(appid, count);
        let pushed = 0;
        if (push) {
          for (const openid of openids) {
            await (await sim.sendAccountEvent(appid, { fromUserName: openid, event: following ? 'subscribe' : 'unsubscribe' })).text();
            pushed += 1;
          }
        }
        return ok({ openids, pushed });
      }
      case 'POST /accounts/:appid/events':
        return ok(await pushResult(sim.sendAccountEvent(appid, await input(req, schemas.event))));
      case 'POST /accounts/:appid/messages':
        return ok(await pushResult(sim.sendAccountText(appid, await input(req, schemas.text))));
      case 'POST /accounts/:appid/expire-token':
        sim.expireAuthorizerToken(appid);
        return ok();
      case 'POST /accounts/:appid/invalidate-refresh-token':
        sim.invalidateRefreshToken(appid);
        return ok();
      case 'GET /accounts/:appid/menu':
        return ok({ menu: sim.menu(appid) });
      case 'POST /accounts/:appid/user/text':
        return ok(await sim.userAction(appid, { kind: 'text', ...(await input(req, schemas.userText)) }));
      case 'POST /accounts/:appid/user/click':
        return ok(await sim.userAction(appid, { kind: 'click', ...(await input(req, schemas.userClick)) }));
      case 'POST /accounts/:appid/user/scan':
        return ok(await sim.userAction(appid, { kind: 'scan', ...(await input(req, schemas.userScan)) }));
      case 'POST /accounts/:appid/user/location':
        return ok(await sim.userAction(appid, { kind: 'location', ...(await input(req, schemas.userLocation)) }));
      case 'POST /accounts/:appid/user/follow':
        return ok(await sim.userAction(appid, { kind: 'follow', ...(await input(req, schemas.userFollow)) }));
      case 'POST /accounts/:appid/user/unfollow':
        return ok(await sim.userAction(appid, { kind: 'unfollow', ...(await input(req, schemas.userFollow)) }));
      default:
        return sendJson(res, 404, { error: `no admin route ${method} ${url.pathname}` });
    }
  } catch (error) {
    if (error instanceof AdminInputError) return sendJson(res, 400, { error: error.message, issues: error.issues });
    if (error instanceof SimulatorInputError) return sendJson(res, error.status, { error: error.message });
    if (error instanceof TypeError && /fetch failed/.test(error.message)) return sendJson(res, 502, { error: 'the hub could not be reached' });
    if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
      return sendJson(res, 504, { error: 'the hub did not answer within 5 s' });
    if (error instanceof Error && /without hubBaseUrl/.test(error.message)) return sendJson(res, 409, { error: error.message });
    throw error;
  }
}
