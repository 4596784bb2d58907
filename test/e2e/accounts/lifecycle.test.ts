/**
 * The account lifecycle over real HTTP (issue 4, parts 5–7): the local stack with the WeChat
 * simulator. Unbinding only after WeChat shows the authorization revoked, the `unauthorized` push,
 * the unbinding itself and a new binding by another tenant; the open platform account.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startLocalStack, type LocalStack } from '#infra/local/stack.ts';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import { createDocumentClient } from '#shared/db/client.ts';
import { bindThroughSimulator } from '#test/e2e/support/binding.ts';
import { tableSnapshot } from '#test/e2e/support/table-snapshot.ts';

describe('the account lifecycle over HTTP against the simulator', () => {
  let stack: LocalStack;
  let client: DynamoDBDocumentClient;
  let accountCounter = 0;

  const item = async (pk: string, sk: string) =>
    (await client.send(new GetCommand({ TableName: stack.tableName, Key: { pk, sk }, ConsistentRead: true }))).Item;
  const accountItem = (appid: string) => item(accountKeys.accountPk(appid), accountKeys.accountSk);
  /** Everything but WeChat's own bookkeeping of the hub (the component token a WeChat call may mint). */
  /** Settled state: the follower syncs that bindings queued have finished writing. */
  const snapshot = async () => {
    await stack.queues.drain('fan-sync');
    return (await tableSnapshot(stack.dynamoDbEndpoint, stack.tableName)).filter((text) => !text.includes('"pk":"COMPONENT#'));
  };

  /** A fresh account per test, bound to no open platform account. */
  const newAccount = (principalName = 'E2E Lifecycle Co.') => {
    accountCounter += 1;
    return stack.simulator!.addAccount({
      appid: `wxe2e1${String(accountCounter).padStart(12, '0')}`,
      nickname: `Lifecycle ${accountCounter}`,
      serviceType: 'service',
      verified: true,
      followers: 5,
      principalName,
    }).appid;
  };

  const call = async (method: string, path: string, tenant: string, body?: unknown) => {
    const token = await stack.consoleToken({ tenant, admin: true });
    const response = await fetch(`${stack.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, any>) : undefined };
  };

  /** Binds through the consent page with the admin's open-platform choice (`none` unless asked). */
  const bind = async (tenant: string, appid: string, options: { openPlatform?: 'create' | 'none' } = {}) => {
    const { location } = await bindThroughSimulator(stack, { tenant, appid, choices: { openPlatform: options.openPlatform ?? 'none' } });
    expect(location.searchParams.get('bind')).toBe('ok');
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

  describe('unbinding', () => {
    it('answers 409 revoke_in_wechat_first, saying where to revoke, while WeChat still shows the authorization, and changes nothing', async () => {
      // Prepare
      const appid = newAccount();
      await bind('t-unbind-early', appid);
      const before = await snapshot();

      // Act
      const response = await call('DELETE', `/v1/accounts/${appid}`, 't-unbind-early');

      // Assess
      expect(response.status).toBe(409);
      expect(response.body?.error.code).toBe('revoke_in_wechat_first');
      expect(response.body?.error.details.where).toContain('授权管理');
      expect(await snapshot()).toEqual(before);
    });

    it('marks the account revoked when WeChat pushes unauthorized, dropping its tokens and keeping its data', async () => {
      // Prepare
      const appid = newAccount();
      await bind('t-revoked', appid);

      // Act
      await stack.simulator!.revoke(appid);

      // Assess
      const account = await call('GET', `/v1/accounts/${appid}`, 't-revoked');
      expect([account.status, account.body?.status, typeof account.body?.revokedAt]).toEqual([200, 'revoked', 'string']);
      const token = await item(accountKeys.accountPk(appid), accountKeys.tokenSk);
      expect([token?.accessToken, token?.refreshToken, token?.gsi2pk]).toEqual([undefined, undefined, undefined]);
    });

    it('unbinds a revoked account: 204, the account unbound, the tenant’s link and quota slot gone, followers kept', async () => {
      // Prepare
      const appid = newAccount();
      await bind('t-unbind', appid);
      const [openid] = stack.simulator!.follow(appid, 1);
      await stack.simulator!.sendAccountEvent(appid, { fromUserName: openid!, event: 'subscribe' });
      const followerItems = (await snapshot()).filter((text) => text.includes(`"pk":"FAN#${appid}#`));
      await stack.simulator!.revoke(appid);

      // Act
      const response = await call('DELETE', `/v1/accounts/${appid}`, 't-unbind');

      // Assess
      expect(response.status).toBe(204);
      expect((await accountItem(appid))?.status).toBe('unbound');
      expect((await call('GET', `/v1/accounts/${appid}`, 't-unbind')).status).toBe(404);
      expect((await item(accountKeys.tenantPk('t-unbind'), accountKeys.tenantSk))?.ownedCount).toBe(0);
      expect(await item(accountKeys.accountPk(appid), accountKeys.tokenSk)).toBeUndefined();
      expect(followerItems.length).toBeGreaterThan(0);
      expect((await snapshot()).filter((text) => text.includes(`"pk":"FAN#${appid}#`))).toEqual(followerItems);
    });

    it('records account.unbound in the tenant’s audit trail', async () => {
      // Prepare
      const appid = newAccount();
      await bind('t-unbind-audit', appid);
      await stack.simulator!.revoke(appid);

      // Act
      await call('DELETE', `/v1/accounts/${appid}`, 't-unbind-audit');

      // Assess
      const audit = await call('GET', '/v1/audit', 't-unbind-audit');
      expect(audit.body?.events.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['account.revoked', 'account.unbound']));
    });

    it('lets another tenant bind the account once its owner unbound it', async () => {
      // Prepare
      const appid = newAccount();
      await bind('t-first-owner', appid);
      await stack.simulator!.revoke(appid);
      await call('DELETE', `/v1/accounts/${appid}`, 't-first-owner');

      // Act
      const { location } = await bindThroughSimulator(stack, { tenant: 't-second-owner', appid });

      // Assess
      expect(location.searchParams.get('bind')).toBe('ok');
      const account = await call('GET', `/v1/accounts/${appid}`, 't-second-owner');
      expect([account.body?.status, account.body?.role]).toEqual(['active', 'owner']);
    });

    it('unbinds an account whose revocation the hub never heard of, once WeChat confirms it (61003)', async () => {
      // Prepare
      const appid = newAccount();
      await bind('t-missed-push', appid);
      await stack.simulator!.revoke(appid);
      // As if the `unauthorized` push had been lost: the hub still holds the account active.
      await client.send(new PutCommand({ TableName: stack.tableName, Item: { ...(await accountItem(appid))!, status: 'active' } }));

      // Act
      const response = await call('DELETE', `/v1/accounts/${appid}`, 't-missed-push');

      // Assess
      expect(response.status).toBe(204);
      expect((await accountItem(appid))?.status).toBe('unbound');
    });

    it('answers 404 to a tenant that does not hold the account, and changes nothing', async () => {
      // Prepare
      const appid = newAccount();
      await bind('t-holder', appid);
      await stack.simulator!.revoke(appid);
      const before = await snapshot();

      // Act
      const response = await call('DELETE', `/v1/accounts/${appid}`, 't-stranger');

      // Assess
      expect(response.status).toBe(404);
      expect(await snapshot()).toEqual(before);
    });
  });

  describe('the open platform account', () => {
    it('creates an open platform account for an account bound to none and stores it', async () => {
      // Prepare
      const appid = newAccount();
      await bind('t-open-create', appid);

      // Act
      const response = await call('POST', `/v1/accounts/${appid}/open-platform`, 't-open-create', {});

      // Assess
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ openAppId: expect.stringMatching(/^wx/), created: true });
      expect(stack.simulator!.account(appid)?.openAppid).toBe(response.body?.openAppId);
      expect((await call('GET', `/v1/accounts/${appid}`, 't-open-create')).body?.openAppId).toBe(response.body?.openAppId);
    });

    it('binds the account to the open platform account the tenant names', async () => {
      // Prepare
      const appid = newAccount('Named Open Co.');
      await bind('t-open-bind', appid);
      const openAppId = stack.simulator!.addOpenAccount({ principalName: 'Named Open Co.', verified: true });

      // Act
      const response = await call('POST', `/v1/accounts/${appid}/open-platform`, 't-open-bind', { openAppId });

      // Assess
      expect([response.status, response.body]).toEqual([200, { openAppId, created: false }]);
      expect(stack.simulator!.account(appid)?.openAppid).toBe(openAppId);
    });

    it('answers with the open platform account the account is already bound to, creating none', async () => {
      // Prepare
      const appid = newAccount();
      await bind('t-open-again', appid);
      const first = await call('POST', `/v1/accounts/${appid}/open-platform`, 't-open-again');

      // Act
      const again = await call('POST', `/v1/accounts/${appid}/open-platform`, 't-open-again');

      // Assess
      expect([again.status, again.body]).toEqual([200, { openAppId: first.body?.openAppId, created: false }]);
    });

    it('names WeChat’s refusal when the open platform account belongs to another entity (89001)', async () => {
      // Prepare
      const appid = newAccount('Entity A Co.');
      await bind('t-open-mismatch', appid);
      const openAppId = stack.simulator!.addOpenAccount({ principalName: 'Entity B Co.', verified: false, createdByApi: true });

      // Act
      const response = await call('POST', `/v1/accounts/${appid}/open-platform`, 't-open-mismatch', { openAppId });

      // Assess
      expect(response.status).toBe(502);
      expect([response.body?.error.code, response.body?.error.details.errcode]).toEqual(['wechat_error', 89001]);
      expect((await accountItem(appid))?.openAppId).toBeUndefined();
    });
  });
});
