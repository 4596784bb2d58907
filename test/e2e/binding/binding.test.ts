/**
 * Binding over real HTTP (issue 4): the admin's link, the simulator's consent page, WeChat's redirect
 * to the hub's callback, and where the browser lands. Every rejection ends at the console with its
 * error code and stores nothing but its audit entry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startLocalStack, type LocalStack } from '#infra/local/stack.ts';
import { demoAccounts } from '#infra/local/wechat-simulator/simulator.ts';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import { DynamoAuthorizationStates } from '#shared/adapters/dynamodb/authorization-states.ts';
import { createDocumentClient } from '#shared/db/client.ts';
import { bindThroughSimulator, consentThroughSimulator, followCallback } from '#test/e2e/support/binding.ts';
import { tableSnapshot } from '#test/e2e/support/table-snapshot.ts';

const CONSOLE_PATH = '/console';

/** Nested maps come back from DynamoDB in any order: compare them with sorted keys. */
const canonical = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(canonical)
    : value && typeof value === 'object'
      ? Object.fromEntries(
          Object.entries(value)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([k, v]) => [k, canonical(v)]),
        )
      : value;

/** What binding may write: everything but the audit trail, spent states and WeChat's own bookkeeping (pushes, codes, component token). */
const bindingItems = (items: string[]) =>
  items
    .map((text) => JSON.parse(text) as { pk: string; sk: string })
    .filter(
      ({ pk, sk }) =>
        !pk.endsWith('#AUDIT') && !pk.startsWith('AUTHSTATE#') && !pk.startsWith('COMPONENT#') && !sk.startsWith('AUTHEVENT#') && sk !== 'AUTHCODE',
    )
    .map((entry) => JSON.stringify(canonical(entry)))
    .sort();

describe('binding an Official Account through WeChat’s consent', () => {
  let stack: LocalStack;
  let client: DynamoDBDocumentClient;
  let accountCounter = 0;

  /** Settled state: the follower syncs earlier bindings queued have finished writing. */
  const snapshot = async () => {
    await stack.queues.drain('fan-sync');
    return bindingItems(await tableSnapshot(stack.dynamoDbEndpoint, stack.tableName));
  };
  const item = async (pk: string, sk: string) =>
    (await client.send(new GetCommand({ TableName: stack.tableName, Key: { pk, sk }, ConsistentRead: true }))).Item;
  /** A fresh account per test, so tests never see each other's bindings. */
  const newAccount = (spec: { serviceType?: 'service' | 'subscription'; verified?: boolean } = {}) => {
    accountCounter += 1;
    return stack.simulator!.addAccount({
      appid: `wxe2eb${String(accountCounter).padStart(12, '0')}`,
      nickname: `E2E ${accountCounter}`,
      serviceType: spec.serviceType ?? 'service',
      verified: spec.verified ?? true,
      followers: 3,
    }).appid;
  };
  const expectConsoleError = (location: URL, code: string) => {
    expect(location.pathname).toBe(CONSOLE_PATH);
    expect([location.searchParams.get('bind'), location.searchParams.get('code')]).toEqual(['error', code]);
  };
  const authorizationLink = async (tenant: string, body: object = {}) => {
    const token = await stack.consoleToken({ tenant, admin: true });
    const response = await fetch(`${stack.baseUrl}/v1/authorizations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      inMemory: true,
      wecomSimulator: { ticketIntervalMs: 0 },
      simulator: { ticketIntervalMs: 0 },
      log: () => undefined,
    });
    client = createDocumentClient(stack.dynamoDbEndpoint);
    await stack.simulator!.pushTicket();
  });

  afterAll(async () => {
    client?.destroy();
    await stack?.stop();
  });

  it('binds a verified service account and sends the browser to the console with bind=ok', async () => {
    // Prepare
    const appid = demoAccounts.verifiedService.appid;

    // Act
    const { location } = await bindThroughSimulator(stack, { tenant: 't-happy', appid });

    // Assess
    expect(location.pathname).toBe(CONSOLE_PATH);
    expect([location.searchParams.get('bind'), location.searchParams.get('appid')]).toEqual(['ok', appid]);
  });

  it('stores the account as active and owned, its tokens, the owner link and the tenant’s count', async () => {
    // Prepare
    const appid = newAccount();

    // Act
    await bindThroughSimulator(stack, { tenant: 't-stored', appid, user: 'alice' });

    // Assess
    const [account, tokens, link, tenant] = await Promise.all([
      item(accountKeys.accountPk(appid), accountKeys.accountSk),
      item(accountKeys.accountPk(appid), accountKeys.tokenSk),
      item(accountKeys.tenantPk('t-stored'), accountKeys.linkSk(appid)),
      item(accountKeys.tenantPk('t-stored'), accountKeys.tenantSk),
    ]);
    expect(account).toMatchObject({ appid, status: 'active', ownerTenantId: 't-stored', serviceTypeId: 2, funcIds: [1, 2, 3, 4, 7, 11, 15, 24, 89] });
    expect(tokens).toMatchObject({ appid, accessToken: expect.any(String), refreshToken: expect.any(String), gsi2pk: expect.stringMatching(/^DUE#/) });
    expect(link).toMatchObject({ role: 'owner', plaintextAuthorization: true });
    expect(tenant).toMatchObject({ ownedCount: 1 });
  });

  it('queues a full fan sync of the newly bound account', async () => {
    // Prepare
    const appid = newAccount();

    // Act
    await bindThroughSimulator(stack, { tenant: 't-fans', appid });
    await stack.queues.drain('fan-sync');

    // Assess: one job for the account, run to the end over its three followers.
    const jobs = (await tableSnapshot(stack.dynamoDbEndpoint, stack.tableName))
      .map((text) => JSON.parse(text) as Record<string, unknown>)
      .filter((entry) => entry.pk === accountKeys.accountPk(appid) && /^FANSYNC#\d/.test(String(entry.sk)));
    expect(jobs).toEqual([expect.objectContaining({ type: 'FanSyncJob', appid, status: 'done', listed: 3, synced: 3, startedAt: expect.any(String) })]);
  });

  it('records account.bound in the tenant’s audit trail with the user who asked for the link', async () => {
    // Prepare
    const appid = newAccount();
    const admin = await stack.consoleToken({ tenant: 't-audit', admin: true });

    // Act
    await bindThroughSimulator(stack, { tenant: 't-audit', appid, user: 'bob' });

    // Assess
    const audit = (await (await fetch(`${stack.baseUrl}/v1/audit`, { headers: { authorization: `Bearer ${admin}` } })).json()) as {
      events: { action: string; actor: string; appid?: string }[];
    };
    expect(audit.events).toContainEqual(expect.objectContaining({ action: 'account.bound', actor: 'bob', appid }));
  });

  describe('ends at the console with the rejection’s code and stores nothing for', () => {
    it('a subscription account (not_service_account)', async () => {
      // Prepare
      const appid = newAccount({ serviceType: 'subscription' });
      const before = await snapshot();

      // Act
      const { location } = await bindThroughSimulator(stack, { tenant: 't-subscription', appid });

      // Assess
      expectConsoleError(location, 'not_service_account');
      expect(await snapshot()).toEqual(before);
    });

    it('an unverified service account (not_verified)', async () => {
      // Prepare
      const appid = newAccount({ verified: false });
      const before = await snapshot();

      // Act
      const { location } = await bindThroughSimulator(stack, { tenant: 't-unverified', appid });

      // Assess
      expectConsoleError(location, 'not_verified');
      expect(await snapshot()).toEqual(before);
    });

    it('an account that left a required permission set unticked (missing_permissions, named in Chinese)', async () => {
      // Prepare
      const appid = newAccount();
      const before = await snapshot();

      // Act
      const { location } = await bindThroughSimulator(stack, { tenant: 't-missing', appid, funcIds: [1, 3, 7] });

      // Assess
      expectConsoleError(location, 'missing_permissions');
      expect(location.searchParams.get('message')).toContain('用户管理 (2)');
      expect(await snapshot()).toEqual(before);
    });

    it('an account another tenant owns (account_bound_elsewhere)', async () => {
      // Prepare
      const appid = newAccount();
      await bindThroughSimulator(stack, { tenant: 't-first-owner', appid });
      // WeChat re-issues the authorization on every consent, so the first owner's account and tokens
      // may legitimately be refreshed by the push that follows, and that re-authorization syncs the
      // owner's followers again (its own partitions and the sync's idempotency records); everything
      // else must stay as it was.
      const ownersAccountPartitions = [`"pk":"${accountKeys.accountPk(appid)}"`, `"pk":"${accountKeys.accountPk(appid)}#FANS"`, '"pk":"IDEMPOTENCY#fan-sync"'];
      const outsideAccount = (items: string[]) => items.filter((text) => !ownersAccountPartitions.some((pk) => text.includes(pk)));
      const before = outsideAccount(await snapshot());

      // Act
      const { location } = await bindThroughSimulator(stack, { tenant: 't-second', appid });

      // Assess
      expectConsoleError(location, 'account_bound_elsewhere');
      expect(outsideAccount(await snapshot())).toEqual(before);
      expect(await item(accountKeys.accountPk(appid), accountKeys.accountSk)).toMatchObject({ ownerTenantId: 't-first-owner', status: 'active' });
    });

    it('a tenant that already owns its quota of accounts (account_quota_exceeded)', async () => {
      // Prepare
      const tenant = 't-quota';
      await client.send(
        new PutCommand({
          TableName: stack.tableName,
          Item: {
            pk: accountKeys.tenantPk(tenant),
            sk: accountKeys.tenantSk,
            type: 'TenantSettings',
            tenantId: tenant,
            quota: 1,
            ownedCount: 0,
          },
        }),
      );
      await bindThroughSimulator(stack, { tenant, appid: newAccount() });
      const appid = newAccount();
      const before = await snapshot();

      // Act
      const { location } = await bindThroughSimulator(stack, { tenant, appid });

      // Assess
      expectConsoleError(location, 'account_quota_exceeded');
      expect(await snapshot()).toEqual(before);
    });

    it('a state that was already spent (validation_failed)', async () => {
      // Prepare
      const { callbackUrl } = await consentThroughSimulator(stack, { tenant: 't-replay', appid: newAccount() });
      await followCallback(callbackUrl);
      const before = await snapshot();

      // Act
      const { location } = await followCallback(callbackUrl);

      // Assess
      expectConsoleError(location, 'validation_failed');
      expect(await snapshot()).toEqual(before);
    });

    it('a state that has expired (validation_failed), even though TTL has not removed it yet', async () => {
      // Prepare
      const { callbackUrl } = await consentThroughSimulator(stack, { tenant: 't-expired', appid: newAccount() });
      const expiredState = 'ExpiredStateExpiredState0';
      await new DynamoAuthorizationStates(client, stack.tableName).save(expiredState, {
        tenantId: 't-expired',
        userId: 'local-admin',
        createdAt: new Date(Date.now() - 31 * 60_000).toISOString(),
        expiresAt: new Date(Date.now() - 60_000).toISOString(),
      });
      const withExpiredState = new URL(callbackUrl);
      withExpiredState.searchParams.set('state', expiredState);
      const before = await snapshot();

      // Act
      const { location } = await followCallback(withExpiredState.toString());

      // Assess
      expectConsoleError(location, 'validation_failed');
      expect(await snapshot()).toEqual(before);
    });

    it('a callback without a state (validation_failed)', async () => {
      // Prepare
      const { callbackUrl } = await consentThroughSimulator(stack, { tenant: 't-stateless', appid: newAccount() });
      const withoutState = new URL(callbackUrl);
      withoutState.searchParams.delete('state');
      const before = await snapshot();

      // Act
      const { location } = await followCallback(withoutState.toString());

      // Assess
      expectConsoleError(location, 'validation_failed');
      expect(await snapshot()).toEqual(before);
    });
  });

  it('records a policy rejection as binding.rejected with its code in the tenant’s audit trail', async () => {
    // Prepare
    const appid = newAccount({ verified: false });
    const admin = await stack.consoleToken({ tenant: 't-rejected-audit', admin: true });

    // Act
    await bindThroughSimulator(stack, { tenant: 't-rejected-audit', appid });

    // Assess
    const audit = (await (await fetch(`${stack.baseUrl}/v1/audit`, { headers: { authorization: `Bearer ${admin}` } })).json()) as {
      events: { action: string; appid?: string; details?: { code?: string } }[];
    };
    expect(audit.events).toContainEqual(
      expect.objectContaining({ action: 'binding.rejected', appid, details: expect.objectContaining({ code: 'not_verified' }) }),
    );
  });

  describe('re-authorization by the owning tenant', () => {
    it('updates the granted permission sets', async () => {
      // Prepare
      const appid = newAccount();
      await bindThroughSimulator(stack, { tenant: 't-reauth', appid, funcIds: [1, 2, 3] });

      // Act
      const { location } = await bindThroughSimulator(stack, { tenant: 't-reauth', appid, funcIds: [1, 2, 3, 7, 11], reauthorize: true });

      // Assess
      expect(location.searchParams.get('bind'), location.toString()).toBe('ok');
      expect(await item(accountKeys.accountPk(appid), accountKeys.accountSk)).toMatchObject({ funcIds: [1, 2, 3, 7, 11], status: 'active' });
    });

    it('keeps the link’s linkedAt and does not count the account twice', async () => {
      // Prepare
      const appid = newAccount();
      await bindThroughSimulator(stack, { tenant: 't-reauth-keep', appid, funcIds: [1, 2, 3] });
      const linkBefore = await item(accountKeys.tenantPk('t-reauth-keep'), accountKeys.linkSk(appid));

      // Act
      const { location } = await bindThroughSimulator(stack, { tenant: 't-reauth-keep', appid, funcIds: [1, 2, 3, 15] });

      // Assess
      expect(location.searchParams.get('bind'), location.toString()).toBe('ok');
      expect(await item(accountKeys.tenantPk('t-reauth-keep'), accountKeys.linkSk(appid))).toMatchObject({ linkedAt: linkBefore?.linkedAt });
      expect(await item(accountKeys.tenantPk('t-reauth-keep'), accountKeys.tenantSk)).toMatchObject({ ownedCount: 1 });
    });
  });

  describe('the binding choices', () => {
    const accountAnswer = async (tenant: string, appid: string) => {
      const token = await stack.consoleToken({ tenant, admin: true });
      return (await (await fetch(`${stack.baseUrl}/v1/accounts/${appid}`, { headers: { authorization: `Bearer ${token}` } })).json()) as Record<
        string,
        unknown
      >;
    };

    it('binds the account to a new open platform account by default and shows the owner the outcome', async () => {
      // Prepare
      const appid = newAccount();

      // Act
      await bindThroughSimulator(stack, { tenant: 't-choice-default', appid });

      // Assess
      const account = await accountAnswer('t-choice-default', appid);
      expect([account.openPlatform, account.plaintextAuthorization]).toEqual([
        { status: 'bound', openAppId: stack.simulator!.account(appid)?.openAppid, created: true },
        true,
      ]);
    });

    it('leaves the account without an open platform account when the admin chose none, with 明文授权 off as asked', async () => {
      // Prepare
      const appid = newAccount();

      // Act
      await bindThroughSimulator(stack, { tenant: 't-choice-none', appid, choices: { openPlatform: 'none', plaintextAuthorization: false } });

      // Assess
      const account = await accountAnswer('t-choice-none', appid);
      expect([account.status, account.openPlatform, account.plaintextAuthorization, stack.simulator!.account(appid)?.openAppid]).toEqual([
        'active',
        undefined,
        false,
        null,
      ]);
    });
  });

  describe('POST /v1/authorizations', () => {
    it('answers 201 with the PC and mobile links and an expiry no later than 30 minutes', async () => {
      // Prepare
      const latest = Date.now() + 30 * 60_000;

      // Act
      const { status, body } = await authorizationLink('t-link');

      // Assess
      expect(status).toBe(201);
      expect(new URL(String(body.authorizeUrl)).pathname).toBe('/v1/wechat/authorize');
      expect(new URL(String(body.mobileAuthorizeUrl)).searchParams.get('device')).toBe('mobile');
      expect(Date.parse(String(body.expiresAt))).toBeLessThanOrEqual(latest + 1_000);
    });

    it('answers 404 when asked to re-authorize an account the tenant does not own', async () => {
      // Prepare
      const appid = newAccount();
      await bindThroughSimulator(stack, { tenant: 't-owner-of-it', appid });

      // Act
      const { status, body } = await authorizationLink('t-not-owner', { appid });

      // Assess
      expect([status, (body.error as { code: string }).code]).toEqual([404, 'not_found']);
    });

    for (const [what, body, field] of [
      ['an openPlatform that is none of its choices', { openPlatform: 'maybe' }, 'body.openPlatform'],
      ['an openPlatform naming no appid', { openPlatform: { openAppId: 'not-an-appid' } }, 'body.openPlatform.openAppId'],
      ['an openPlatform with an unknown field', { openPlatform: { openAppId: 'wx0000000000open01', extra: 1 } }, 'body.openPlatform'],
      ['a plaintextAuthorization that is not a boolean', { plaintextAuthorization: 'yes' }, 'body.plaintextAuthorization'],
    ] as const) {
      it(`answers 400 naming the field to ${what}`, async () => {
        // Act
        const answer = await authorizationLink('t-strict-choices', body);

        // Assess
        const error = answer.body.error as { code: string; details: { fields: { field: string }[] } };
        expect([answer.status, error.code, error.details.fields.map((f) => f.field)]).toEqual([400, 'validation_failed', [field]]);
      });
    }

    it('answers 400 to an unknown field in the body', async () => {
      // Prepare
      const body = { appid: demoAccounts.verifiedService.appid, tenantId: 'someone-else' };

      // Act
      const answer = await authorizationLink('t-strict', body);

      // Assess
      expect([answer.status, (answer.body.error as { code: string }).code]).toEqual([400, 'validation_failed']);
    });
  });
});
