import { describe, expect, it } from 'vitest';
import type { AccountRecord, TenantLink } from '#shared/domain/accounts/model.ts';
import { openPreAuthCode } from '#shared/domain/binding/authorization-page.ts';
import { createAuthorizationLink, randomState, type CreateAuthorizationDeps } from '#shared/domain/binding/create-authorization.ts';
import type { AuthorizationState } from '#shared/domain/binding/ports.ts';
import { WeChatNotReady } from '#shared/errors/domain-errors.ts';
import { WeChatApiError } from '#shared/wechat/api-errors.ts';

const NOW = new Date('2026-03-01T08:00:00.000Z');

function setup(options: { accounts?: AccountRecord[]; links?: TenantLink[]; preAuthExpiresIn?: number; preAuthError?: unknown } = {}) {
  const saved: { state: string; record: AuthorizationState }[] = [];
  let codes = 0;
  const deps: CreateAuthorizationDeps = {
    wechat: {
      componentAppId: async () => 'wxc0ffee0000000001',
      createPreAuthCode: async () => {
        if (options.preAuthError) throw options.preAuthError;
        codes += 1;
        return { preAuthCode: `preauthcode@@@${codes}`, expiresIn: options.preAuthExpiresIn ?? 1800 };
      },
    },
    states: { save: async (state, record) => void saved.push({ state, record }) },
    accounts: {
      account: async (appid) => options.accounts?.find((account) => account.appid === appid),
      link: async (tenantId, appid) => options.links?.find((link) => link.tenantId === tenantId && link.appid === appid),
    },
    publicBaseUrl: 'https://hub.example.com',
    now: () => NOW,
  };
  return { deps, saved };
}

const owned = (appid: string, ownerTenantId: string, status: AccountRecord['status'] = 'active'): AccountRecord => ({
  appid,
  userName: 'gh_000000000001',
  nickname: 'n',
  serviceTypeId: 2,
  verifyTypeId: 0,
  openPay: false,
  funcIds: [1, 2, 3],
  status,
  ownerTenantId,
  authorizedAt: NOW.toISOString(),
  updatedAt: NOW.toISOString(),
});

const stateIn = (authorizeUrl: string) => new URL(authorizeUrl).searchParams.get('state')!;

describe('creating an authorization link', () => {
  it('stores the state the link carries, bound to the tenant and the user', async () => {
    // Prepare
    const { deps, saved } = setup();

    // Act
    const link = await createAuthorizationLink({ tenantId: 't-1', userId: 'alice' }, deps);

    // Assess
    expect(saved).toEqual([
      {
        state: stateIn(link.authorizeUrl),
        record: {
          tenantId: 't-1',
          userId: 'alice',
          createdAt: NOW.toISOString(),
          expiresAt: '2026-03-01T08:30:00.000Z',
          page: { componentAppId: 'wxc0ffee0000000001', sealedPreAuthCode: expect.any(String), preAuthCodeExpiresAt: '2026-03-01T08:30:00.000Z' },
        },
      },
    ]);
  });

  it('points both links at the hub’s own authorization page, which WeChat sees as the Referer', async () => {
    // Prepare
    const { deps } = setup();

    // Act
    const link = await createAuthorizationLink({ tenantId: 't-1', userId: 'alice' }, deps);

    // Assess
    const pc = new URL(link.authorizeUrl);
    const mobile = new URL(link.mobileAuthorizeUrl);
    expect(`${pc.origin}${pc.pathname}`).toBe('https://hub.example.com/v1/wechat/authorize');
    expect([...pc.searchParams.keys()]).toEqual(['state']);
    expect(`${mobile.origin}${mobile.pathname}`).toBe('https://hub.example.com/v1/wechat/authorize');
    expect(Object.fromEntries(mobile.searchParams)).toEqual({ state: stateIn(link.authorizeUrl), device: 'mobile' });
  });

  it('hands out no pre-auth code and stores it only sealed with the state', async () => {
    // Prepare
    const { deps, saved } = setup();

    // Act
    const link = await createAuthorizationLink({ tenantId: 't-1', userId: 'alice' }, deps);

    // Assess
    const sealed = saved[0]!.record.page!.sealedPreAuthCode;
    expect(JSON.stringify(link)).not.toContain('preauthcode@@@');
    expect(sealed).not.toContain('preauthcode');
    expect(openPreAuthCode(stateIn(link.authorizeUrl), sealed)).toBe('preauthcode@@@1');
  });

  it('uses a fresh pre-auth code and a fresh state for every link', async () => {
    // Prepare
    const { deps, saved } = setup();

    // Act
    const first = await createAuthorizationLink({ tenantId: 't-1', userId: 'alice' }, deps);
    const second = await createAuthorizationLink({ tenantId: 't-1', userId: 'alice' }, deps);

    // Assess
    const codes = saved.map(({ state, record }) => openPreAuthCode(state, record.page!.sealedPreAuthCode));
    expect(codes[0]).not.toBe(codes[1]);
    expect(stateIn(first.authorizeUrl)).not.toBe(stateIn(second.authorizeUrl));
  });

  it('makes states of 128 random bits in base64url', () => {
    // Prepare
    const states = Array.from({ length: 100 }, randomState);

    // Act
    const decoded = states.map((state) => Buffer.from(state, 'base64url'));

    // Assess
    expect(states.every((state) => /^[A-Za-z0-9_-]{22}$/.test(state))).toBe(true);
    expect(decoded.every((bytes) => bytes.length === 16)).toBe(true);
    expect(new Set(states).size).toBe(100);
  });

  it('expires with the pre-auth code when it runs out before the state', async () => {
    // Prepare
    const { deps } = setup({ preAuthExpiresIn: 600 });

    // Act
    const link = await createAuthorizationLink({ tenantId: 't-1', userId: 'alice' }, deps);

    // Assess
    expect(link.expiresAt).toBe('2026-03-01T08:10:00.000Z');
  });

  it('expires with the state when the pre-auth code outlives it', async () => {
    // Prepare
    const { deps } = setup({ preAuthExpiresIn: 3600 });

    // Act
    const link = await createAuthorizationLink({ tenantId: 't-1', userId: 'alice' }, deps);

    // Assess
    expect(link.expiresAt).toBe('2026-03-01T08:30:00.000Z');
  });

  it('remembers the account a re-authorization link is for with the state', async () => {
    // Prepare
    const { deps, saved } = setup({ accounts: [owned('wxd3e0000000000001', 't-1')] });

    // Act
    const link = await createAuthorizationLink({ tenantId: 't-1', userId: 'alice', appid: 'wxd3e0000000000001' }, deps);

    // Assess
    expect(stateIn(link.mobileAuthorizeUrl)).toBe(saved[0]?.state);
    expect(saved[0]?.record.appid).toBe('wxd3e0000000000001');
  });

  it.each([
    ['another tenant owns', [owned('wxd3e0000000000001', 't-2')]],
    ['the tenant unbound', [owned('wxd3e0000000000001', 't-1', 'unbound')]],
    ['nobody bound', []],
  ])('answers not_found to re-authorizing an account %s, and stores no state', async (_name, accounts) => {
    // Prepare
    const { deps, saved } = setup({ accounts });

    // Act
    const attempt = createAuthorizationLink({ tenantId: 't-1', userId: 'alice', appid: 'wxd3e0000000000001' }, deps);

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'not_found' });
    expect(saved).toEqual([]);
  });

  it('answers forbidden to re-authorizing an account shared with the tenant, and stores no state', async () => {
    // Prepare
    const { deps, saved } = setup({
      accounts: [owned('wxd3e0000000000001', 't-2')],
      links: [{ tenantId: 't-1', appid: 'wxd3e0000000000001', role: 'shared', linkedAt: NOW.toISOString(), plaintextAuthorization: false }],
    });

    // Act
    const attempt = createAuthorizationLink({ tenantId: 't-1', userId: 'alice', appid: 'wxd3e0000000000001' }, deps);

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'forbidden' });
    expect(saved).toEqual([]);
  });

  it('passes wechat_not_ready through when no ticket has arrived yet', async () => {
    // Prepare
    const { deps } = setup({ preAuthError: new WeChatNotReady() });

    // Act
    const attempt = createAuthorizationLink({ tenantId: 't-1', userId: 'alice' }, deps);

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'wechat_not_ready' });
  });

  it('turns WeChat’s refusal into wechat_error with its errcode', async () => {
    // Prepare
    const { deps } = setup({ preAuthError: new WeChatApiError('api_create_preauthcode', 61004, 'access clientip is not registered rid: 1-2-3') });

    // Act
    const attempt = createAuthorizationLink({ tenantId: 't-1', userId: 'alice' }, deps);

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'wechat_error', details: { errcode: 61004, rid: '1-2-3' } });
  });
});
