import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import { DynamoAccountLifecycle, type TransactItem, type UnbindCascade } from '#shared/adapters/dynamodb/account-lifecycle.ts';
import { DynamoAccountStore } from '#shared/adapters/dynamodb/account-store.ts';
import { DynamoAuditLog } from '#shared/adapters/dynamodb/audit-log.ts';
import { authorizationCheck, deleteAccount, type UnbindDeps } from '#shared/domain/accounts/unbind.ts';
import { DomainError } from '#shared/errors/domain-errors.ts';
import { grantCascadesOn } from '#shared/wiring/accounts.ts';
import { accountItem, bindAccount, rawItem, startLifecycleWorld, tokenItem, type LifecycleWorld } from '#test/integration/support/world.ts';

describe('unbinding and releasing accounts on the embedded engine', () => {
  let world: LifecycleWorld;

  const deps = (options: { cascades?: UnbindCascade[]; transactionLimit?: number } = {}): UnbindDeps => ({
    store: new DynamoAccountLifecycle(world.table.client, world.table.name, {
      unbindCascades: [grantCascadesOn(world.table.client, world.table.name).unbind, ...(options.cascades ?? [])],
      releaseCascades: [grantCascadesOn(world.table.client, world.table.name).release],
      ...(options.transactionLimit ? { transactionLimit: options.transactionLimit } : {}),
    }),
    wechat: authorizationCheck(world.client, world.component, async () => world.componentAppId),
    audit: new DynamoAuditLog(world.table.client, world.table.name),
    now: () => new Date(),
  });

  const put = (item: Record<string, unknown>) => world.table.client.send(new PutCommand({ TableName: world.table.name, Item: item }));
  const grant = (tenantId: string, departmentId: string, appid: string) =>
    put({ pk: accountKeys.tenantPk(tenantId), sk: accountKeys.grantSk(departmentId, appid), type: 'DepartmentGrant', tenantId, departmentId, appid });
  const tenantItem = (tenantId: string) => rawItem(world, accountKeys.tenantPk(tenantId), accountKeys.tenantSk);
  const linkItem = (tenantId: string, appid: string) => rawItem(world, accountKeys.tenantPk(tenantId), accountKeys.linkSk(appid));
  const errorCode = (error: unknown) => (error instanceof DomainError ? error.code : String(error));

  /** A recipient's link, as the sharing use cases will write it. */
  const shareWith = (tenantId: string, appid: string) =>
    put({
      pk: accountKeys.tenantPk(tenantId),
      sk: accountKeys.linkSk(appid),
      type: 'TenantLink',
      tenantId,
      appid,
      role: 'shared',
      linkedAt: new Date().toISOString(),
      plaintextAuthorization: false,
      gsi1pk: accountKeys.linksOfAccount(appid),
      gsi1sk: accountKeys.linkGsiSk('shared', tenantId),
    });

  /** Items a cascade hook owns, here plain marker items under the account; like every hook, it returns those still there. */
  const markerCascade = (appid: string, count: number): { hook: UnbindCascade; keys: { pk: string; sk: string }[] } => {
    const keys = Array.from({ length: count }, (_, i) => ({ pk: `SHARETEST#${appid}`, sk: `CODE#${i}` }));
    const present = async () => (await Promise.all(keys.map(async (key) => ((await rawItem(world, key.pk, key.sk)) ? [key] : [])))).flat();
    return {
      keys,
      hook: { itemsToRemove: async (): Promise<TransactItem[]> => (await present()).map((Key) => ({ Delete: { TableName: world.table.name, Key } })) },
    };
  };

  beforeAll(async () => {
    world = await startLifecycleWorld('unbind');
  });

  afterAll(async () => {
    await world?.close();
  });

  it('refuses with revoke_in_wechat_first while WeChat still shows the authorization, changing nothing', async () => {
    // Prepare
    const account = await bindAccount(world);
    const before = await accountItem(world, account.appid);

    // Act
    const error = await deleteAccount({ tenantId: account.tenantId, userId: 'admin', appid: account.appid }, deps()).catch((e: unknown) => e);

    // Assess
    expect(errorCode(error)).toBe('revoke_in_wechat_first');
    expect(await accountItem(world, account.appid)).toEqual(before);
    expect(await linkItem(account.tenantId, account.appid)).toBeDefined();
  });

  it('unbinds a revoked account: unbound, owner link and tokens deleted, quota slot given back', async () => {
    // Prepare
    const account = await bindAccount(world, { status: 'revoked' });

    // Act
    const result = await deleteAccount({ tenantId: account.tenantId, userId: 'admin', appid: account.appid }, deps());

    // Assess
    expect(result).toBe('unbound');
    const stored = await accountItem(world, account.appid);
    expect([stored?.status, typeof stored?.unboundAt]).toEqual(['unbound', 'string']);
    expect(await linkItem(account.tenantId, account.appid)).toBeUndefined();
    expect(await tokenItem(world, account.appid)).toBeUndefined();
    expect((await tenantItem(account.tenantId))?.ownedCount).toBe(0);
  });

  it('unbinds an account the hub still holds active once WeChat answers that it is revoked (61003)', async () => {
    // Prepare
    const account = await bindAccount(world);
    await world.simulator.revoke(account.appid);

    // Act
    const result = await deleteAccount({ tenantId: account.tenantId, userId: 'admin', appid: account.appid }, deps());

    // Assess
    expect(result).toBe('unbound');
    expect((await accountItem(world, account.appid))?.status).toBe('unbound');
  });

  it('records account.unbinding and then account.unbound, both by the admin, in the owner’s trail', async () => {
    // Prepare
    const account = await bindAccount(world, { status: 'revoked' });

    // Act
    await deleteAccount({ tenantId: account.tenantId, userId: 'admin', appid: account.appid }, deps());

    // Assess
    const events = (await new DynamoAuditLog(world.table.client, world.table.name).list(account.tenantId, { limit: 5 })).events.reverse();
    expect(events.map((event) => [event.action, event.actor])).toEqual([
      ['account.unbinding', 'admin'],
      ['account.unbound', 'admin'],
    ]);
  });

  it('queues the continuation before it starts the unbinding', async () => {
    // Prepare
    const account = await bindAccount(world, { status: 'revoked' });
    const seen: (string | undefined)[] = [];
    const withContinuation: UnbindDeps = {
      ...deps(),
      continuation: { schedule: async () => void seen.push(String((await accountItem(world, account.appid))?.status)) },
    };

    // Act
    await deleteAccount({ tenantId: account.tenantId, userId: 'admin', appid: account.appid }, withContinuation);

    // Assess
    expect(seen).toEqual(['revoked']);
  });

  it('finishes an unbinding an earlier request left half done when the admin deletes again', async () => {
    // Prepare
    const account = await bindAccount(world, { status: 'unbinding' });
    const { hook, keys } = markerCascade(account.appid, 7);
    for (const key of keys.slice(0, 3)) await put({ ...key, type: 'Marker' });

    // Act
    const result = await deleteAccount({ tenantId: account.tenantId, userId: 'admin', appid: account.appid }, deps({ cascades: [hook], transactionLimit: 5 }));

    // Assess
    expect(result).toBe('unbound');
    expect((await Promise.all(keys.map((key) => rawItem(world, key.pk, key.sk)))).filter(Boolean)).toHaveLength(0);
    expect((await accountItem(world, account.appid))?.status).toBe('unbound');
    expect(await linkItem(account.tenantId, account.appid)).toBeUndefined();
  });

  it('refuses a re-authorization planned while the account was revoked once its unbinding has started', async () => {
    // Prepare
    const account = await bindAccount(world, { status: 'revoked' });
    const planned = await new DynamoAccountStore(world.table.client, world.table.name).account(account.appid);
    await deps().store.startUnbinding({ tenantId: account.tenantId, appid: account.appid, at: new Date().toISOString() });
    const at = new Date().toISOString();

    // Act
    const result = await new DynamoAccountStore(world.table.client, world.table.name).writeBinding({
      tenantId: account.tenantId,
      plan: { kind: 'reauthorize', previous: planned! },
      profile: { appid: account.appid, userName: 'gh_000000000001', nickname: 'Again', serviceTypeId: 2, verifyTypeId: 0, openPay: false, funcIds: [1, 2, 3] },
      tokens: { accessToken: 'access-again', refreshToken: 'refresh-again', expiresAt: at },
      at,
      defaultQuota: 5,
    });

    // Assess
    expect(result).toBe('account_changed');
    expect((await accountItem(world, account.appid))?.status).toBe('unbinding');
  });

  it('clears the tenant’s default account when it was the unbound one', async () => {
    // Prepare
    const account = await bindAccount(world, { status: 'revoked' });
    await world.table.client.send(
      new UpdateCommand({
        TableName: world.table.name,
        Key: { pk: accountKeys.tenantPk(account.tenantId), sk: accountKeys.tenantSk },
        UpdateExpression: 'SET defaultAppid = :appid',
        ExpressionAttributeValues: { ':appid': account.appid },
      }),
    );

    // Act
    await deleteAccount({ tenantId: account.tenantId, userId: 'admin', appid: account.appid }, deps());

    // Assess
    expect((await tenantItem(account.tenantId))?.defaultAppid).toBeUndefined();
  });

  it('keeps the tenant’s default account when another account is unbound', async () => {
    // Prepare
    const account = await bindAccount(world, { status: 'revoked' });
    await world.table.client.send(
      new UpdateCommand({
        TableName: world.table.name,
        Key: { pk: accountKeys.tenantPk(account.tenantId), sk: accountKeys.tenantSk },
        UpdateExpression: 'SET defaultAppid = :other',
        ExpressionAttributeValues: { ':other': 'wx00000000000000aa' },
      }),
    );

    // Act
    await deleteAccount({ tenantId: account.tenantId, userId: 'admin', appid: account.appid }, deps());

    // Assess
    expect((await tenantItem(account.tenantId))?.defaultAppid).toBe('wx00000000000000aa');
  });

  it('removes the account’s department grants in the owner’s and the recipients’ tenants', async () => {
    // Prepare
    const account = await bindAccount(world, { status: 'revoked' });
    await shareWith('recipient-grants', account.appid);
    await grant(account.tenantId, 'sales', account.appid);
    await grant('recipient-grants', 'ops', account.appid);
    await grant(account.tenantId, 'sales', 'wx00000000000000bb');

    // Act
    await deleteAccount({ tenantId: account.tenantId, userId: 'admin', appid: account.appid }, deps());

    // Assess
    expect(await rawItem(world, accountKeys.tenantPk(account.tenantId), accountKeys.grantSk('sales', account.appid))).toBeUndefined();
    expect(await rawItem(world, accountKeys.tenantPk('recipient-grants'), accountKeys.grantSk('ops', account.appid))).toBeUndefined();
    expect(await rawItem(world, accountKeys.tenantPk(account.tenantId), accountKeys.grantSk('sales', 'wx00000000000000bb'))).toBeDefined();
  });

  it('removes what the cascade hooks return in the same unbinding', async () => {
    // Prepare
    const account = await bindAccount(world, { status: 'revoked' });
    const { hook, keys } = markerCascade(account.appid, 3);
    for (const key of keys) await put({ ...key, type: 'Marker' });

    // Act
    await deleteAccount({ tenantId: account.tenantId, userId: 'admin', appid: account.appid }, deps({ cascades: [hook] }));

    // Assess
    const left = await Promise.all(keys.map((key) => rawItem(world, key.pk, key.sk)));
    expect(left.filter(Boolean)).toHaveLength(0);
  });

  it('unbinds with a cascade larger than one transaction, the cascade first and then the account', async () => {
    // Prepare
    const account = await bindAccount(world, { status: 'revoked' });
    const { hook, keys } = markerCascade(account.appid, 7);
    for (const key of keys) await put({ ...key, type: 'Marker' });

    // Act
    await deleteAccount({ tenantId: account.tenantId, userId: 'admin', appid: account.appid }, deps({ cascades: [hook], transactionLimit: 5 }));

    // Assess
    const left = await Promise.all(keys.map((key) => rawItem(world, key.pk, key.sk)));
    expect(left.filter(Boolean)).toHaveLength(0);
    expect((await accountItem(world, account.appid))?.status).toBe('unbound');
  });

  it('does not start unbinding an account that was re-authorized before the unbinding, deleting nothing', async () => {
    // Prepare
    const account = await bindAccount(world);
    const { hook, keys } = markerCascade(account.appid, 12);
    for (const key of keys) await put({ ...key, type: 'Marker' });
    const store = deps({ cascades: [hook], transactionLimit: 5 }).store;

    // Act
    const started = await store.startUnbinding({ tenantId: account.tenantId, appid: account.appid, at: new Date().toISOString() });
    const completed = await store.completeUnbinding({ tenantId: account.tenantId, appid: account.appid, at: new Date().toISOString() });

    // Assess
    expect([started, completed]).toEqual(['changed', 'not_unbinding']);
    const left = await Promise.all(keys.map((key) => rawItem(world, key.pk, key.sk)));
    expect(left.filter(Boolean)).toHaveLength(keys.length);
    expect((await accountItem(world, account.appid))?.status).toBe('active');
  });

  it('deletes nothing of a release cascade larger than one transaction once the tenant’s link is no longer shared', async () => {
    // Prepare
    const account = await bindAccount(world);
    const { keys } = markerCascade(`${account.appid}-release`, 12);
    for (const key of keys) await put({ ...key, type: 'Marker' });
    const store = new DynamoAccountLifecycle(world.table.client, world.table.name, {
      unbindCascades: [],
      releaseCascades: [{ itemsToRemove: async () => keys.map((Key): TransactItem => ({ Delete: { TableName: world.table.name, Key } })) }],
      transactionLimit: 5,
    });

    // Act
    const result = await store.release({ tenantId: 'recipient-revoked-meanwhile', appid: account.appid, at: new Date().toISOString() });

    // Assess
    expect(result).toBe('changed');
    const left = await Promise.all(keys.map((key) => rawItem(world, key.pk, key.sk)));
    expect(left.filter(Boolean)).toHaveLength(keys.length);
  });

  it('answers not_found to a tenant that holds no link to the account', async () => {
    // Prepare
    const account = await bindAccount(world, { status: 'revoked' });

    // Act
    const error = await deleteAccount({ tenantId: 'someone-else', userId: 'admin', appid: account.appid }, deps()).catch((e: unknown) => e);

    // Assess
    expect(errorCode(error)).toBe('not_found');
    expect((await accountItem(world, account.appid))?.status).toBe('revoked');
  });

  it('releases a recipient’s share: its link and grants go, the account and the owner stay', async () => {
    // Prepare
    const account = await bindAccount(world);
    await shareWith('recipient-release', account.appid);
    await grant('recipient-release', 'front-desk', account.appid);

    // Act
    const result = await deleteAccount({ tenantId: 'recipient-release', userId: 'r-admin', appid: account.appid }, deps());

    // Assess
    expect(result).toBe('released');
    expect(await linkItem('recipient-release', account.appid)).toBeUndefined();
    expect(await rawItem(world, accountKeys.tenantPk('recipient-release'), accountKeys.grantSk('front-desk', account.appid))).toBeUndefined();
    expect((await accountItem(world, account.appid))?.status).toBe('active');
    expect(await linkItem(account.tenantId, account.appid)).toBeDefined();
  });

  it('records share.released in the recipient’s and the owner’s audit trails', async () => {
    // Prepare
    const account = await bindAccount(world);
    await shareWith('recipient-audit', account.appid);
    const audit = new DynamoAuditLog(world.table.client, world.table.name);

    // Act
    await deleteAccount({ tenantId: 'recipient-audit', userId: 'r-admin', appid: account.appid }, deps());

    // Assess
    expect((await audit.list('recipient-audit', { limit: 5 })).events).toEqual([expect.objectContaining({ action: 'share.released', actor: 'r-admin' })]);
    expect((await audit.list(account.tenantId, { limit: 5 })).events).toEqual([
      expect.objectContaining({ action: 'share.released', details: { tenantId: 'recipient-audit' } }),
    ]);
  });
});
