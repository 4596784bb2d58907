/**
 * Defect A of issue 17: a refresh whose first attempt timed out (or met a 5xx) may still be carried
 * out by WeChat after the retry answered, and the token it issues retires the one the hub stored.
 * Such a token is trusted only until its `verifyAfter` horizon; then the next caller mints again.
 */
import { describe, expect, it } from 'vitest';
import type { AuthorizerTokenResult } from '#shared/wechat/api-types.ts';
import { AuthorizerTokenService } from '#shared/domain/tokens/authorizer-token.ts';
import type { AuthorizerTokenState, AuthorizerTokenStore, DueToken, Lease } from '#shared/domain/tokens/ports.ts';
import { runScheduledRefresh } from '#shared/domain/tokens/scheduled-refresh.ts';

const APPID = 'wx0000000000000001';
const HORIZON_MS = 20_000;
const START = Date.parse('2030-01-01T00:00:00.000Z');

/** One account in memory, a manual clock, and a WeChat that answers `answers` in turn. */
function world(answers: AuthorizerTokenResult[]) {
  let now = START;
  let state: AuthorizerTokenState = {
    status: 'active',
    accessToken: 'expired-token',
    expiresAt: new Date(START - 1_000).toISOString(),
    refreshToken: 'refresh-token',
  };
  let holder: string | undefined;
  const store: AuthorizerTokenStore = {
    read: async () => ({ ...state }),
    save: async (_appid, tokens) => {
      const { verifyAfter, ...rest } = tokens;
      state = { status: 'active', ...rest, ...(verifyAfter ? { verifyAfter } : {}) };
      return true;
    },
    expire: async () => true,
    leaseKey: () => ({ pk: `ACCOUNT#${APPID}`, sk: 'TOKEN' }),
  };
  const lease: Lease = {
    tryAcquire: async (_key, owner) => (holder === undefined || holder === owner ? ((holder = owner), true) : false),
    release: async (_key, owner) => {
      if (holder === owner) holder = undefined;
    },
  };
  const calls: string[] = [];
  const service = new AuthorizerTokenService({
    store,
    lease,
    statusChanges: { markRevoked: async () => undefined, markReauthorizationRequired: async () => undefined },
    api: {
      authorizerToken: async () => {
        const answer = answers[calls.length]!;
        calls.push(answer.authorizerAccessToken);
        return answer;
      },
      getAuthorizerList: async () => ({ totalCount: 0, list: [] }),
    },
    component: { current: async () => 'component-token', expire: async () => undefined },
    componentAppId: async () => 'wx-component',
    clock: { now: () => now },
    sleep: async () => undefined,
    options: { verifyAfterMs: HORIZON_MS },
  });
  return { service, calls, stored: () => state, advance: (ms: number) => (now += ms) };
}

const minted = (token: string, extra: Partial<AuthorizerTokenResult> = {}): AuthorizerTokenResult => ({
  authorizerAccessToken: token,
  expiresIn: 7200,
  ...extra,
});

describe('a token minted after an attempt that may have reached WeChat', () => {
  it('is minted again by the first caller after its horizon, so the hub ends up with the newest token', async () => {
    // Prepare
    const { service, calls, advance } = world([minted('after-a-timeout', { mayBeSuperseded: true }), minted('verified')]);
    await service.current(APPID);
    advance(HORIZON_MS);

    // Act
    const token = await service.current(APPID);

    // Assess
    expect([token, calls]).toEqual(['verified', ['after-a-timeout', 'verified']]);
  });

  it('is handed out without a WeChat call until its horizon', async () => {
    // Prepare
    const { service, calls, advance } = world([minted('after-a-timeout', { mayBeSuperseded: true })]);
    await service.current(APPID);
    advance(HORIZON_MS - 1);

    // Act
    const token = await service.current(APPID);

    // Assess
    expect([token, calls.length]).toEqual(['after-a-timeout', 1]);
  });

  it('is trusted for its whole lifetime once a mint answered at the first attempt', async () => {
    // Prepare
    const { service, calls, stored, advance } = world([minted('after-a-timeout', { mayBeSuperseded: true }), minted('verified')]);
    await service.current(APPID);
    advance(HORIZON_MS);
    await service.current(APPID);
    advance(60 * 60_000);

    // Act
    const token = await service.current(APPID);

    // Assess
    expect([token, calls.length, stored().verifyAfter]).toEqual(['verified', 2, undefined]);
  });

  it('is due for the scheduled refresh once its horizon has passed', async () => {
    // Prepare
    const { service, advance } = world([minted('after-a-timeout', { mayBeSuperseded: true }), minted('verified')]);
    await service.current(APPID);
    advance(HORIZON_MS);

    // Act
    const outcome = await service.refreshIfDue(APPID);

    // Assess
    expect(outcome).toBe('refreshed');
  });
});

describe('a scheduled run listing a token that awaits its verification', () => {
  it('leaves it for the next run while the horizon has not passed', async () => {
    // Prepare
    const now = START;
    const listed: DueToken = {
      appid: APPID,
      dueKey: `${new Date(now + HORIZON_MS).toISOString()}#${APPID}`,
      accessToken: 'after-a-timeout',
      expiresAt: new Date(now + 7200_000).toISOString(),
      refreshToken: 'refresh-token',
      verifyAfter: new Date(now + HORIZON_MS).toISOString(),
    };
    const claimed: string[] = [];
    const index = {
      shards: ['DUE#0'],
      page: async () => ({ tokens: [listed] }),
      claim: async (token: DueToken) => (claimed.push(token.appid), 'claimed' as const),
    };
    const component = { ensureTicketFresh: async () => ({ ageSeconds: 60, pushRestarted: false }), current: async () => 'component-token' };

    // Act
    const summary = await runScheduledRefresh({
      component,
      index,
      tokens: { refreshClaimed: async () => undefined },
      remainingMs: () => 100_000,
      clock: { now: () => now },
    });

    // Assess
    expect([claimed, summary.awaitingVerification, summary.refreshed]).toEqual([[], 1, 0]);
  });
});
