import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DynamoAuthorizerTokenStore } from '#shared/adapters/dynamodb/authorizer-token-store.ts';
import { DynamoLease } from '#shared/adapters/dynamodb/lease.ts';
import { accountItem, bindAccount, callsTo, startLifecycleWorld, tokenItem, type LifecycleWorld } from '#test/integration/support/world.ts';
import type { DueIndex } from '#shared/domain/tokens/ports.ts';
import { dueIndex, scheduledRun, setExpiry, tokenService } from '#test/integration/tokens/support.ts';

describe('the scheduled token refresh, on the embedded engine against the WeChat simulator', () => {
  let world: LifecycleWorld;

  beforeEach(async () => {
    world = await startLifecycleWorld('scheduled-refresh');
  });

  afterEach(async () => {
    await world?.close();
  });

  it('renews every token due before the next run with one api_authorizer_token each', async () => {
    // Prepare
    const due = [await bindAccount(world, { expired: true }), await bindAccount(world, { expired: true })];
    const soon = await bindAccount(world);
    await setExpiry(world, soon.appid, soon, new Date(Date.now() + 22 * 60_000).toISOString());
    world.simulator.resetCalls();

    // Act
    const summary = await scheduledRun(world);

    // Assess
    expect(summary).toMatchObject({ due: 3, refreshed: 3, skipped: 0, failures: {}, complete: true });
    expect(callsTo(world, 'api_authorizer_token')).toBe(3);
    for (const account of [...due, soon]) {
      const stored = await tokenItem(world, account.appid);
      expect(stored?.accessToken).not.toBe(account.accessToken);
      expect(Date.parse(String(stored?.expiresAt))).toBeGreaterThan(Date.now() + 60 * 60_000);
    }
  });

  it('leaves a token that is not due before the next run alone', async () => {
    // Prepare
    const fresh = await bindAccount(world);
    world.simulator.resetCalls();

    // Act
    const summary = await scheduledRun(world);

    // Assess
    expect(summary.due).toBe(0);
    expect(callsTo(world, 'api_authorizer_token')).toBe(0);
    expect((await tokenItem(world, fresh.appid))?.accessToken).toBe(fresh.accessToken);
  });

  it('gives the lease up in the write that stores the token', async () => {
    // Prepare
    const account = await bindAccount(world, { expired: true });

    // Act
    await scheduledRun(world);

    // Assess
    const stored = await tokenItem(world, account.appid);
    expect([stored?.leaseOwner, stored?.leaseUntil]).toEqual([undefined, undefined]);
  });

  it('causes one api_authorizer_token call when an on-demand refresh races the scheduled run', async () => {
    // Prepare
    const account = await bindAccount(world, { expired: true });
    world.simulator.setLatency(50);
    world.simulator.resetCalls();
    // The race is between the run's claim and the on-demand caller's lease, once the run has listed
    // the token: an on-demand refresh that ends before the run reads the index leaves nothing due.
    const index = dueIndex(world);
    let listed!: () => void;
    const tokenListed = new Promise<void>((resolve) => (listed = resolve));
    const listing: DueIndex = {
      shards: index.shards,
      claim: (token, owner, ttlMs) => index.claim(token, owner, ttlMs),
      page: async (shard, dueBy, cursor) => {
        const page = await index.page(shard, dueBy, cursor);
        if (page.tokens.some((token) => token.appid === account.appid)) listed();
        return page;
      },
    };

    // Act
    const [summary, token] = await Promise.all([scheduledRun(world, { index: listing }), tokenListed.then(() => tokenService(world).current(account.appid))]);

    // Assess
    expect(callsTo(world, 'api_authorizer_token')).toBe(1);
    expect(summary).toMatchObject({ due: 1, failures: {} });
    expect(summary.refreshed + summary.skipped).toBe(1);
    expect((await tokenItem(world, account.appid))?.accessToken).toBe(token);
  });

  it('skips a due token while an on-demand caller holds its lease', async () => {
    // Prepare
    const account = await bindAccount(world, { expired: true });
    const store = new DynamoAuthorizerTokenStore(world.table.client, world.table.name);
    await new DynamoLease(world.table.client, world.table.name).tryAcquire(store.leaseKey(account.appid), 'on-demand', 30_000);
    world.simulator.resetCalls();

    // Act
    const summary = await scheduledRun(world);

    // Assess
    expect(summary).toMatchObject({ due: 1, refreshed: 0, skipped: 1 });
    expect(callsTo(world, 'api_authorizer_token')).toBe(0);
  });

  it('does not claim a token that was refreshed after the index listed it', async () => {
    // Prepare
    const account = await bindAccount(world, { expired: true });
    const index = dueIndex(world);
    const [listed] = (await index.page(`${(await tokenItem(world, account.appid))?.gsi2pk}`, new Date().toISOString())).tokens;
    await tokenService(world).current(account.appid);

    // Act
    const outcome = await index.claim(listed!, 'scheduled', 30_000);

    // Assess
    expect(outcome).toBe('changed');
  });

  it('answers busy, not changed, when it claims a listed token another caller holds the lease of', async () => {
    // Prepare
    const account = await bindAccount(world, { expired: true });
    const index = dueIndex(world);
    const [listed] = (await index.page(`${(await tokenItem(world, account.appid))?.gsi2pk}`, new Date().toISOString())).tokens;
    const store = new DynamoAuthorizerTokenStore(world.table.client, world.table.name);
    await new DynamoLease(world.table.client, world.table.name).tryAcquire(store.leaseKey(account.appid), 'on-demand', 30_000);

    // Act
    const outcome = await index.claim(listed!, 'scheduled', 30_000);

    // Assess
    expect(outcome).toBe('busy');
  });

  it('starts no refresh once the time budget is spent, and the next run picks the tokens up', async () => {
    // Prepare
    const account = await bindAccount(world, { expired: true });
    world.simulator.resetCalls();

    // Act
    const cutShort = await scheduledRun(world, { remainingMs: () => 10_000 });
    const next = await scheduledRun(world);

    // Assess
    expect(cutShort).toMatchObject({ refreshed: 0, complete: false });
    expect(next).toMatchObject({ refreshed: 1, complete: true });
    expect(callsTo(world, 'api_authorizer_token')).toBe(1);
    expect((await tokenItem(world, account.appid))?.accessToken).not.toBe(account.accessToken);
  });

  it('counts an account WeChat says is no longer authorized as revoked', async () => {
    // Prepare
    const account = await bindAccount(world, { expired: true });
    await world.simulator.revoke(account.appid);

    // Act
    const summary = await scheduledRun(world);

    // Assess
    expect(summary.revoked).toBe(1);
    expect((await accountItem(world, account.appid))?.status).toBe('revoked');
  });

  it('counts failures by errcode and leaves the token claimable for the next run', async () => {
    // Prepare
    const account = await bindAccount(world, { expired: true });
    world.simulator.injectFault({ path: '/cgi-bin/component/api_authorizer_token', errcode: 45009, times: 1 });

    // Act
    const failed = await scheduledRun(world);
    const next = await scheduledRun(world);

    // Assess
    expect(failed.failures).toEqual({ '45009': 1 });
    expect(next.refreshed).toBe(1);
    expect((await tokenItem(world, account.appid))?.accessToken).not.toBe(account.accessToken);
  });

  it('refreshes nothing when the component token cannot be had, and says why', async () => {
    // Prepare
    await bindAccount(world, { expired: true });
    world.simulator.expireComponentToken();
    world.simulator.injectFault({ path: '/cgi-bin/component/api_component_token', errcode: 61005 });
    await world.component.expire(await world.component.current());
    world.simulator.resetCalls();

    // Act
    const summary = await scheduledRun(world);

    // Assess
    expect(summary).toMatchObject({ componentToken: 'failed', refreshed: 0, complete: false });
    expect(callsTo(world, 'api_authorizer_token')).toBe(0);
  });
});
