/**
 * Every console route × every kind of caller gives exactly the status of API.md (§1, §3):
 *
 * | caller | expected |
 * |---|---|
 * | no token, bad signature, expired token, a service's token | 401 `unauthorized` (the gateway's JWT authorizer: a service token is for the internal routes' audience) |
 * | operator (role `operator`, no tenant) | the route's success on operator routes; 403 on every tenant route (no tenant data) |
 * | admin, member of this or another tenant | 403 on operator routes; otherwise as below |
 * | admin of another tenant | 404 `not_found` when the request names one of this tenant's accounts (never reveal it exists); otherwise the route's success (it sees its own, empty, data) |
 * | member whose departments lack the account | 403 on admin routes; 403 on member routes that name an account of its own tenant; otherwise success (lists are filtered) |
 * | member of the granted department | 403 on admin routes; success on member routes |
 * | admin | the route's success |
 *
 * The expectations are data: `rules` says, per route, who may call it and whether the request names
 * an account; `expected()` derives each status from that. A route in the catalogue without a rule
 * fails the coverage test until someone decides its rule here. Destructive routes run last, each on
 * an account of its own.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { startLocalStack, type LocalStack } from '#infra/local/stack.ts';
import { followerItem } from '#shared/adapters/dynamodb/followers.ts';
import { createDocumentClient } from '#shared/db/client.ts';
import { mintConsoleToken } from '#infra/local/tokens.ts';
import { call, consoleRoutes, eventually, ownedAccount, routeKey } from '#test/e2e/accounts/support.ts';

const TENANT = 't-matrix-a';
const OTHER_TENANT = 't-matrix-b';
const GRANTED_DEPARTMENT = 'matrix-sales';

/** What the fixture holds for the requests. */
interface Fixture {
  /** Owned by TENANT and granted to GRANTED_DEPARTMENT. */
  appid: string;
  /** Owned by TENANT, revoked in WeChat, ready to be unbound. */
  revokedAppid?: string;
  /** A follower sync of `appid`. */
  fanSyncJobId?: string;
  /** A follower of `appid` the hub keeps. */
  followerOpenid?: string;
}

interface RouteRule {
  /** `admin`: admins only; `any`: members too (reads, limited to their departments' accounts); `operator`: platform operators only, any tenant. */
  who: 'admin' | 'any' | 'operator';
  /** Whether the request names one of the tenant's accounts (in the path or the body). */
  namesAccount: boolean;
  /** The admin's success status. */
  success: number;
  /** Changes what later cases rely on: runs after every other route, admin last. */
  destructive?: boolean;
  request(fixture: Fixture): { path: string; body?: unknown };
}

const rules: Record<string, RouteRule> = {
  'GET /v1/accounts': { who: 'any', namesAccount: false, success: 200, request: () => ({ path: '/v1/accounts' }) },
  'GET /v1/accounts/{appid}': { who: 'any', namesAccount: true, success: 200, request: (f) => ({ path: `/v1/accounts/${f.appid}` }) },
  'POST /v1/accounts/{appid}/share-codes': {
    who: 'admin',
    namesAccount: true,
    success: 201,
    request: (f) => ({ path: `/v1/accounts/${f.appid}/share-codes`, body: { count: 1 } }),
  },
  'GET /v1/accounts/{appid}/shares': { who: 'admin', namesAccount: true, success: 200, request: (f) => ({ path: `/v1/accounts/${f.appid}/shares` }) },
  // Nothing is shared yet: revoking every share, or one tenant's, holds already (204).
  'DELETE /v1/accounts/{appid}/shares': { who: 'admin', namesAccount: true, success: 204, request: (f) => ({ path: `/v1/accounts/${f.appid}/shares` }) },
  'DELETE /v1/accounts/{appid}/shares/{tenantId}': {
    who: 'admin',
    namesAccount: true,
    success: 204,
    request: (f) => ({ path: `/v1/accounts/${f.appid}/shares/${OTHER_TENANT}` }),
  },
  // No code is known here: every caller allowed to try gets the one answer for a code that does not work.
  'POST /v1/shared-accounts': {
    who: 'admin',
    namesAccount: false,
    success: 410,
    request: () => ({ path: '/v1/shared-accounts', body: { code: 'MATR-IX00-0000-0000-0000-0000-0000' } }),
  },
  'GET /v1/communities': { who: 'any', namesAccount: false, success: 200, request: () => ({ path: '/v1/communities' }) },
  'PUT /v1/communities/{communityId}': {
    who: 'admin',
    namesAccount: true,
    success: 200,
    request: (f) => ({ path: '/v1/communities/matrix-court', body: { accountAppId: f.appid } }),
  },
  'DELETE /v1/accounts/{appid}/communities': {
    who: 'admin',
    namesAccount: true,
    success: 200,
    request: (f) => ({ path: `/v1/accounts/${f.appid}/communities` }),
  },
  'PATCH /v1/accounts/{appid}': {
    who: 'admin',
    namesAccount: true,
    success: 200,
    request: (f) => ({ path: `/v1/accounts/${f.appid}`, body: { plaintextAuthorization: false } }),
  },
  'PUT /v1/departments/{departmentId}/accounts': {
    who: 'admin',
    namesAccount: true,
    success: 200,
    // The same set again: the granted member keeps its grant for the cases that follow.
    request: (f) => ({ path: `/v1/departments/${GRANTED_DEPARTMENT}/accounts`, body: { appids: [f.appid] } }),
  },
  'GET /v1/departments/{departmentId}/accounts': {
    who: 'admin',
    namesAccount: false,
    success: 200,
    request: () => ({ path: `/v1/departments/${GRANTED_DEPARTMENT}/accounts` }),
  },
  'GET /v1/audit': { who: 'admin', namesAccount: false, success: 200, request: () => ({ path: '/v1/audit' }) },
  'POST /v1/accounts/{appid}/fan-syncs': { who: 'admin', namesAccount: true, success: 202, request: (f) => ({ path: `/v1/accounts/${f.appid}/fan-syncs` }) },
  'GET /v1/accounts/{appid}/fan-syncs/{jobId}': {
    who: 'admin',
    namesAccount: true,
    success: 200,
    request: (f) => ({ path: `/v1/accounts/${f.appid}/fan-syncs/${f.fanSyncJobId ?? 'none'}` }),
  },
  'GET /v1/accounts/{appid}/fans': { who: 'any', namesAccount: true, success: 200, request: (f) => ({ path: `/v1/accounts/${f.appid}/fans` }) },
  // A follower's history: the followers' rule.
  'GET /v1/accounts/{appid}/fans/{openid}/history': {
    who: 'any',
    namesAccount: true,
    success: 200,
    request: (f) => ({ path: `/v1/accounts/${f.appid}/fans/${f.followerOpenid ?? 'oNone'}/history` }),
  },
  // The followers' rule (issue 13): the owner's admins and its granted departments' members.
  'GET /v1/accounts/{appid}/messages': {
    who: 'any',
    namesAccount: true,
    success: 200,
    request: (f) => ({ path: `/v1/accounts/${f.appid}/messages?type=message` }),
  },
  // Another tenant's or a member's search finds only its own (readable) accounts' followers: 200 either way.
  'GET /v1/contacts/{unionid}': { who: 'any', namesAccount: false, success: 200, request: () => ({ path: '/v1/contacts/oMatrixUnionid0000000000000a' }) },
  'POST /v1/authorizations': { who: 'admin', namesAccount: false, success: 201, request: () => ({ path: '/v1/authorizations', body: {} }) },
  // WeCom (API.md §7): admin-only; the matrix tenants' plans do not include WeCom, so an admin's answer is 422 feature_disabled.
  'POST /v1/wecom/installations': { who: 'admin', namesAccount: false, success: 422, request: () => ({ path: '/v1/wecom/installations' }) },
  'POST /v1/wecom/registrations': { who: 'admin', namesAccount: false, success: 422, request: () => ({ path: '/v1/wecom/registrations' }) },
  'GET /v1/wecom/corp': { who: 'admin', namesAccount: false, success: 422, request: () => ({ path: '/v1/wecom/corp' }) },
  'DELETE /v1/wecom/corp': { who: 'admin', namesAccount: false, success: 422, request: () => ({ path: '/v1/wecom/corp' }) },
  'PUT /v1/wecom/miniprogram-secret': {
    who: 'admin',
    namesAccount: false,
    success: 422,
    request: () => ({ path: '/v1/wecom/miniprogram-secret', body: { appid: 'wx0000000000matrix', secret: 'MatrixSecret0000000000000000000a' } }),
  },
  // Each tenant reads and writes only its own list of allowed origins.
  'GET /v1/oauth/origins': { who: 'admin', namesAccount: false, success: 200, request: () => ({ path: '/v1/oauth/origins' }) },
  'PUT /v1/oauth/origins': {
    who: 'admin',
    namesAccount: false,
    success: 200,
    request: () => ({ path: '/v1/oauth/origins', body: { origins: ['https://matrix.example.com'] } }),
  },
  'POST /v1/accounts/{appid}/open-platform': {
    who: 'admin',
    namesAccount: true,
    success: 200,
    request: (f) => ({ path: `/v1/accounts/${f.appid}/open-platform`, body: {} }),
  },
  'GET /v1/accounts/{appid}/auto-replies': {
    who: 'admin',
    namesAccount: true,
    success: 200,
    request: (f) => ({ path: `/v1/accounts/${f.appid}/auto-replies` }),
  },
  'PUT /v1/accounts/{appid}/auto-replies': {
    who: 'admin',
    namesAccount: true,
    success: 200,
    request: (f) => ({
      path: `/v1/accounts/${f.appid}/auto-replies`,
      body: { rules: [{ id: 'matrix', trigger: { type: 'keyword', keywords: ['matrix'], match: 'exact' }, reply: { type: 'text', content: 'ok' } }] },
    }),
  },
  'GET /v1/accounts/{appid}/menu': { who: 'admin', namesAccount: true, success: 200, request: (f) => ({ path: `/v1/accounts/${f.appid}/menu` }) },
  'PUT /v1/accounts/{appid}/menu': {
    who: 'admin',
    namesAccount: true,
    success: 200,
    request: (f) => ({ path: `/v1/accounts/${f.appid}/menu`, body: { button: [{ type: 'click', name: 'matrix', key: 'MATRIX' }] } }),
  },
  // Deleting a menu holds whether or not one is set (WeChat answers ok either way).
  'DELETE /v1/accounts/{appid}/menu': { who: 'admin', namesAccount: true, success: 204, request: (f) => ({ path: `/v1/accounts/${f.appid}/menu` }) },
  // The tenant's own settings: its admins only; an operator reads them through the operator routes.
  'GET /v1/tenant': { who: 'admin', namesAccount: false, success: 200, request: () => ({ path: '/v1/tenant' }) },
  'GET /v1/operator/tenants/{tenantId}': { who: 'operator', namesAccount: false, success: 200, request: () => ({ path: `/v1/operator/tenants/${TENANT}` }) },
  'PATCH /v1/operator/tenants/{tenantId}': {
    who: 'operator',
    namesAccount: false,
    success: 200,
    // A higher quota than the fixture needs: nothing the other cases rely on changes.
    request: () => ({ path: `/v1/operator/tenants/${TENANT}`, body: { accountQuota: 50 } }),
  },
  'DELETE /v1/accounts/{appid}': {
    who: 'admin',
    namesAccount: true,
    success: 204,
    destructive: true,
    request: (f) => ({ path: `/v1/accounts/${f.revokedAppid ?? f.appid}` }),
  },
};

const callers = [
  'no token',
  'bad signature',
  'expired',
  'service',
  'operator',
  'other tenant',
  'member without the department',
  'member with it',
  'admin',
] as const;
type CallerKind = (typeof callers)[number];

const described: Record<CallerKind, string> = {
  'no token': 'a request without a token',
  'bad signature': 'a token signed with another key',
  expired: 'an expired token',
  service: 'a service token (for the internal routes)',
  operator: 'an operator',
  'other tenant': 'an admin of another tenant',
  'member without the department': 'a member whose departments were not granted the account',
  'member with it': 'a member of the granted department',
  admin: 'an admin',
};

function expected(kind: CallerKind, rule: RouteRule): number {
  switch (kind) {
    case 'no token':
    case 'bad signature':
    case 'expired':
    case 'service':
      return 401;
    case 'operator':
      return rule.who === 'operator' ? rule.success : 403;
  }
  // Every tenant user (admin or member, of this tenant or another) from here on.
  if (rule.who === 'operator') return 403;
  switch (kind) {
    case 'other tenant':
      return rule.namesAccount ? 404 : rule.success;
    case 'member without the department':
      return rule.who === 'admin' || rule.namesAccount ? 403 : rule.success;
    case 'member with it':
      return rule.who === 'admin' ? 403 : rule.success;
    case 'admin':
      return rule.success;
  }
}

const catalogued = consoleRoutes().map(routeKey);
const ordered = catalogued.filter((key) => rules[key]).sort((a, b) => Number(rules[a]!.destructive ?? false) - Number(rules[b]!.destructive ?? false));

describe('the authorization matrix of the console routes', () => {
  let stack: LocalStack;
  let fixture: Fixture;
  const tokens = {} as Record<CallerKind, string | undefined>;

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, inMemory: true, log: () => undefined });
    const admin = await stack.consoleToken({ tenant: TENANT, admin: true, sub: 'matrix-admin' });
    fixture = { appid: await ownedAccount(stack, TENANT) };
    const grant = await call(stack, {
      method: 'PUT',
      path: `/v1/departments/${GRANTED_DEPARTMENT}/accounts`,
      token: admin,
      body: JSON.stringify({ appids: [fixture.appid] }),
    });
    if (grant.status !== 200) throw new Error(`granting the fixture account failed: ${grant.status} ${grant.text}`);
    if (catalogued.includes('DELETE /v1/accounts/{appid}')) fixture.revokedAppid = await revokedAccount(stack, admin);
    if (catalogued.includes('POST /v1/accounts/{appid}/fan-syncs')) {
      const sync = await call(stack, { method: 'POST', path: `/v1/accounts/${fixture.appid}/fan-syncs`, token: admin });
      if (sync.status !== 202) throw new Error(`starting a fan sync of the fixture failed: ${sync.status} ${sync.text}`);
      fixture.fanSyncJobId = sync.json.jobId;
    }

    fixture.followerOpenid = await keptFollower(stack, fixture.appid);

    tokens['no token'] = undefined;
    tokens['bad signature'] = await mintConsoleToken(new TextEncoder().encode(randomBytes(32).toString('hex')), { tenant: TENANT, admin: true });
    tokens.expired = await stack.consoleToken({ tenant: TENANT, admin: true, ttlSeconds: -120 });
    tokens.service = await stack.serviceToken('matrix-service');
    tokens.operator = await stack.operatorToken({ sub: 'matrix-operator' });
    tokens['other tenant'] = await stack.consoleToken({ tenant: OTHER_TENANT, admin: true, sub: 'intruder' });
    // `matrix-sales.east` is a child of the granted department: a parent's grant is not a child's.
    tokens['member without the department'] = await stack.consoleToken({
      tenant: TENANT,
      departments: ['matrix-ops', `${GRANTED_DEPARTMENT}.east`],
      sub: 'outsider',
    });
    tokens['member with it'] = await stack.consoleToken({ tenant: TENANT, departments: ['matrix-ops', GRANTED_DEPARTMENT], sub: 'insider' });
    tokens.admin = admin;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  /**
   * The internal follower feed (IAM in AWS, a service token locally): a service of the platform reads
   * any active account's followers; no console token, whatever its role, reaches it (403, as the IAM
   * authorizer refuses an unsigned call).
   */
  describe('GET /v1/internal/accounts/{appid}/fans', () => {
    const feed = (token: string | undefined) =>
      call(stack, { method: 'GET', path: `/v1/internal/accounts/${fixture.appid}/fans?changedSince=2000-01-01T00:00:00Z`, token });

    it('answers a service the followers in updatedAt order', async () => {
      // Act
      const answer = await feed(await stack.serviceToken('contacts'));

      // Assess
      expect(answer.status).toBe(200);
      expect(answer.json.fans.map((fan: { openid: string }) => fan.openid)).toContain(fixture.followerOpenid);
      const updated = (answer.json.fans as { updatedAt: string }[]).map((fan) => fan.updatedAt);
      expect(updated).toEqual([...updated].sort());
    });

    it.each(['no token', 'admin', 'member with it'] as const)('answers 403 to %s', async (kind) => {
      // Act
      const answer = await feed(tokens[kind]);

      // Assess
      expect(answer.status).toBe(403);
    });
  });

  it('has a rule for every console route of the catalogue', () => {
    // Assess
    expect(catalogued.filter((key) => !rules[key])).toEqual([]);
  });

  for (const key of ordered) {
    const rule = rules[key]!;
    const [method] = key.split(' ') as [string];
    describe(key, () => {
      for (const kind of callers) {
        it(`answers ${expected(kind, rule)} to ${described[kind]}`, async () => {
          // Prepare
          const { path, body } = rule.request(fixture);

          // Act
          const answer = await call(stack, { method, path, token: tokens[kind], ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

          // Assess
          expect({ status: answer.status, body: answer.status >= 400 ? answer.json?.error?.code : 'ok' }).toEqual({
            status: expected(kind, rule),
            body: expected(kind, rule) >= 400 ? codeOf(expected(kind, rule)) : 'ok',
          });
        });
      }
    });
  }
});

/** A follower of `appid` in the table, as the sync writes it; its openid. */
async function keptFollower(stack: LocalStack, appid: string): Promise<string> {
  const openid = 'oMatrixFollower00000000000a1';
  const client = createDocumentClient(stack.dynamoDbEndpoint);
  try {
    const at = new Date().toISOString();
    await client.send(
      new PutCommand({
        TableName: stack.tableName,
        Item: followerItem({ appid, openid, tenantId: TENANT, subscribed: true, subscribedAt: at, tagIds: [], updatedAt: at }),
      }),
    );
  } finally {
    client.destroy();
  }
  return openid;
}

const codeOf = (status: number): string =>
  ({ 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 410: 'share_code_invalid', 422: 'feature_disabled' })[status] ?? String(status);

/** A second account of the tenant whose authorization the admin revoked in WeChat, so that DELETE may unbind it. */
async function revokedAccount(stack: LocalStack, admin: string): Promise<string> {
  const appid = await ownedAccount(stack, TENANT, { status: 'revoked', revokedAt: new Date().toISOString() });
  const account = await call(stack, { method: 'GET', path: `/v1/accounts/${appid}`, token: admin });
  if (account.json?.status === 'revoked') return appid;
  await stack.simulator!.revoke(appid);
  await eventually(
    async () => (await call(stack, { method: 'GET', path: `/v1/accounts/${appid}`, token: admin })).json?.status === 'revoked',
    `${appid} to show revoked`,
  );
  return appid;
}
