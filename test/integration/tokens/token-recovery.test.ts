import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DynamoAuditLog } from '#shared/adapters/dynamodb/audit-log.ts';
import { DomainError } from '#shared/errors/domain-errors.ts';
import { accountItem, bindAccount, callsTo, startLifecycleWorld, tokenItem, type LifecycleWorld } from '#test/integration/support/world.ts';
import { recoveryJob, recoveryQueue, scheduledRun, tokenService } from '#test/integration/tokens/support.ts';

describe('recovering a refused refresh token (61023) in the background, on the embedded engine against the WeChat simulator', () => {
  let world: LifecycleWorld;

  const tryAgain = (error: unknown) => error instanceof DomainError && error.code === 'try_again';

  beforeEach(async () => {
    world = await startLifecycleWorld('token-recovery');
  });

  afterEach(async () => {
    await world?.close();
  });

  it('answers try_again with Retry-After to a request that meets 61023, without paging the authorizer list', async () => {
    // Prepare
    const account = await bindAccount(world, { expired: true });
    world.simulator.invalidateRefreshToken(account.appid);
    world.simulator.resetCalls();
    const queue = recoveryQueue();

    // Act
    const error = await tokenService(world, world.component, queue)
      .current(account.appid)
      .catch((e: unknown) => e);

    // Assess
    expect(tryAgain(error)).toBe(true);
    expect((error as DomainError).headers?.['Retry-After']).toMatch(/^\d+$/);
    expect(callsTo(world, 'api_get_authorizer_list')).toBe(0);
    expect(queue.sent).toEqual([account.appid]);
    expect((await accountItem(world, account.appid))?.status).toBe('active');
  });

  it('answers later requests try_again without calling WeChat or queueing again while the recovery is under way', async () => {
    // Prepare
    const account = await bindAccount(world, { expired: true });
    world.simulator.invalidateRefreshToken(account.appid);
    const queue = recoveryQueue();
    await tokenService(world, world.component, queue)
      .current(account.appid)
      .catch(() => undefined);
    world.simulator.resetCalls();

    // Act
    const errors = await Promise.all(
      [1, 2, 3].map(() =>
        tokenService(world, world.component, queue)
          .current(account.appid)
          .catch((e: unknown) => e),
      ),
    );

    // Assess
    expect(errors.every(tryAgain)).toBe(true);
    expect(world.simulator.calls()).toEqual({});
    expect(queue.sent).toEqual([account.appid]);
  });

  it('repairs the refresh token from the authorizer list in the background, so the next request succeeds without calling WeChat', async () => {
    // Prepare
    const account = await bindAccount(world, { expired: true });
    world.simulator.invalidateRefreshToken(account.appid);
    await tokenService(world)
      .current(account.appid)
      .catch(() => undefined);

    // Act
    const outcome = await recoveryJob(world, account.appid);
    world.simulator.resetCalls();
    const token = await tokenService(world).current(account.appid);

    // Assess
    expect(outcome).toBe('repaired');
    expect(world.simulator.calls()).toEqual({});
    const stored = await tokenItem(world, account.appid);
    expect(stored?.accessToken).toBe(token);
    expect(stored?.refreshToken).not.toBe(account.refreshToken);
    expect(stored?.recoveryRequestedAt).toBeUndefined();
  });

  it('keeps an account whose refresh token WeChat refused once active when the list still has it', async () => {
    // Prepare
    const account = await bindAccount(world, { expired: true });
    world.simulator.injectFault({ path: '/cgi-bin/component/api_authorizer_token', errcode: 61023, times: 1 });
    await tokenService(world)
      .current(account.appid)
      .catch(() => undefined);

    // Act
    const outcome = await recoveryJob(world, account.appid);

    // Assess
    expect(outcome).toBe('repaired');
    expect((await accountItem(world, account.appid))?.status).toBe('active');
  });

  it('marks the account reauthorization_required, audited, only when the authorizer list does not have it', async () => {
    // Prepare
    const account = await bindAccount(world, { expired: true });
    await bindAccount(world);
    world.simulator.invalidateRefreshToken(account.appid);
    await tokenService(world)
      .current(account.appid)
      .catch(() => undefined);
    const withoutAccount = async (offset: number, count: number) => {
      const page = await world.client.getAuthorizerList(world.component, { componentAppId: world.componentAppId, offset, count });
      return { ...page, list: page.list.filter((entry) => entry.authorizerAppId !== account.appid) };
    };

    // Act
    const outcome = await recoveryJob(world, account.appid, { authorizerList: withoutAccount });

    // Assess
    expect(outcome).toBe('reauthorization_required');
    expect((await accountItem(world, account.appid))?.status).toBe('reauthorization_required');
    expect((await tokenItem(world, account.appid))?.gsi2pk).toBeUndefined();
    const { events } = await new DynamoAuditLog(world.table.client, world.table.name).list(account.tenantId, { limit: 10 });
    expect(events.map((e) => e.action)).toEqual(['account.reauthorization_required']);
  });

  it('retries a listed refresh token WeChat refuses too, and gives up on the last receive', async () => {
    // Prepare
    const account = await bindAccount(world, { expired: true });
    world.simulator.injectFault({ path: '/cgi-bin/component/api_authorizer_token', errcode: 61023 });
    await tokenService(world)
      .current(account.appid)
      .catch(() => undefined);

    // Act
    const retried = await recoveryJob(world, account.appid).catch((e: unknown) => e);
    const statusAfterRetry = (await accountItem(world, account.appid))?.status;
    const last = await recoveryJob(world, account.appid, { last: true });

    // Assess
    expect(retried).toBeInstanceOf(Error);
    expect(statusAfterRetry).toBe('active');
    expect(last).toBe('reauthorization_required');
    expect((await accountItem(world, account.appid))?.status).toBe('reauthorization_required');
  });

  it('resumes paging the authorizer list from its checkpoint after its time budget runs out', async () => {
    // Prepare
    for (let n = 0; n < 5; n++) await bindAccount(world, { expired: true });
    const listed = await world.client.getAuthorizerList(world.component, { componentAppId: world.componentAppId, offset: 0, count: 500 });
    const target = listed.list[4]!.authorizerAppId;
    world.simulator.invalidateRefreshToken(target);
    await tokenService(world)
      .current(target)
      .catch(() => undefined);
    const offsets: number[] = [];
    const list = (offset: number, count: number) => {
      offsets.push(offset);
      return world.client.getAuthorizerList(world.component, { componentAppId: world.componentAppId, offset, count });
    };
    let budget = 2;
    const queue = recoveryQueue();

    // Act
    const first = await recoveryJob(world, target, { queue, authorizerList: list, options: { pageSize: 1 }, remainingMs: () => (budget-- > 0 ? 50_000 : 0) });
    const checkpoint = (await tokenItem(world, target))?.recoveryOffset;
    const second = await recoveryJob(world, target, { authorizerList: list, options: { pageSize: 1 } });

    // Assess
    expect([first, second]).toEqual(['continued', 'repaired']);
    expect(checkpoint).toBe(2);
    expect(queue.sent).toEqual([target]);
    expect(offsets).toEqual([0, 1, 2, 3, 4]);
  });

  it('has the scheduled refresh queue the recovery on 61023, keep the account active and leave it to the recovery', async () => {
    // Prepare
    const account = await bindAccount(world, { expired: true });
    world.simulator.invalidateRefreshToken(account.appid);

    // Act
    const first = await scheduledRun(world);
    world.simulator.resetCalls();
    const second = await scheduledRun(world);

    // Assess
    expect(first).toMatchObject({ recoveriesRequested: 1, reauthorizationRequired: 0 });
    expect(second).toMatchObject({ due: 1, recoveriesUnderWay: 1, refreshed: 0 });
    expect(callsTo(world, 'api_authorizer_token')).toBe(0);
    expect((await accountItem(world, account.appid))?.status).toBe('active');
  });
});
