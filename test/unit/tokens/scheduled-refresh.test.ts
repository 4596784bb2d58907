import { describe, expect, it } from 'vitest';
import { DomainError } from '#shared/errors/domain-errors.ts';
import { WeChatApiError } from '#shared/wechat/api-errors.ts';
import type { ClaimOutcome, DueIndex, DueToken } from '#shared/domain/tokens/ports.ts';
import { runScheduledRefresh } from '#shared/domain/tokens/scheduled-refresh.ts';

/** An in-memory due index: `pages[shard]` is the shard's pages in order. */
function fakeIndex(pages: Record<string, DueToken[][]>, claim: (token: DueToken) => ClaimOutcome = () => 'claimed') {
  const read: string[] = [];
  const index: DueIndex = {
    shards: Object.keys(pages),
    async page(shard, _dueBy, cursor) {
      const n = (cursor as number | undefined) ?? 0;
      read.push(`${shard}:${n}`);
      const shardPages = pages[shard]!;
      return { tokens: shardPages[n] ?? [], ...(n + 1 < shardPages.length ? { cursor: n + 1 } : {}) };
    },
    claim: async (token) => claim(token),
  };
  return { index, read };
}

const token = (appid: string): DueToken => ({ appid, dueKey: `2020-01-01T00:00:00.000Z#${appid}`, refreshToken: `r-${appid}` });
const healthyComponent = { ensureTicketFresh: async () => ({ ageSeconds: 60, pushRestarted: false }), current: async () => 'component-token' };

describe('a scheduled refresh run', () => {
  it('reads the shards a page at a time in turns', async () => {
    // Prepare
    const { index, read } = fakeIndex({ 'DUE#0': [[token('a')], [token('b')]], 'DUE#1': [[token('c')], [token('d')]] });

    // Act
    await runScheduledRefresh({ component: healthyComponent, index, tokens: { refreshClaimed: async () => undefined }, remainingMs: () => 100_000 });

    // Assess
    expect(read).toEqual(['DUE#0:0', 'DUE#1:0', 'DUE#0:1', 'DUE#1:1']);
  });

  it('never has more refreshes in flight than its concurrency', async () => {
    // Prepare
    const { index } = fakeIndex({ 'DUE#0': [Array.from({ length: 40 }, (_, i) => token(`a${i}`))] });
    let inFlight = 0;
    let most = 0;
    const tokens = {
      refreshClaimed: async () => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight -= 1;
      },
    };

    // Act
    const summary = await runScheduledRefresh({ component: healthyComponent, index, tokens, remainingMs: () => 100_000, options: { concurrency: 4 } });

    // Assess
    expect(summary.refreshed).toBe(40);
    expect(most).toBe(4);
  });

  it('starts no refresh once the remaining time falls to the stop margin, and says the run is incomplete', async () => {
    // Prepare
    const { index } = fakeIndex({ 'DUE#0': [[token('a'), token('b'), token('c')]] });
    let remaining = 30_000;
    const refreshed: string[] = [];
    const tokens = {
      refreshClaimed: async (appid: string) => {
        refreshed.push(appid);
        remaining -= 10_000;
      },
    };

    // Act
    const summary = await runScheduledRefresh({
      component: healthyComponent,
      index,
      tokens,
      remainingMs: () => remaining,
      options: { concurrency: 1, stopBeforeEndMs: 15_000 },
    });

    // Assess
    expect(refreshed).toEqual(['a', 'b']);
    expect(summary.complete).toBe(false);
  });

  it('does not call WeChat for a token it could not claim', async () => {
    // Prepare
    const { index } = fakeIndex({ 'DUE#0': [[token('busy'), token('changed'), token('free')]] }, (t) =>
      t.appid === 'free' ? 'claimed' : (t.appid as ClaimOutcome),
    );
    const refreshed: string[] = [];

    // Act
    const summary = await runScheduledRefresh({
      component: healthyComponent,
      index,
      tokens: { refreshClaimed: async (appid) => void refreshed.push(appid) },
      remainingMs: () => 100_000,
    });

    // Assess
    expect(refreshed).toEqual(['free']);
    expect(summary).toMatchObject({ due: 3, skipped: 2, refreshed: 1 });
  });

  it('sorts failed refreshes by errcode, re-authorization and revocation', async () => {
    // Prepare
    const { index } = fakeIndex({ 'DUE#0': [[token('quota'), token('quota2'), token('reauth'), token('gone'), token('odd')]] });
    const failure: Record<string, Error> = {
      quota: new WeChatApiError('api_authorizer_token', 45009, 'quota'),
      quota2: new WeChatApiError('api_authorizer_token', 45009, 'quota'),
      reauth: new DomainError('account_not_active', 'x', { details: { status: 'reauthorization_required' } }),
      gone: new DomainError('account_not_active', 'x', { details: { status: 'revoked' } }),
      odd: new Error('boom'),
    };

    // Act
    const summary = await runScheduledRefresh({
      component: healthyComponent,
      index,
      tokens: {
        refreshClaimed: async (appid) => {
          throw failure[appid];
        },
      },
      remainingMs: () => 100_000,
    });

    // Assess
    expect(summary).toMatchObject({ failures: { '45009': 2, other: 1 }, reauthorizationRequired: 1, revoked: 1, refreshed: 0 });
  });

  it('goes on with the stored ticket when the ticket check fails', async () => {
    // Prepare
    const { index } = fakeIndex({ 'DUE#0': [[token('a')]] });
    const component = { ensureTicketFresh: async () => Promise.reject(new Error('table unavailable')), current: async () => 'component-token' };

    // Act
    const summary = await runScheduledRefresh({ component, index, tokens: { refreshClaimed: async () => undefined }, remainingMs: () => 100_000 });

    // Assess
    expect(summary).toMatchObject({ refreshed: 1, ticketError: 'Error: table unavailable' });
  });

  it('reports the ticket age and a restarted push', async () => {
    // Prepare
    const { index } = fakeIndex({ 'DUE#0': [[]] });
    const component = { ensureTicketFresh: async () => ({ ageSeconds: 2400, pushRestarted: true }), current: async () => 'component-token' };

    // Act
    const summary = await runScheduledRefresh({ component, index, tokens: { refreshClaimed: async () => undefined }, remainingMs: () => 100_000 });

    // Assess
    expect(summary).toMatchObject({ ticketAgeSeconds: 2400, pushTicketRestarted: true });
  });
});
