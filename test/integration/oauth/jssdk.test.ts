/**
 * The JS-SDK config on the embedded engine and the simulator: the account's jsapi_ticket cached on
 * its JSAPITICKET item and refreshed by one caller under the tokens' lease.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import { DynamoJsapiTickets } from '#shared/adapters/dynamodb/jsapi-tickets.ts';
import { DynamoLease } from '#shared/adapters/dynamodb/lease.ts';
import { DynamoOAuthAccounts } from '#shared/adapters/dynamodb/oauth-accounts.ts';
import { oauthKeys } from '#shared/adapters/dynamodb/oauth-keys.ts';
import { jsSdkConfig, jsSdkSignature, type JsSdkDeps } from '#shared/domain/oauth/jssdk.ts';
import { tokenService } from '#test/integration/tokens/support.ts';
import { bindAccount, rawItem, startLifecycleWorld, type BoundAccount, type LifecycleWorld } from '#test/integration/support/world.ts';

const GETTICKET = '/cgi-bin/ticket/getticket';
const PAGE = 'https://shop.example.com/h5?code=abc&state=p1';

describe('the JS-SDK config of an account', () => {
  let world: LifecycleWorld;
  let bound: BoundAccount;
  let deps: JsSdkDeps;

  beforeAll(async () => {
    world = await startLifecycleWorld('oauth-jssdk');
    bound = await bindAccount(world, { funcIds: [1, 2, 3, 4] });
    const tokens = tokenService(world);
    const { client, name } = world.table;
    deps = {
      accounts: new DynamoOAuthAccounts(client, name),
      tickets: new DynamoJsapiTickets(client, name),
      lease: new DynamoLease(client, name),
      api: { getJsapiTicket: (appid) => world.client.getJsapiTicket(tokens.forAccount(appid)) },
      // The embedded engine serves one request at a time on a shared machine: the wait bound is generous.
      options: { timing: { leaseTtlMs: 30_000, pollMs: 25, pollGrowth: 2, maxPollMs: 400, waitForRefreshMs: 30_000 } },
    };
  });

  afterAll(async () => {
    await world?.close();
  });

  beforeEach(async () => {
    // A ticket that expired a moment ago.
    await world.table.client.send(
      new PutCommand({
        TableName: world.table.name,
        Item: {
          pk: accountKeys.accountPk(bound.appid),
          sk: oauthKeys.ticketSk,
          ticket: 'sim_jsapi_expired',
          expiresAt: new Date(Date.now() - 1_000).toISOString(),
        },
      }),
    );
    world.simulator.resetCalls();
  });

  it('asks WeChat once for 30 concurrent callers at the ticket’s expiry', async () => {
    // Act
    const configs = await Promise.all(Array.from({ length: 30 }, () => jsSdkConfig(bound.appid, PAGE, deps)));

    // Assess
    expect(world.simulator.calls()[GETTICKET]).toBe(1);
    expect(configs.every((config) => config.appId === bound.appid && /^[0-9a-f]{40}$/.test(config.signature))).toBe(true);
  });

  it('signs with the ticket it cached, which it never returns', async () => {
    // Act
    const config = await jsSdkConfig(bound.appid, PAGE, deps);

    // Assess
    const { ticket } = (await rawItem(world, accountKeys.accountPk(bound.appid), oauthKeys.ticketSk)) as { ticket: string };
    expect(config.signature).toBe(jsSdkSignature({ ticket, nonceStr: config.nonceStr, timestamp: config.timestamp, url: PAGE }));
    expect(JSON.stringify(config)).not.toContain(ticket);
  });

  it('serves a fresh cached ticket without asking WeChat', async () => {
    // Prepare
    await jsSdkConfig(bound.appid, PAGE, deps);
    world.simulator.resetCalls();

    // Act
    await jsSdkConfig(bound.appid, PAGE, deps);

    // Assess
    expect(world.simulator.calls()[GETTICKET]).toBeUndefined();
  });

  it('gets the ticket after WeChat rejects the authorizer token, refreshing that token once', async () => {
    // Prepare: the stored token is still believed valid, but WeChat says 42001.
    world.simulator.expireAuthorizerToken(bound.appid);

    // Act
    const config = await jsSdkConfig(bound.appid, PAGE, deps);

    // Assess
    expect(config.appId).toBe(bound.appid);
    expect(world.simulator.calls()['/cgi-bin/component/api_authorizer_token']).toBe(1);
    expect(world.simulator.calls()[GETTICKET]).toBe(2);
  });
});
