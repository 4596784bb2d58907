/**
 * Token vending over real HTTP (issue 6, part 6): the local stack with the WeChat simulator, a
 * service token standing in for SigV4, accounts bound through the consent page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startLocalStack, type LocalStack } from '#infra/local/stack.ts';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import { createDocumentClient } from '#shared/db/client.ts';
import { bindThroughSimulator } from '#test/e2e/support/binding.ts';

describe('GET /v1/internal/accounts/{appid}/access-token over HTTP against the simulator', () => {
  let stack: LocalStack;
  let client: DynamoDBDocumentClient;
  let serviceToken: string;
  let accountCounter = 0;

  const tokenItem = async (appid: string) =>
    (
      await client.send(
        new GetCommand({ TableName: stack.tableName, Key: { pk: accountKeys.accountPk(appid), sk: accountKeys.tokenSk }, ConsistentRead: true }),
      )
    ).Item;

  const vend = async (appid: string, token = serviceToken) => {
    const response = await fetch(`${stack.baseUrl}/v1/internal/accounts/${appid}/access-token`, { headers: { authorization: `Bearer ${token}` } });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, any>) : undefined };
  };

  /** A fresh account bound to `tenant` through the consent page. */
  const boundAccount = async (tenant: string) => {
    accountCounter += 1;
    const appid = stack.simulator!.addAccount({
      appid: `wxe2e6${String(accountCounter).padStart(12, '0')}`,
      nickname: `Vending ${accountCounter}`,
      serviceType: 'service',
      verified: true,
      followers: 3,
      principalName: 'E2E Vending Co.',
    }).appid;
    const { location } = await bindThroughSimulator(stack, { tenant, appid });
    expect(location.searchParams.get('bind')).toBe('ok');
    return appid;
  };

  /** The token expired a moment ago, as far as the hub knows. */
  const expireStoredToken = (appid: string) =>
    client.send(
      new UpdateCommand({
        TableName: stack.tableName,
        Key: { pk: accountKeys.accountPk(appid), sk: accountKeys.tokenSk },
        UpdateExpression: 'SET expiresAt = :past',
        ExpressionAttributeValues: { ':past': new Date(Date.now() - 1_000).toISOString() },
      }),
    );

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, inMemory: true, log: () => undefined });
    client = createDocumentClient(stack.dynamoDbEndpoint);
    serviceToken = await stack.serviceToken('templates');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('hands 200 concurrent requests for a just-expired token one refreshed token, with one api_authorizer_token call', async () => {
    // Prepare
    const appid = await boundAccount('tenant-vend-200');
    const before = await tokenItem(appid);
    await expireStoredToken(appid);
    stack.simulator!.setLatency(50);
    stack.simulator!.resetCalls();

    // Act
    const answers = await Promise.all(Array.from({ length: 200 }, () => vend(appid)));

    // Assess
    stack.simulator!.setLatency(0);
    expect(answers.map((a) => a.status)).toEqual(Array(200).fill(200));
    expect(stack.simulator!.calls()['/cgi-bin/component/api_authorizer_token']).toBe(1);
    const tokens = new Set(answers.map((a) => a.body?.accessToken));
    expect(tokens.size).toBe(1);
    expect([...tokens][0]).not.toBe(before?.accessToken);
    expect((await tokenItem(appid))?.accessToken).toBe([...tokens][0]);
  });

  it('answers the appid, the token and its expiry, and never the refresh token', async () => {
    // Prepare
    const appid = await boundAccount('tenant-vend-shape');

    // Act
    const answer = await vend(appid);

    // Assess
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.body!).sort()).toEqual(['accessToken', 'appid', 'expiresAt']);
    expect(answer.body!.accessToken).toBe((await tokenItem(appid))?.accessToken);
    expect(JSON.stringify(answer.body)).not.toContain(String((await tokenItem(appid))?.refreshToken));
  });

  it('records every vended token in the owner’s audit trail with the calling service', async () => {
    // Prepare
    const tenant = 'tenant-vend-audit';
    const appid = await boundAccount(tenant);

    // Act
    await vend(appid);
    const admin = await stack.consoleToken({ tenant, admin: true });
    const audit = await fetch(`${stack.baseUrl}/v1/audit`, { headers: { authorization: `Bearer ${admin}` } }).then((r) => r.json() as Promise<any>);

    // Assess
    const vended = audit.events.filter((e: any) => e.action === 'access_token.vended');
    expect(vended).toHaveLength(1);
    expect(vended[0]).toMatchObject({ actor: 'service:templates', appid });
    expect(JSON.stringify(vended[0])).not.toContain(String((await tokenItem(appid))?.accessToken));
  });

  it('refuses an account WeChat no longer authorizes with 422 account_not_active', async () => {
    // Prepare
    const appid = await boundAccount('tenant-vend-revoked');
    await stack.simulator!.revoke(appid);

    // Act
    const answer = await vend(appid);

    // Assess
    expect(answer.status).toBe(422);
    expect(answer.body?.error?.code).toBe('account_not_active');
  });

  it('answers one 61023 with 503 try_again and Retry-After, recovers in the background and vends the next request', async () => {
    // Prepare
    const appid = await boundAccount('tenant-vend-recovery');
    await expireStoredToken(appid);
    stack.simulator!.invalidateRefreshToken(appid);
    const refused = String((await tokenItem(appid))?.refreshToken);

    // Act
    const first = await fetch(`${stack.baseUrl}/v1/internal/accounts/${appid}/access-token`, { headers: { authorization: `Bearer ${serviceToken}` } });
    const firstBody = (await first.json()) as { error?: { code?: string } };
    let next = await vend(appid);
    for (let attempt = 0; next.status === 503 && attempt < 100; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      next = await vend(appid);
    }

    // Assess
    expect([first.status, firstBody.error?.code]).toEqual([503, 'try_again']);
    expect(first.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(next.status).toBe(200);
    const stored = await tokenItem(appid);
    expect(stored?.accessToken).toBe(next.body?.accessToken);
    expect(stored?.refreshToken).not.toBe(refused);
    expect(stored?.recoveryRequestedAt).toBeUndefined();
  });

  it('answers 404 for an account the hub does not hold', async () => {
    // Act
    const answer = await vend('wx0000000000000404');

    // Assess
    expect(answer.status).toBe(404);
  });

  it('refuses a console token as the IAM authorizer refuses an unsigned call (403)', async () => {
    // Prepare
    const appid = await boundAccount('tenant-vend-console');
    const consoleToken = await stack.consoleToken({ tenant: 'tenant-vend-console', admin: true });

    // Act
    const answer = await vend(appid, consoleToken);

    // Assess
    expect(answer.status).toBe(403);
  });
});
