import { describe, expect, it, vi } from 'vitest';
import type { AccountRecord } from '#shared/domain/accounts/model.ts';
import type { AuditEvent } from '#shared/domain/audit/audit-log.ts';
import { completeAuthorization, type CompleteAuthorizationDeps } from '#shared/domain/binding/complete-authorization.ts';
import type { AccountStore, AuthorizationState, BindingWrite, BindingWriteResult, BindingWeChat } from '#shared/domain/binding/ports.ts';
import { WeChatApiError } from '#shared/wechat/api-errors.ts';

const NOW = new Date('2026-03-01T08:00:00.000Z');
const APPID = 'wxd3e0000000000001';

const validState = (overrides: Partial<AuthorizationState> = {}): AuthorizationState => ({
  tenantId: 't-1',
  userId: 'alice',
  createdAt: '2026-03-01T07:50:00.000Z',
  expiresAt: '2026-03-01T08:20:00.000Z',
  ...overrides,
});

interface Setup {
  state?: AuthorizationState;
  account?: AccountRecord;
  funcIds?: number[];
  serviceTypeId?: number;
  tokens?: boolean;
  queryAuth?: BindingWeChat['queryAuth'];
  writes?: BindingWriteResult[];
}

function setup(options: Setup = {}) {
  const audit: { tenantId: string; event: AuditEvent }[] = [];
  const writes: BindingWrite[] = [];
  const results = [...(options.writes ?? ['written'])];
  let account = options.account;
  const accounts: AccountStore = {
    account: async () => account,
    link: async () => undefined,
    tenantSettings: async () => undefined,
    writeBinding: async (write) => {
      writes.push(write);
      const result = results.shift() ?? 'written';
      if (result === 'account_changed')
        account = { ...(account ?? ({} as AccountRecord)), appid: APPID, ownerTenantId: 't-fast', status: 'active' } as AccountRecord;
      return result;
    },
  };
  const queryAuth = vi.fn(
    options.queryAuth ??
      (async () => ({
        appid: APPID,
        funcIds: options.funcIds ?? [3, 1, 2, 2],
        ...(options.tokens === false ? {} : { accessToken: 'access-token', refreshToken: 'refreshtoken@@@secret', expiresIn: 7200 }),
      })),
  );
  const queueFullSync = vi.fn(async () => 'job-1');
  const deps: CompleteAuthorizationDeps = {
    states: { spend: async () => ('state' in options ? options.state : validState()) },
    wechat: {
      queryAuth,
      getAuthorizerInfo: async (appid) => ({
        appid,
        userName: 'gh_d3e000000001',
        nickname: 'Demo',
        serviceTypeId: options.serviceTypeId ?? 2,
        verifyTypeId: 0,
        openPay: true,
        funcIds: [],
      }),
    },
    accounts,
    fanSync: { queueFullSync },
    audit: { record: async (tenantId, event) => void audit.push({ tenantId, event }) },
    tenantSettings: {
      tenantSettings: async (tenantId) => ({
        tenantId,
        accountQuota: 5,
        ownedAccounts: 0,
        bindingPolicy: { requireServiceAccount: true, requireVerified: true, requiredFuncIds: [1, 2, 3], source: 'default' },
        features: { wecom: false },
      }),
    },
    defaultQuota: 5,
    now: () => NOW,
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    pause: async () => undefined,
  };
  return { deps, audit, writes, queryAuth, queueFullSync };
}

const request = { state: 'state-0000000000000000', authCode: 'queryauthcode@@@x' };

describe('completing an authorization', () => {
  it('binds the account with its sorted permissions and tokens expiring after expires_in', async () => {
    // Prepare
    const { deps, writes } = setup();

    // Act
    const outcome = await completeAuthorization(request, deps);

    // Assess
    expect(outcome).toMatchObject({ ok: true, binding: { kind: 'bound', appid: APPID, tenantId: 't-1' }, fanSyncJobId: 'job-1' });
    expect(writes[0]).toMatchObject({
      tenantId: 't-1',
      plan: { kind: 'new' },
      profile: { appid: APPID, funcIds: [1, 2, 3], openPay: true },
      tokens: { accessToken: 'access-token', refreshToken: 'refreshtoken@@@secret', expiresAt: '2026-03-01T10:00:00.000Z' },
    });
  });

  it.each([
    ['unknown or already spent', undefined],
    ['expired, though not yet deleted by TTL', validState({ expiresAt: '2026-03-01T07:59:59.999Z' })],
  ])('refuses a state that is %s without calling WeChat', async (_name, state) => {
    // Prepare
    const { deps, queryAuth, writes } = setup({ state });

    // Act
    const outcome = await completeAuthorization(request, deps);

    // Assess
    expect(outcome).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect([queryAuth.mock.calls.length, writes.length]).toEqual([0, 0]);
  });

  it('refuses a re-authorization link that came back with another account', async () => {
    // Prepare
    const { deps, writes } = setup({ state: validState({ appid: 'wxd3e0000000000009' }) });

    // Act
    const outcome = await completeAuthorization(request, deps);

    // Assess
    expect(outcome).toMatchObject({ ok: false, error: { code: 'validation_failed' }, appid: APPID });
    expect(writes).toEqual([]);
  });

  it('records a policy rejection with its code in the audit trail and writes nothing', async () => {
    // Prepare
    const { deps, audit, writes } = setup({ serviceTypeId: 0 });

    // Act
    const outcome = await completeAuthorization(request, deps);

    // Assess
    expect(outcome).toMatchObject({ ok: false, error: { code: 'not_service_account' } });
    expect(audit).toEqual([
      {
        tenantId: 't-1',
        event: expect.objectContaining({
          action: 'binding.rejected',
          actor: 'alice',
          appid: APPID,
          details: expect.objectContaining({ code: 'not_service_account' }),
        }),
      },
    ]);
    expect(writes).toEqual([]);
  });

  it('answers wechat_error when WeChat refuses the code', async () => {
    // Prepare
    const { deps, audit } = setup({
      queryAuth: async () => {
        throw new WeChatApiError('api_query_auth', 61010, 'code is expired rid: a-b');
      },
    });

    // Act
    const outcome = await completeAuthorization(request, deps);

    // Assess
    expect(outcome).toMatchObject({ ok: false, error: { code: 'wechat_error', details: { errcode: 61010 } } });
    expect(audit[0]?.event).toMatchObject({ action: 'binding.failed', details: { code: 'wechat_error', errcode: 61010 } });
  });

  it('refuses an account that granted no permission set with API access, since WeChat gave no tokens', async () => {
    // Prepare
    const { deps, writes } = setup({ tokens: false });

    // Act
    const outcome = await completeAuthorization(request, deps);

    // Assess
    expect(outcome).toMatchObject({ ok: false, error: { code: 'missing_permissions' } });
    expect(writes).toEqual([]);
  });

  it('reads the account again after a concurrent bind and then reports it bound elsewhere', async () => {
    // Prepare
    const { deps, writes } = setup({ writes: ['account_changed'] });

    // Act
    const outcome = await completeAuthorization(request, deps);

    // Assess
    expect(outcome).toMatchObject({ ok: false, error: { code: 'account_bound_elsewhere' } });
    expect(writes).toHaveLength(1);
  });

  it('tries again after contention and binds', async () => {
    // Prepare
    const { deps, writes } = setup({ writes: ['contended', 'contended', 'written'] });

    // Act
    const outcome = await completeAuthorization(request, deps);

    // Assess
    expect(outcome.ok).toBe(true);
    expect(writes).toHaveLength(3);
  });

  it('answers account_quota_exceeded when the tenant has no slot left', async () => {
    // Prepare
    const { deps } = setup({ writes: ['quota_exceeded'] });

    // Act
    const outcome = await completeAuthorization(request, deps);

    // Assess
    expect(outcome).toMatchObject({ ok: false, error: { code: 'account_quota_exceeded' } });
  });

  it('calls a binding by the owner a re-authorization', async () => {
    // Prepare
    const { deps, audit } = setup({
      account: {
        appid: APPID,
        userName: 'gh_d3e000000001',
        nickname: 'Demo',
        serviceTypeId: 2,
        verifyTypeId: 0,
        openPay: true,
        funcIds: [1, 2, 3],
        status: 'active',
        ownerTenantId: 't-1',
        authorizedAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-01T00:00:00.000Z',
      },
    });

    // Act
    const outcome = await completeAuthorization(request, deps);

    // Assess
    expect(outcome).toMatchObject({ ok: true, binding: { kind: 'reauthorized' } });
    expect(audit.map(({ event }) => event.action)).toEqual(['account.reauthorized']);
  });

  it('keeps the binding when the fan sync cannot be queued', async () => {
    // Prepare
    const { deps, queueFullSync } = setup();
    queueFullSync.mockRejectedValueOnce(new Error('Cannot send to the "fan-sync" queue: FAN_SYNC_QUEUE_URL is not set'));

    // Act
    const outcome = await completeAuthorization(request, deps);

    // Assess
    expect(outcome).toMatchObject({ ok: true, binding: { kind: 'bound' } });
  });

  it('keeps the binding when a reaction after it fails', async () => {
    // Prepare
    const { deps } = setup();
    deps.afterBind = async () => {
      throw new Error('open platform unavailable');
    };

    // Act
    const outcome = await completeAuthorization(request, deps);

    // Assess
    expect(outcome.ok).toBe(true);
  });

  it('never puts a token in the audit trail', async () => {
    // Prepare
    const { deps, audit } = setup();

    // Act
    await completeAuthorization(request, deps);

    // Assess
    expect(JSON.stringify(audit)).not.toMatch(/access-token|refreshtoken@@@/);
  });
});
