import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import { DynamoAccountLifecycle } from '#shared/adapters/dynamodb/account-lifecycle.ts';
import { DynamoAuditLog } from '#shared/adapters/dynamodb/audit-log.ts';
import { DynamoAccountStatusMarks, DynamoAuthorizerTokenStore } from '#shared/adapters/dynamodb/authorizer-token-store.ts';
import { DynamoLease } from '#shared/adapters/dynamodb/lease.ts';
import { auditedStatusChanges } from '#shared/domain/accounts/authorization-changes.ts';
import { bindOpenPlatform, openPlatformAfterBinding, openPlatformWeChat, type OpenPlatformDeps } from '#shared/domain/accounts/open-platform.ts';
import { AuthorizerTokenService } from '#shared/domain/tokens/authorizer-token.ts';
import { DomainError } from '#shared/errors/domain-errors.ts';
import { accountItem, bindAccount, startLifecycleWorld, type LifecycleWorld } from '#test/integration/support/world.ts';

describe('binding accounts to open platform accounts', () => {
  let world: LifecycleWorld;
  let deps: OpenPlatformDeps;
  const silent = { info: () => undefined, warn: () => undefined };

  const refusal = (error: unknown) =>
    error instanceof DomainError ? { code: error.code, errcode: error.details?.errcode, missing: error.details?.missing } : { code: String(error) };

  beforeAll(async () => {
    world = await startLifecycleWorld('open-platform');
    const audit = new DynamoAuditLog(world.table.client, world.table.name);
    const tokens = new AuthorizerTokenService({
      store: new DynamoAuthorizerTokenStore(world.table.client, world.table.name),
      statusChanges: auditedStatusChanges(new DynamoAccountStatusMarks(world.table.client, world.table.name), audit),
      lease: new DynamoLease(world.table.client, world.table.name),
      api: world.client,
      component: world.component,
      componentAppId: async () => world.componentAppId,
    });
    deps = {
      store: new DynamoAccountLifecycle(world.table.client, world.table.name),
      wechat: openPlatformWeChat(world.client, (appid) => tokens.forAccount(appid)),
      audit,
      now: () => new Date(),
    };
  });

  afterAll(async () => {
    await world?.close();
  });

  it('creates an open platform account and audits open_platform.created', async () => {
    // Prepare
    const account = await bindAccount(world);

    // Act
    const result = await bindOpenPlatform({ tenantId: account.tenantId, userId: 'admin', appid: account.appid }, deps);

    // Assess
    expect(result.created).toBe(true);
    expect((await accountItem(world, account.appid))?.openAppId).toBe(result.openAppId);
    const { events } = await new DynamoAuditLog(world.table.client, world.table.name).list(account.tenantId, { limit: 5 });
    expect(events).toEqual([expect.objectContaining({ action: 'open_platform.created', details: { openAppId: result.openAppId } })]);
  });

  it('refuses to move an account bound to one open platform account to another, naming the current one', async () => {
    // Prepare
    const account = await bindAccount(world, { principalName: 'Move Co.' });
    const { openAppId: current } = await bindOpenPlatform({ tenantId: account.tenantId, userId: 'admin', appid: account.appid }, deps);
    const other = world.simulator.addOpenAccount({ principalName: 'Move Co.', verified: true });

    // Act
    const error = await bindOpenPlatform({ tenantId: account.tenantId, userId: 'admin', appid: account.appid, openAppId: other }, deps).catch(
      (e: unknown) => e,
    );

    // Assess
    expect(refusal(error)).toEqual({ code: 'wechat_error', errcode: 89000, missing: undefined });
    expect((error as DomainError).details?.openAppId).toBe(current);
    expect(world.simulator.account(account.appid)?.openAppid).toBe(current);
  });

  it('refuses an account that did not grant permission set 24, naming it, without calling WeChat', async () => {
    // Prepare
    const account = await bindAccount(world, { funcIds: [1, 2, 3] });
    world.simulator.resetCalls();

    // Act
    const error = await bindOpenPlatform({ tenantId: account.tenantId, userId: 'admin', appid: account.appid }, deps).catch((e: unknown) => e);

    // Assess
    expect(refusal(error)).toEqual({ code: 'missing_permissions', errcode: undefined, missing: [{ id: 24, name: '开放平台账号管理' }] });
    expect(world.simulator.calls()).toEqual({});
  });

  it('refuses an account that is not active', async () => {
    // Prepare
    const account = await bindAccount(world, { status: 'revoked' });

    // Act
    const error = await bindOpenPlatform({ tenantId: account.tenantId, userId: 'admin', appid: account.appid }, deps).catch((e: unknown) => e);

    // Assess
    expect(refusal(error).code).toBe('account_not_active');
  });

  it('refuses a tenant the account was only shared with', async () => {
    // Prepare
    const account = await bindAccount(world);
    await world.table.client.send(
      new PutCommand({
        TableName: world.table.name,
        Item: { pk: accountKeys.tenantPk('recipient'), sk: accountKeys.linkSk(account.appid), tenantId: 'recipient', appid: account.appid, role: 'shared' },
      }),
    );

    // Act
    const error = await bindOpenPlatform({ tenantId: 'recipient', userId: 'admin', appid: account.appid }, deps).catch((e: unknown) => e);

    // Assess
    expect(refusal(error).code).toBe('forbidden');
  });

  it('maps WeChat’s refusal of set 24 (61007) to a wechat_error naming the errcode', async () => {
    // Prepare
    const account = await bindAccount(world);
    world.simulator.injectFault({ path: '/cgi-bin/open/get', errcode: 61007, times: 1 });

    // Act
    const error = await bindOpenPlatform({ tenantId: account.tenantId, userId: 'admin', appid: account.appid }, deps).catch((e: unknown) => e);

    // Assess
    expect(refusal(error)).toEqual({ code: 'wechat_error', errcode: 61007, missing: undefined });
    expect((error as DomainError).message).toMatch(/开放平台账号管理/);
  });

  it('reads the binding again when a concurrent bind won (89000)', async () => {
    // Prepare
    const account = await bindAccount(world);
    const concurrent = await bindOpenPlatform({ tenantId: account.tenantId, userId: 'admin', appid: account.appid }, deps);
    // As if this request's open/get had run before the concurrent create.
    world.simulator.injectFault({ path: '/cgi-bin/open/get', errcode: 89002, times: 1 });

    // Act
    const result = await bindOpenPlatform({ tenantId: account.tenantId, userId: 'admin', appid: account.appid }, deps);

    // Assess
    expect(result).toEqual({ openAppId: concurrent.openAppId, created: false });
  });

  it('stores what the route bound as the account’s openPlatform, replacing an earlier failure', async () => {
    // Prepare
    const account = await bindAccount(world);
    world.simulator.injectFault({ path: '/cgi-bin/open/create', errcode: 89001, times: 1 });
    await openPlatformAfterBinding({ tenantId: account.tenantId, userId: 'admin', appid: account.appid, choice: 'create' }, { ...deps, log: silent });

    // Act
    const result = await bindOpenPlatform({ tenantId: account.tenantId, userId: 'admin', appid: account.appid }, deps);

    // Assess
    expect((await accountItem(world, account.appid))?.openPlatform).toEqual({
      status: 'bound',
      openAppId: result.openAppId,
      created: true,
      choice: 'create',
      at: expect.any(String),
    });
  });

  it('binds right after a binding when the admin chose create', async () => {
    // Prepare
    const account = await bindAccount(world);

    // Act
    const outcome = await openPlatformAfterBinding(
      { tenantId: account.tenantId, userId: 'admin', appid: account.appid, choice: 'create' },
      { ...deps, log: silent },
    );

    // Assess
    expect(outcome).toEqual({ status: 'bound', openAppId: expect.stringMatching(/^wx/), created: true });
    expect((await accountItem(world, account.appid))?.openAppId).toBe(outcome?.openAppId);
  });

  it('records a failed step after a binding in the audit trail with a clear code, and does not throw', async () => {
    // Prepare
    const account = await bindAccount(world);
    world.simulator.injectFault({ path: '/cgi-bin/open/create', errcode: 89001, times: 1 });

    // Act
    const outcome = await openPlatformAfterBinding(
      { tenantId: account.tenantId, userId: 'admin', appid: account.appid, choice: 'create' },
      { ...deps, log: silent },
    );

    // Assess
    expect(outcome?.status).toBe('failed');
    const { events } = await new DynamoAuditLog(world.table.client, world.table.name).list(account.tenantId, { limit: 5 });
    expect(events).toEqual([
      expect.objectContaining({
        action: 'account.open_platform_failed',
        details: expect.objectContaining({ choice: 'create', status: 'failed', error: expect.objectContaining({ code: 'open_platform_entity_mismatch' }) }),
      }),
    ]);
  });

  it('writes nothing when the account was taken over before the step ran', async () => {
    // Prepare
    const account = await bindAccount(world);

    // Act
    const outcome = await openPlatformAfterBinding(
      { tenantId: 'someone-else', userId: 'admin', appid: account.appid, choice: 'create' },
      { ...deps, log: silent },
    );

    // Assess
    expect([outcome, (await accountItem(world, account.appid))?.openPlatform, world.simulator.account(account.appid)?.openAppid]).toEqual([
      undefined,
      undefined,
      null,
    ]);
  });
});
