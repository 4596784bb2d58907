import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoAuditLog } from '#shared/adapters/dynamodb/audit-log.ts';
import { DynamoAccountStatusMarks, DynamoAuthorizerTokenStore } from '#shared/adapters/dynamodb/authorizer-token-store.ts';
import { DynamoLease } from '#shared/adapters/dynamodb/lease.ts';
import { auditedStatusChanges } from '#shared/domain/accounts/authorization-changes.ts';
import { AuthorizerTokenService } from '#shared/domain/tokens/authorizer-token.ts';
import { DomainError } from '#shared/errors/domain-errors.ts';
import type { TokenSource } from '#shared/wechat/api-types.ts';
import { accountItem, bindAccount, callsTo, startLifecycleWorld, tokenItem, type LifecycleWorld } from '#test/integration/support/world.ts';

describe('authorizer tokens on demand, on the embedded engine against the WeChat simulator', () => {
  let world: LifecycleWorld;

  const service = () =>
    new AuthorizerTokenService({
      store: new DynamoAuthorizerTokenStore(world.table.client, world.table.name),
      statusChanges: auditedStatusChanges(
        new DynamoAccountStatusMarks(world.table.client, world.table.name),
        new DynamoAuditLog(world.table.client, world.table.name),
      ),
      lease: new DynamoLease(world.table.client, world.table.name),
      api: world.client,
      component: world.component,
      componentAppId: async () => world.componentAppId,
      // The embedded engine serves one request at a time on a shared machine: the wait bound is generous.
      options: { waitForRefreshMs: 30_000 },
    });

  const notActive = (error: unknown) => error instanceof DomainError && error.code === 'account_not_active';

  beforeAll(async () => {
    world = await startLifecycleWorld('authorizer-token');
  });

  afterAll(async () => {
    await world?.close();
  });

  beforeEach(() => {
    world.simulator.clearFaults();
    world.simulator.setLatency(0);
  });

  it('lets 100 concurrent callers that need one expired token cause exactly one api_authorizer_token call', async () => {
    // Prepare
    const account = await bindAccount(world, { expired: true });
    world.simulator.setLatency(50);
    world.simulator.resetCalls();
    const callers = Array.from({ length: 100 }, () => service());

    // Act
    const tokens = await Promise.all(callers.map((caller) => caller.current(account.appid)));

    // Assess
    expect(callsTo(world, 'api_authorizer_token')).toBe(1);
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe(account.accessToken);
  });

  it('returns a stored token that is still valid without calling WeChat', async () => {
    // Prepare
    const account = await bindAccount(world);
    world.simulator.resetCalls();

    // Act
    const token = await service().current(account.appid);

    // Assess
    expect(token).toBe(account.accessToken);
    expect(world.simulator.calls()).toEqual({});
  });

  it('stores the refreshed token and puts the account back on the refresh schedule', async () => {
    // Prepare
    const account = await bindAccount(world, { expired: true });

    // Act
    const token = await service().current(account.appid);

    // Assess
    const stored = await tokenItem(world, account.appid);
    expect(stored?.accessToken).toBe(token);
    expect(Date.parse(String(stored?.expiresAt))).toBeGreaterThan(Date.now() + 60 * 60_000);
    expect(stored?.refreshToken).toBe(account.refreshToken);
    expect(String(stored?.gsi2sk) < String(stored?.expiresAt)).toBe(true);
  });

  it('does not refresh again when WeChat rejects a token another caller already replaced (40001)', async () => {
    // Prepare
    const account = await bindAccount(world);
    const tokens = service();
    await tokens.expire(account.appid, account.accessToken);
    const replacement = await tokens.current(account.appid);
    // Past WeChat's 5-minute overlap the replaced token answers 40001.
    world.simulator.advanceClock(6 * 60_000);
    world.simulator.resetCalls();
    let handedOutStale = false;
    const lateCaller: TokenSource = {
      // This caller read the token before it was replaced.
      current: async () => {
        if (handedOutStale) return tokens.current(account.appid);
        handedOutStale = true;
        return account.accessToken;
      },
      expire: (used) => tokens.expire(account.appid, used),
    };

    // Act
    const page = await world.client.getFollowers(lateCaller);

    // Assess
    expect(page.total).toBe(30);
    expect(callsTo(world, 'api_authorizer_token')).toBe(0);
    expect((await tokenItem(world, account.appid))?.accessToken).toBe(replacement);
  });

  it('refreshes once the token it handed out is expired by the one who used it', async () => {
    // Prepare
    const account = await bindAccount(world);
    world.simulator.resetCalls();

    // Act
    await service().expire(account.appid, account.accessToken);
    const next = await service().current(account.appid);

    // Assess
    expect(next).not.toBe(account.accessToken);
    expect(callsTo(world, 'api_authorizer_token')).toBe(1);
  });

  it('marks the account revoked, without its tokens, when WeChat says the authorization is gone (61003)', async () => {
    // Prepare
    const account = await bindAccount(world, { expired: true });
    await world.simulator.revoke(account.appid);

    // Act
    const error = await service()
      .current(account.appid)
      .catch((e: unknown) => e);

    // Assess
    expect(notActive(error)).toBe(true);
    expect((await accountItem(world, account.appid))?.status).toBe('revoked');
    const stored = await tokenItem(world, account.appid);
    expect([stored?.accessToken, stored?.refreshToken, stored?.gsi2pk]).toEqual([undefined, undefined, undefined]);
  });

  it('refuses an account that is not active without calling WeChat', async () => {
    // Prepare
    const account = await bindAccount(world, { status: 'reauthorization_required' });
    world.simulator.resetCalls();

    // Act
    const error = await service()
      .current(account.appid)
      .catch((e: unknown) => e);

    // Assess
    expect(notActive(error)).toBe(true);
    expect(world.simulator.calls()).toEqual({});
  });

  it('refuses an account the hub does not hold as not active', async () => {
    // Act
    const error = await service()
      .current('wx00000000000000ff')
      .catch((e: unknown) => e);

    // Assess
    expect(notActive(error)).toBe(true);
  });

  it('does not store a refreshed token for an account revoked while the refresh ran', async () => {
    // Prepare
    const account = await bindAccount(world);
    const store = new DynamoAuthorizerTokenStore(world.table.client, world.table.name);
    const lease = new DynamoLease(world.table.client, world.table.name);
    await lease.tryAcquire(store.leaseKey(account.appid), 'refresher', 30_000);
    await new DynamoAccountStatusMarks(world.table.client, world.table.name).markRevoked(account.appid, new Date().toISOString());

    // Act
    const saved = await store.save(
      account.appid,
      { accessToken: 'late-token', expiresAt: new Date(Date.now() + 7_200_000).toISOString(), refreshToken: account.refreshToken },
      new Date().toISOString(),
      { leaseOwner: 'refresher', replacedRefreshToken: account.refreshToken },
    );

    // Assess
    expect(saved).toBe(false);
    expect((await tokenItem(world, account.appid))?.accessToken).toBeUndefined();
  });

  it('does not let a refresh overwrite a refresh token a re-authorization stored meanwhile', async () => {
    // Prepare
    const account = await bindAccount(world);
    const store = new DynamoAuthorizerTokenStore(world.table.client, world.table.name);
    await new DynamoLease(world.table.client, world.table.name).tryAcquire(store.leaseKey(account.appid), 'refresher', 30_000);

    // Act
    const saved = await store.save(
      account.appid,
      { accessToken: 'late-token', expiresAt: new Date(Date.now() + 7_200_000).toISOString(), refreshToken: 'refreshtoken@@@older' },
      new Date().toISOString(),
      { leaseOwner: 'refresher', replacedRefreshToken: 'refreshtoken@@@before-reauthorization' },
    );

    // Assess
    expect(saved).toBe(false);
    expect((await tokenItem(world, account.appid))?.refreshToken).toBe(account.refreshToken);
  });

  it('renews a due token on the scheduled run and leaves a token that is not due alone', async () => {
    // Prepare
    const due = await bindAccount(world, { expired: true });
    const fresh = await bindAccount(world);
    world.simulator.resetCalls();

    // Act
    const outcomes = [await service().refreshIfDue(due.appid), await service().refreshIfDue(fresh.appid)];

    // Assess
    expect(outcomes).toEqual(['refreshed', 'not_due']);
    expect(callsTo(world, 'api_authorizer_token')).toBe(1);
  });

  it('skips a due token on the scheduled run while another caller holds its lease', async () => {
    // Prepare
    const account = await bindAccount(world, { expired: true });
    const store = new DynamoAuthorizerTokenStore(world.table.client, world.table.name);
    await new DynamoLease(world.table.client, world.table.name).tryAcquire(store.leaseKey(account.appid), 'on-demand', 30_000);
    world.simulator.resetCalls();

    // Act
    const outcome = await service().refreshIfDue(account.appid);

    // Assess
    expect(outcome).toBe('busy');
    expect(callsTo(world, 'api_authorizer_token')).toBe(0);
  });
});
