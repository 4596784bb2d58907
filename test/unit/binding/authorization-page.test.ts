import { describe, expect, it } from 'vitest';
import { authorizationPage, openPreAuthCode, sealPreAuthCode, type AuthorizationPageDeps } from '#shared/domain/binding/authorization-page.ts';
import type { AuthorizationState } from '#shared/domain/binding/ports.ts';

const NOW = new Date('2026-03-01T08:00:00.000Z');
const STATE = 'AAAAAAAAAAAAAAAAAAAAAA';

function stored(overrides: Partial<AuthorizationState> = {}, page: Partial<NonNullable<AuthorizationState['page']>> = {}): AuthorizationState {
  return {
    tenantId: 't-1',
    userId: 'alice',
    createdAt: NOW.toISOString(),
    expiresAt: '2026-03-01T08:30:00.000Z',
    page: {
      componentAppId: 'wxc0ffee0000000001',
      sealedPreAuthCode: sealPreAuthCode(STATE, 'preauthcode@@@abc'),
      preAuthCodeExpiresAt: '2026-03-01T08:10:00.000Z',
      ...page,
    },
    ...overrides,
  };
}

function setup(states: Record<string, AuthorizationState> = {}, now = NOW) {
  const reads: string[] = [];
  const deps: AuthorizationPageDeps = {
    states: {
      find: async (state) => {
        reads.push(state);
        return states[state];
      },
    },
    publicBaseUrl: 'https://hub.example.com',
    mpBase: 'https://mp.weixin.qq.com',
    now: () => now,
  };
  return { deps, reads };
}

const forwardedTo = (outcome: Awaited<ReturnType<typeof authorizationPage>>): URL => {
  if (outcome.kind !== 'forward') throw new Error(`expected a forward, got ${JSON.stringify(outcome)}`);
  return new URL(outcome.wechatUrl);
};

describe('the hub’s authorization page', () => {
  it('forwards to WeChat’s PC consent page rebuilt from the stored link', async () => {
    // Prepare
    const { deps } = setup({ [STATE]: stored() });

    // Act
    const url = forwardedTo(await authorizationPage({ state: STATE, device: 'pc' }, deps));

    // Assess
    expect(`${url.origin}${url.pathname}`).toBe('https://mp.weixin.qq.com/cgi-bin/componentloginpage');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      component_appid: 'wxc0ffee0000000001',
      pre_auth_code: 'preauthcode@@@abc',
      redirect_uri: `https://hub.example.com/v1/wechat/authorized?state=${STATE}`,
      auth_type: '1',
    });
  });

  it('forwards a mobile link to bindcomponent, restricted to the account a re-authorization is for', async () => {
    // Prepare
    const { deps } = setup({ [STATE]: stored({ appid: 'wxd3e0000000000001' }) });

    // Act
    const url = forwardedTo(await authorizationPage({ state: STATE, device: 'mobile' }, deps));

    // Assess
    expect(`${url.origin}${url.pathname}${url.hash}`).toBe('https://mp.weixin.qq.com/safe/bindcomponent#wechat_redirect');
    expect(url.searchParams.get('biz_appid')).toBe('wxd3e0000000000001');
    expect(url.searchParams.has('auth_type')).toBe(false);
  });

  it('answers gone (unknown) for a state that was never issued or was spent by the callback', async () => {
    // Prepare
    const { deps } = setup({});

    // Act
    const outcome = await authorizationPage({ state: STATE, device: 'pc' }, deps);

    // Assess
    expect(outcome).toEqual({ kind: 'gone', reason: 'unknown' });
  });

  it('answers gone (expired) once the state has expired, though TTL has not deleted it yet', async () => {
    // Prepare
    const { deps } = setup({ [STATE]: stored({ expiresAt: '2026-03-01T07:59:59.000Z' }, { preAuthCodeExpiresAt: '2026-03-01T09:00:00.000Z' }) });

    // Act
    const outcome = await authorizationPage({ state: STATE, device: 'pc' }, deps);

    // Assess
    expect(outcome).toEqual({ kind: 'gone', reason: 'expired' });
  });

  it('answers gone (expired) once WeChat no longer accepts the pre-auth code', async () => {
    // Prepare
    const { deps } = setup({ [STATE]: stored() }, new Date('2026-03-01T08:10:00.000Z'));

    // Act
    const outcome = await authorizationPage({ state: STATE, device: 'pc' }, deps);

    // Assess
    expect(outcome).toEqual({ kind: 'gone', reason: 'expired' });
  });

  it('answers gone (unreadable) for a state stored before the page existed', async () => {
    // Prepare
    const { page: _none, ...withoutPage } = stored();
    const { deps } = setup({ [STATE]: withoutPage });

    // Act
    const outcome = await authorizationPage({ state: STATE, device: 'pc' }, deps);

    // Assess
    expect(outcome).toEqual({ kind: 'gone', reason: 'unreadable' });
  });

  it('answers gone (unreadable) when the code was sealed with another state', async () => {
    // Prepare
    const { deps } = setup({ [STATE]: stored({}, { sealedPreAuthCode: sealPreAuthCode('BBBBBBBBBBBBBBBBBBBBBB', 'preauthcode@@@abc') }) });

    // Act
    const outcome = await authorizationPage({ state: STATE, device: 'pc' }, deps);

    // Assess
    expect(outcome).toEqual({ kind: 'gone', reason: 'unreadable' });
  });
});

describe('sealing the pre-auth code with the state', () => {
  it('opens with the state it was sealed with', () => {
    // Act
    const sealed = sealPreAuthCode(STATE, 'preauthcode@@@xyz');

    // Assess
    expect(openPreAuthCode(STATE, sealed)).toBe('preauthcode@@@xyz');
  });

  it('does not hold the code in the clear and differs every time', () => {
    // Act
    const first = sealPreAuthCode(STATE, 'preauthcode@@@xyz');
    const second = sealPreAuthCode(STATE, 'preauthcode@@@xyz');

    // Assess
    expect(first).not.toContain('preauthcode');
    expect(Buffer.from(first.split('.')[1]!, 'base64url').toString('utf8')).not.toContain('preauthcode');
    expect(first).not.toBe(second);
  });

  it.each([
    ['a tampered ciphertext', (sealed: string) => sealed.replace(/\.(.)/, (_, c: string) => `.${c === 'A' ? 'B' : 'A'}`)],
    ['a truncated text', (sealed: string) => sealed.split('.').slice(0, 2).join('.')],
    ['garbage', () => 'not-sealed-at-all'],
  ])('refuses %s', (_name, damage) => {
    // Prepare
    const sealed = damage(sealPreAuthCode(STATE, 'preauthcode@@@xyz'));

    // Act
    const opened = openPreAuthCode(STATE, sealed);

    // Assess
    expect(opened).toBeUndefined();
  });
});
