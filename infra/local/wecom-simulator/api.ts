/**
 * The WeCom APIs the hub calls (qyapi.weixin.qq.com, WECOM.md §3), with their request and answer
 * shapes and error codes (§4.3). One table from path to handler; the server (simulator.ts) counts the
 * call, applies latency and faults, and turns a thrown `WeComError` into `{errcode, errmsg}`.
 *
 * Frequency limits (limits.ts) apply to the corp-token APIs, per corp and API.
 */
import type { SimCorp } from './corp.ts';
import { IDCONVERT_PATH, type FrequencyLimiter } from './limits.ts';
import { WeComError } from './wecom-error.ts';
import type { InstallRecord, WeComWorld } from './world.ts';

export interface ApiCall {
  world: WeComWorld;
  limiter: FrequencyLimiter;
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown>;
}

type Handler = (call: ApiCall) => Record<string, unknown>;

const ok = { errcode: 0, errmsg: 'ok' } as const;
const MAX_BATCH_USERIDS = 100;
const MAX_BATCH_LIMIT = 100;
const DEFAULT_BATCH_LIMIT = 50;

function corpInfo(corp: SimCorp): Record<string, unknown> {
  return {
    corpid: corp.corpId,
    corp_name: corp.spec.corpName,
    corp_type: corp.spec.verified ? 'verified' : 'unverified',
    corp_square_logo_url: 'http://p.qlogo.cn/bizmail/sim/0',
    corp_user_max: 200,
    corp_full_name: `${corp.spec.corpName}有限公司`,
    subject_type: 1,
    verified_end_time: 0,
    corp_wxqrcode: '',
    corp_scale: '1-50人',
    corp_industry: 'IT服务',
    corp_sub_industry: '计算机软件/硬件/信息服务',
  };
}

function authInfo(install: InstallRecord): Record<string, unknown> {
  return {
    agent: [
      {
        agentid: 1000001,
        name: 'oa-hub (local)',
        round_logo_url: 'http://p.qlogo.cn/bizmail/sim-round/0',
        square_logo_url: 'http://p.qlogo.cn/bizmail/sim-square/0',
        appid: 1,
        auth_mode: 0,
        is_customized_app: false,
        auth_from_thirdapp: false,
        privilege: {
          level: 1,
          allow_party: install.range.departments,
          allow_user: install.range.users,
          allow_tag: install.range.tags,
          extra_party: [],
          extra_user: [],
          extra_tag: [],
        },
      },
    ],
  };
}

function authUserInfo(install: InstallRecord, corp: SimCorp): Record<string, unknown> {
  const index = install.authUserId ? corp.memberIndexOf(install.authUserId) : undefined;
  if (index === undefined) return { userid: '', open_userid: '', name: '', avatar: '' };
  return { userid: install.authUserId, open_userid: install.authUserId, name: corp.member(index).name, avatar: 'http://wework.qpic.cn/bizmail/sim/0' };
}

function registerCodeInfo(world: WeComWorld, install: InstallRecord): Record<string, unknown> | undefined {
  if (!install.registerCode) return undefined;
  const record = world.registerCodeRecord(install.registerCode);
  return { register_code: install.registerCode, template_id: record?.templateId ?? '', state: record?.state ?? '' };
}

/** A corp-token API call: the corp behind the token, the call counted against the corp's limits. */
function corpCall(call: ApiCall, o: { base?: boolean } = {}): { corp: SimCorp; install: InstallRecord } {
  const found = call.world.requireCorpToken(call.query.get('access_token') ?? '');
  call.limiter.take(found.corp.corpId, call.path, call.world.clock.now(), o);
  return found;
}

/** Members in the app's visible range (the follow users of §3.9: every member does 客户联系 here). */
function visibleMembers(corp: SimCorp, install: InstallRecord): number[] {
  return corp.memberIndices().filter((m) => corp.inRange(m, install.range));
}

function requireVisibleMember(corp: SimCorp, install: InstallRecord, userid: unknown): number {
  const m = typeof userid === 'string' ? corp.memberIndexOf(userid) : undefined;
  if (m === undefined || !corp.inRange(m, install.range)) throw new WeComError(60011);
  return m;
}

/** The opaque `next_cursor` of batch/get_by_user: where in the userid list, and after which customer. */
function encodeCursor(memberPosition: number, afterCustomer: number): string {
  return Buffer.from(`${memberPosition}.${afterCustomer}`).toString('base64url');
}

function decodeCursor(cursor: unknown): { memberPosition: number; afterCustomer: number } {
  if (cursor === undefined || cursor === '') return { memberPosition: 0, afterCustomer: -1 };
  if (typeof cursor !== 'string') throw new WeComError(40058, 'invalid cursor');
  const match = /^(\d+)\.(-?\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new WeComError(40058, 'invalid cursor');
  return { memberPosition: Number(match[1]), afterCustomer: Number(match[2]) };
}

export const apiRoutes: Record<string, Handler> = {
  '/cgi-bin/service/get_provider_token': ({ world, body }) => {
    const { token, expiresIn } = world.providerToken(body.corpid, body.provider_secret);
    return { ...ok, provider_access_token: token, expires_in: expiresIn };
  },

  // "该接口在调用失败时才返回errcode" (WECOM.md §3.2): success has no errcode.
  '/cgi-bin/service/get_suite_token': ({ world, body }) => {
    const { token, expiresIn } = world.suiteToken(body.suite_id, body.suite_secret, body.suite_ticket);
    return { suite_access_token: token, expires_in: expiresIn };
  },

  '/cgi-bin/service/get_pre_auth_code': ({ world, query }) => {
    world.requireSuiteToken(query.get('suite_access_token'));
    const { code, expiresIn } = world.preAuthCode();
    return { ...ok, pre_auth_code: code, expires_in: expiresIn };
  },

  '/cgi-bin/service/set_session_info': ({ world, query, body }) => {
    world.requireSuiteToken(query.get('suite_access_token'));
    const session = body.session_info;
    if (session !== undefined && (typeof session !== 'object' || session === null)) throw new WeComError(40058, 'invalid session_info');
    world.setSessionInfo(body.pre_auth_code, (session as { auth_type?: unknown } | undefined)?.auth_type);
    return { ...ok };
  },

  '/cgi-bin/service/get_permanent_code': ({ world, query, body }) => {
    world.requireSuiteToken(query.get('suite_access_token'));
    const { corp, install, state } = world.redeemAuthCode(body.auth_code);
    const { token, expiresIn } = world.corpToken(corp.corpId);
    const register = registerCodeInfo(world, install);
    return {
      ...ok,
      access_token: token,
      expires_in: expiresIn,
      permanent_code: install.permanentCode,
      auth_corp_info: corpInfo(corp),
      auth_info: authInfo(install),
      auth_user_info: authUserInfo(install, corp),
      ...(register ? { register_code_info: register } : {}),
      state,
    };
  },

  '/cgi-bin/service/v2/get_permanent_code': ({ world, query, body }) => {
    world.requireSuiteToken(query.get('suite_access_token'));
    const { corp, install, state } = world.redeemAuthCode(body.auth_code);
    const register = registerCodeInfo(world, install);
    return {
      ...ok,
      permanent_code: install.permanentCode,
      auth_corp_info: { corpid: corp.corpId, corp_name: corp.spec.corpName },
      auth_user_info: authUserInfo(install, corp),
      ...(register ? { register_code_info: register } : {}),
      state,
    };
  },

  '/cgi-bin/service/get_auth_info': ({ world, query, body }) => {
    world.requireSuiteToken(query.get('suite_access_token'));
    const { corp, install } = world.requirePermanentCode(body.auth_corpid, body.permanent_code);
    return { ...ok, auth_corp_info: corpInfo(corp), auth_info: authInfo(install) };
  },

  // Like get_suite_token: no errcode on success (WECOM.md §3.8).
  '/cgi-bin/service/get_corp_token': ({ world, query, body }) => {
    world.requireSuiteToken(query.get('suite_access_token'));
    const { corp } = world.requirePermanentCode(body.auth_corpid, body.permanent_code);
    const { token, expiresIn } = world.corpToken(corp.corpId);
    return { access_token: token, expires_in: expiresIn };
  },

  '/cgi-bin/service/get_register_code': ({ world, query, body }) => {
    world.requireProviderToken(query.get('provider_access_token'));
    const text = (name: string, max: number): string | undefined => {
      const value = body[name];
      if (value === undefined || value === '') return undefined;
      if (typeof value !== 'string' || Buffer.byteLength(value) > max) throw new WeComError(40058, `invalid ${name}`);
      return value;
    };
    const templateId = text('template_id', 128);
    if (!templateId) throw new WeComError(40058, 'template_id missing');
    const state = text('state', 128);
    if (state !== undefined && !/^[a-zA-Z0-9]+$/.test(state)) throw new WeComError(84025);
    const corpName = text('corp_name', 128);
    const adminName = text('admin_name', 64);
    const followUser = text('follow_user', 64);
    const { code, expiresIn } = world.registerCode({
      templateId,
      ...(corpName ? { corpName } : {}),
      ...(adminName ? { adminName } : {}),
      ...(state ? { state } : {}),
      ...(followUser ? { followUser } : {}),
    });
    return { ...ok, register_code: code, expires_in: expiresIn };
  },

  '/cgi-bin/service/get_register_info': ({ world, query, body }) => {
    world.requireProviderToken(query.get('provider_access_token'));
    const record = world.requireRegisterCode(body.register_code);
    return {
      ...ok,
      corpid: record.corpId,
      auth_user_info: { userid: record.authUserId ?? '' },
      ...(record.state ? { state: record.state } : {}),
      template_id: record.templateId,
    };
  },

  '/cgi-bin/externalcontact/get_follow_user_list': (call) => {
    const { corp, install } = corpCall(call);
    return { ...ok, follow_user: visibleMembers(corp, install).map((m) => corp.useridAt(m)) };
  },

  '/cgi-bin/externalcontact/list': (call) => {
    const { corp, install } = corpCall(call);
    const m = requireVisibleMember(corp, install, call.query.get('userid') ?? '');
    const customers = corp.customersOf(m);
    if (customers.length === 0) throw new WeComError(84061);
    return { ...ok, external_userid: customers.map((c) => corp.externalUseridAt(c)) };
  },

  '/cgi-bin/externalcontact/get': (call) => {
    const { corp, install } = corpCall(call);
    const c = corp.customerIndexOf(call.query.get('external_userid') ?? '');
    if (c === undefined) throw new WeComError(40096);
    const follow = corp.followersOf(c).filter((m) => corp.inRange(m, install.range));
    if (follow.length === 0) throw new WeComError(84061);
    return { ...ok, external_contact: corp.customer(c), follow_user: follow.map((m) => corp.followInfo(c, m)), next_cursor: '' };
  },

  '/cgi-bin/externalcontact/batch/get_by_user': (call) => {
    const { corp, install } = corpCall(call);
    const { userid_list: userids, cursor, limit: rawLimit } = call.body;
    if (!Array.isArray(userids) || userids.length === 0) throw new WeComError(40058, 'userid_list missing');
    if (userids.length > MAX_BATCH_USERIDS) throw new WeComError(40058, `userid_list exceeds ${MAX_BATCH_USERIDS}`);
    if (rawLimit !== undefined && !(Number.isSafeInteger(rawLimit) && (rawLimit as number) >= 1 && (rawLimit as number) <= MAX_BATCH_LIMIT))
      throw new WeComError(40058, `limit must be 1..${MAX_BATCH_LIMIT}`);
    const limit = (rawLimit as number | undefined) ?? DEFAULT_BATCH_LIMIT;
    const members = userids.map((userid) => requireVisibleMember(corp, install, userid));
    let { memberPosition, afterCustomer } = decodeCursor(cursor);
    const list: Record<string, unknown>[] = [];
    while (memberPosition < members.length && list.length < limit) {
      const m = members[memberPosition]!;
      const customers = corp.customersOf(m).filter((c) => c > afterCustomer);
      const take = customers.slice(0, limit - list.length);
      for (const c of take) list.push({ external_contact: corp.customer(c), follow_info: corp.followInfo(c, m) });
      if (take.length < customers.length) {
        afterCustomer = take.at(-1)!;
        break;
      }
      memberPosition += 1;
      afterCustomer = -1;
    }
    // Skip members with nothing left, so that the last page is the one without a next_cursor.
    while (memberPosition < members.length && !corp.customersOf(members[memberPosition]!).some((c) => c > afterCustomer)) {
      memberPosition += 1;
      afterCustomer = -1;
    }
    const more = memberPosition < members.length;
    return { ...ok, external_contact_list: list, next_cursor: more ? encodeCursor(memberPosition, afterCustomer) : '' };
  },

  [IDCONVERT_PATH]: (call) => {
    const found = call.world.requireCorpToken(call.query.get('access_token') ?? '');
    // A valid mass_call_ticket lifts the conversion's own budget; the base limits still apply (WECOM.md §3.10).
    const { corp, install } = corpCall(call, { base: call.world.validMassCallTicket(found.install, call.body.mass_call_ticket) });
    const { unionid, openid, subject_type: subjectType = 0 } = call.body;
    if (typeof unionid !== 'string' || unionid === '' || typeof openid !== 'string' || openid === '')
      throw new WeComError(40058, 'unionid and openid are required');
    if (subjectType !== 0 && subjectType !== 1) throw new WeComError(40058, 'invalid subject_type');
    if (!corp.spec.verified) throw new WeComError(48002);
    corp.noteQueried(unionid);
    const customer = subjectType === 0 ? corp.customerOfFollower(unionid) : undefined;
    // The WeChat user is a customer, of a member inside the visible range, and the openid is theirs (same account as the unionid).
    if (customer && customer.openid === openid && corp.followersOf(customer.customer).some((m) => corp.inRange(m, install.range))) {
      return { ...ok, external_userid: corp.externalUseridAt(customer.customer) };
    }
    return { ...ok, pending_id: corp.pendingIdFor(unionid) };
  },

  '/cgi-bin/corp/apply_mass_call_ticket': (call) => {
    const { install } = corpCall(call);
    return { ...ok, mass_call_ticket: call.world.massCallTicket(install).ticket };
  },

  // Only customers whose unionid was asked about before have a pending_id here (WECOM.md §3.10).
  '/cgi-bin/idconvert/batch/external_userid_to_pending_id': (call) => {
    const { corp } = corpCall(call);
    const ids = call.body.external_userid;
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > 100) throw new WeComError(40058, 'external_userid must list 1..100 ids');
    const result: { external_userid: string; pending_id: string }[] = [];
    for (const id of ids) {
      const c = typeof id === 'string' ? corp.customerIndexOf(id) : undefined;
      const pendingId = c === undefined ? undefined : corp.pendingIdOfCustomer(c);
      if (pendingId) result.push({ external_userid: id as string, pending_id: pendingId });
    }
    return { ...ok, result };
  },
};
