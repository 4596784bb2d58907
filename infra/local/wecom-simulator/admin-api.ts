/**
 * `/__sim/…`: the WeCom simulator's control methods as a small JSON API, like the WeChat
 * simulator's. Input is validated with valibot; bad input answers 400 `{error, issues}`, an unknown
 * corp, member or customer 404. Secrets (tokens, codes, tickets, the permanent code) are never returned.
 * Routes that change a corp push what WeCom pushes and answer the push's outcome
 * `{ delivered, tries, status?, body? }`.
 *
 *   GET    /__sim                                          → { routes }
 *   GET    /__sim/calls                                    → { calls, faultsServed }
 *   POST   /__sim/reset-calls
 *   POST   /__sim/latency                                  { ms }
 *   POST   /__sim/faults                                   { path, errcode | httpStatus | stallMs, errmsg?, times?, rate? }
 *   DELETE /__sim/faults
 *   GET    /__sim/limits                                   → { limits }
 *   POST   /__sim/limits                                   { perMinute?, perHour?, idconvertPerHour?, idconvertPerDay? }
 *   POST   /__sim/reset-limits
 *   POST   /__sim/push-ticket                              → push outcome
 *   POST   /__sim/clock                                    { advanceMs }
 *   POST   /__sim/expire-suite-token | /__sim/expire-provider-token
 *   GET    /__sim/corps                                    → { corps }
 *   POST   /__sim/corps                                    CorpSpec → 201 { corp }
 *   GET    /__sim/corps/{corpId}                           → { corp }
 *   POST   /__sim/corps/{corpId}/install                   { preAuthCode, departments?, users?, redirectUri, state? } → { location }
 *   POST   /__sim/corps/{corpId}/marketplace-install       { departments?, users?, state? }   (create_auth)
 *   POST   /__sim/corps/{corpId}/visible-range             { departments?, users?, tags? }    (change_auth)
 *   POST   /__sim/corps/{corpId}/uninstall                 { push? }                          (cancel_auth)
 *   POST   /__sim/corps/{corpId}/expire-token | /invalidate-token
 *   GET    /__sim/corps/{corpId}/members                   → { members }
 *   POST   /__sim/corps/{corpId}/members                   { name, department? }              (change_contact create_user)
 *   PATCH  /__sim/corps/{corpId}/members/{userid}          { name?, department? }             (update_user)
 *   DELETE /__sim/corps/{corpId}/members/{userid}                                             (delete_user)
 *   GET    /__sim/corps/{corpId}/linked-followers          → { followers: [{ externalUserid, unionid, openid }] }
 *   POST   /__sim/corps/{corpId}/customers                 { name, followers, type?, corpName?, unionid?, openid?, state? }  (add_external_contact each)
 *   GET    /__sim/corps/{corpId}/customers/{eid}           → { customer, followUsers }
 *   PATCH  /__sim/corps/{corpId}/customers/{eid}           { userid, name?, remark? }         (edit_external_contact)
 *   DELETE /__sim/corps/{corpId}/customers/{eid}                                              (del_external_contact each)
 *   POST   /__sim/corps/{corpId}/customers/{eid}/follows   { userid, half?, state? }          (add_external_contact / add_half_external_contact)
 *   POST   /__sim/corps/{corpId}/customers/{eid}/remove-follow { userid, by: member|customer, source? }  (del_external_contact / del_follow_user)
 *   POST   /__sim/corps/{corpId}/customers/{eid}/transfer-fail { userid, failReason }         (transfer_fail)
 *   POST   /__sim/register                                 { registerCode, corpName?, adminName? } → { corpId }  (register_corp, create_auth)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as v from 'valibot';
import { readBody, sendJson } from '../wechat-simulator/http-io.ts';
import type { WeComSimulator } from './control.ts';
import { WeComInputError } from './world.ts';

const text = (max: number) => v.pipe(v.string(), v.minLength(1), v.maxLength(max));
const id = text(128);
const departmentIds = v.array(v.pipe(v.number(), v.integer(), v.minValue(1)));
const state = v.pipe(v.string(), v.regex(/^[a-zA-Z0-9]{0,128}$/, 'must be up to 128 letters or digits'));
const share = v.pipe(v.number(), v.minValue(0), v.maxValue(1));
const range = {
  departments: v.optional(departmentIds, []),
  users: v.optional(v.array(id), []),
  tags: v.optional(v.array(v.pipe(v.number(), v.integer(), v.minValue(1))), []),
};
const positive = v.pipe(v.number(), v.integer(), v.minValue(1));

const schemas = {
  latency: v.strictObject({ ms: v.pipe(v.number(), v.minValue(0), v.maxValue(120_000)) }),
  fault: v.pipe(
    v.strictObject({
      path: v.pipe(v.string(), v.regex(/^(\*|\/\S*)$/, 'must be an API path such as /cgi-bin/externalcontact/get, or *')),
      errcode: v.optional(v.pipe(v.number(), v.integer())),
      httpStatus: v.optional(v.pipe(v.number(), v.integer(), v.minValue(500), v.maxValue(599))),
      stallMs: v.optional(v.pipe(v.number(), v.minValue(1), v.maxValue(120_000))),
      errmsg: v.optional(v.pipe(v.string(), v.maxLength(500))),
      times: v.optional(positive),
      rate: v.optional(share),
    }),
    v.check(
      (f) => [f.errcode, f.httpStatus, f.stallMs].filter((value) => value !== undefined).length === 1,
      'needs exactly one of errcode, httpStatus and stallMs',
    ),
  ),
  limits: v.strictObject({
    perMinute: v.optional(positive),
    perHour: v.optional(positive),
    idconvertPerHour: v.optional(positive),
    idconvertPerDay: v.optional(positive),
  }),
  clock: v.strictObject({ advanceMs: v.pipe(v.number(), v.minValue(0)) }),
  corp: v.strictObject({
    corpId: v.optional(v.pipe(v.string(), v.regex(/^ww[A-Za-z0-9]{16}$/, 'must be ww followed by 16 letters or digits'))),
    corpName: text(64),
    members: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10_000))),
    departments: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100))),
    customers: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1_000_000))),
    multiFollowRatio: v.optional(share),
    wecomRatio: v.optional(share),
    verified: v.optional(v.boolean()),
    linkedAccount: v.optional(
      v.strictObject({
        appid: v.pipe(v.string(), v.regex(/^wx[0-9a-zA-Z]{16}$/, 'must be wx followed by 16 letters or digits')),
        followers: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1_000_000)),
        unionidRatio: share,
        share,
      }),
    ),
  }),
  install: v.strictObject({ preAuthCode: id, ...range, redirectUri: v.pipe(v.string(), v.url()), state: v.optional(state, '') }),
  marketplace: v.strictObject({ ...range, state: v.optional(state, '') }),
  range: v.strictObject(range),
  uninstall: v.strictObject({ push: v.optional(v.boolean()) }),
  member: v.strictObject({ name: text(64), department: v.optional(departmentIds) }),
  memberEdit: v.strictObject({ name: v.optional(text(64)), department: v.optional(departmentIds) }),
  customer: v.strictObject({
    name: text(64),
    followers: v.pipe(v.array(id), v.minLength(1)),
    type: v.optional(v.picklist([1, 2])),
    corpName: v.optional(text(64)),
    unionid: v.optional(id),
    openid: v.optional(id),
    state: v.optional(state),
  }),
  customerEdit: v.strictObject({ userid: id, name: v.optional(text(64)), remark: v.optional(v.pipe(v.string(), v.maxLength(64))) }),
  follow: v.strictObject({ userid: id, half: v.optional(v.boolean()), state: v.optional(state) }),
  removeFollow: v.strictObject({ userid: id, by: v.picklist(['member', 'customer']), source: v.optional(text(64)) }),
  transferFail: v.strictObject({ userid: id, failReason: v.picklist(['customer_refused', 'customer_limit_exceed']) }),
  register: v.strictObject({ registerCode: id, corpName: v.optional(text(64)), adminName: v.optional(text(64)) }),
};

class AdminInputError extends Error {
  readonly issues: string[];

  constructor(issues: string[]) {
    super('invalid input');
    this.issues = issues;
  }
}

async function input<S extends v.GenericSchema>(req: IncomingMessage, schema: S): Promise<v.InferOutput<S>> {
  const body = await readBody(req, 64 * 1024);
  let json: unknown;
  try {
    json = body.trim() === '' ? {} : JSON.parse(body);
  } catch {
    throw new AdminInputError(['body is not JSON']);
  }
  const result = v.safeParse(schema, json);
  if (!result.success) throw new AdminInputError(result.issues.map((issue) => `${v.getDotPath(issue) ?? '(body)'}: ${issue.message}`));
  return result.output;
}

const adminRoutes = [
  'GET /__sim/calls',
  'POST /__sim/reset-calls',
  'POST /__sim/latency {ms}',
  'POST /__sim/faults {path, errcode | httpStatus | stallMs, errmsg?, times?, rate?}',
  'DELETE /__sim/faults',
  'GET /__sim/limits',
  'POST /__sim/limits {perMinute?, perHour?, idconvertPerHour?, idconvertPerDay?}',
  'POST /__sim/reset-limits',
  'POST /__sim/push-ticket',
  'POST /__sim/clock {advanceMs}',
  'POST /__sim/expire-suite-token',
  'POST /__sim/expire-provider-token',
  'GET /__sim/corps',
  'POST /__sim/corps {corpName, corpId?, members?, departments?, customers?, multiFollowRatio?, wecomRatio?, verified?, linkedAccount?}',
  'GET /__sim/corps/{corpId}',
  'POST /__sim/corps/{corpId}/install {preAuthCode, departments?, users?, redirectUri, state?}',
  'POST /__sim/corps/{corpId}/marketplace-install {departments?, users?, state?}',
  'POST /__sim/corps/{corpId}/visible-range {departments?, users?, tags?}',
  'POST /__sim/corps/{corpId}/uninstall {push?}',
  'POST /__sim/corps/{corpId}/expire-token',
  'POST /__sim/corps/{corpId}/invalidate-token',
  'GET /__sim/corps/{corpId}/members',
  'POST /__sim/corps/{corpId}/members {name, department?}',
  'PATCH /__sim/corps/{corpId}/members/{userid} {name?, department?}',
  'DELETE /__sim/corps/{corpId}/members/{userid}',
  'GET /__sim/corps/{corpId}/linked-followers',
  'POST /__sim/corps/{corpId}/customers {name, followers, type?, corpName?, unionid?, openid?, state?}',
  'GET /__sim/corps/{corpId}/customers/{externalUserid}',
  'PATCH /__sim/corps/{corpId}/customers/{externalUserid} {userid, name?, remark?}',
  'DELETE /__sim/corps/{corpId}/customers/{externalUserid}',
  'POST /__sim/corps/{corpId}/customers/{externalUserid}/follows {userid, half?, state?}',
  'POST /__sim/corps/{corpId}/customers/{externalUserid}/remove-follow {userid, by: member|customer, source?}',
  'POST /__sim/corps/{corpId}/customers/{externalUserid}/transfer-fail {userid, failReason}',
  'POST /__sim/register {registerCode, corpName?, adminName?}',
  'GET /3rdapp/install?suite_id&pre_auth_code&redirect_uri&state (the install page)',
  'GET /3rdservice/wework/register?register_code (the registration page)',
];

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, PATCH, DELETE',
  'access-control-allow-headers': 'content-type',
};

/** `corps/{corpId}/members/{userid}` → `corps/:corp/members/:member`, with the ids beside. */
function routeOf(parts: string[]): { shape: string; corpId: string; item: string } {
  const shape = parts.map((part, i) => {
    if (parts[0] !== 'corps') return part;
    if (i === 1) return ':corp';
    if (i === 3 && (parts[2] === 'members' || parts[2] === 'customers')) return ':item';
    return part;
  });
  return { shape: `/${shape.join('/')}`, corpId: parts[1] ?? '', item: parts[3] ?? '' };
}

export async function handleAdmin(req: IncomingMessage, res: ServerResponse, url: URL, sim: WeComSimulator): Promise<void> {
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
  const { shape, corpId, item } = routeOf(parts);
  const ok = (body: object = { ok: true }, status = 200) => sendJson(res, status, body);

  try {
    switch (`${method} ${shape}`) {
      case 'GET /':
        return ok({ routes: adminRoutes });
      case 'GET /calls':
        return ok({ calls: sim.calls(), faultsServed: sim.faultsServed() });
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
      case 'GET /limits':
        return ok({ limits: sim.limits() });
      case 'POST /limits': {
        const limits = await input(req, schemas.limits);
        sim.setLimits(Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined)));
        return ok({ limits: sim.limits() });
      }
      case 'POST /reset-limits':
        sim.resetLimits();
        return ok();
      case 'POST /push-ticket':
        return ok(await sim.pushTicket());
      case 'POST /clock':
        sim.advanceClock((await input(req, schemas.clock)).advanceMs);
        return ok();
      case 'POST /expire-suite-token':
        sim.expireSuiteToken();
        return ok();
      case 'POST /expire-provider-token':
        sim.expireProviderToken();
        return ok();
      case 'GET /corps':
        return ok({ corps: sim.corps() });
      case 'POST /corps': {
        const spec = await input(req, schemas.corp);
        return ok({ corp: sim.addCorp(spec) }, 201);
      }
      case 'GET /corps/:corp': {
        const corp = sim.corp(corpId);
        return corp ? ok({ corp }) : sendJson(res, 404, { error: `no simulated corp ${corpId}` });
      }
      case 'POST /corps/:corp/install': {
        const o = await input(req, schemas.install);
        return ok(
          await sim.install({
            preAuthCode: o.preAuthCode,
            corpId,
            range: { departments: o.departments, users: o.users, tags: o.tags },
            redirectUri: o.redirectUri,
            state: o.state,
          }),
        );
      }
      case 'POST /corps/:corp/marketplace-install': {
        const o = await input(req, schemas.marketplace);
        return ok(await sim.installFromMarketplace(corpId, { departments: o.departments, users: o.users, tags: o.tags }, o.state));
      }
      case 'POST /corps/:corp/visible-range':
        return ok(await sim.changeVisibleRange(corpId, await input(req, schemas.range)));
      case 'POST /corps/:corp/uninstall': {
        const { push } = await input(req, schemas.uninstall);
        return ok((await sim.uninstall(corpId, push === undefined ? {} : { push })) ?? { delivered: false, tries: 0 });
      }
      case 'POST /corps/:corp/expire-token':
        sim.expireCorpToken(corpId);
        return ok();
      case 'POST /corps/:corp/invalidate-token':
        sim.invalidateCorpToken(corpId);
        return ok();
      case 'GET /corps/:corp/members':
        return ok({ members: sim.members(corpId) });
      case 'POST /corps/:corp/members':
        return ok(await sim.addMember(corpId, await input(req, schemas.member)), 201);
      case 'PATCH /corps/:corp/members/:item':
        return ok(await sim.updateMember(corpId, item, await input(req, schemas.memberEdit)));
      case 'DELETE /corps/:corp/members/:item':
        return ok(await sim.deleteMember(corpId, item));
      case 'GET /corps/:corp/linked-followers':
        return ok({ followers: sim.linkedFollowers(corpId) });
      case 'POST /corps/:corp/customers':
        return ok(await sim.addCustomer(corpId, await input(req, schemas.customer)), 201);
      case 'GET /corps/:corp/customers/:item': {
        const found = sim.customer(corpId, item);
        return found ? ok(found) : sendJson(res, 404, { error: `no customer ${item} in ${corpId}` });
      }
      case 'PATCH /corps/:corp/customers/:item':
        return ok(await sim.editCustomer(corpId, item, await input(req, schemas.customerEdit)));
      case 'DELETE /corps/:corp/customers/:item':
        return ok({ pushes: await sim.deleteCustomer(corpId, item) });
      case 'POST /corps/:corp/customers/:item/follows':
        return ok(await sim.addFollow(corpId, item, await input(req, schemas.follow)));
      case 'POST /corps/:corp/customers/:item/remove-follow':
        return ok(await sim.removeFollow(corpId, item, await input(req, schemas.removeFollow)));
      case 'POST /corps/:corp/customers/:item/transfer-fail':
        return ok(await sim.transferFail(corpId, item, await input(req, schemas.transferFail)));
      case 'POST /register':
        return ok(await sim.register(await input(req, schemas.register)));
      default:
        return sendJson(res, 404, { error: `no admin route ${method} ${url.pathname}` });
    }
  } catch (error) {
    if (error instanceof AdminInputError) return sendJson(res, 400, { error: error.message, issues: error.issues });
    if (error instanceof WeComInputError) return sendJson(res, error.status, { error: error.message });
    throw error;
  }
}
