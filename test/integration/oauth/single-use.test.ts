/** The state and the one-time code in the table: stored as SHA-256 only, spent exactly once under concurrency. */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoOAuthCodes, DynamoOAuthStates } from '#shared/adapters/dynamodb/oauth-grants.ts';
import { freshTable, type TestTable } from '#test/integration/support/table.ts';

const future = () => new Date(Date.now() + 300_000).toISOString();
const user = { appid: 'wxd3e0000000000001', tenantId: 't-single', openid: 'o-visitor', scope: 'snsapi_base' as const };

describe('single-use records of web authorization', () => {
  let table: TestTable;

  beforeAll(async () => {
    table = await freshTable('oauth-single-use');
  });

  it('gives a one-time code to exactly one of ten concurrent exchanges', async () => {
    // Prepare
    const codes = new DynamoOAuthCodes(table.client, table.name);
    await codes.save('code-raced', { user, createdAt: new Date().toISOString(), expiresAt: future() });

    // Act
    const spent = await Promise.all(Array.from({ length: 10 }, () => codes.spend('code-raced')));

    // Assess
    expect(spent.filter(Boolean)).toEqual([{ user, createdAt: expect.any(String), expiresAt: expect.any(String) }]);
  });

  it('gives a state to exactly one of ten concurrent callbacks', async () => {
    // Prepare
    const states = new DynamoOAuthStates(table.client, table.name);
    const record = {
      appid: user.appid,
      tenantId: user.tenantId,
      redirectUri: 'https://shop.example.com/',
      scope: 'snsapi_base' as const,
      createdAt: new Date().toISOString(),
      expiresAt: future(),
    };
    await states.save('state-raced-0123456789', record);

    // Act
    const spent = await Promise.all(Array.from({ length: 10 }, () => states.spend('state-raced-0123456789')));

    // Assess
    expect(spent.filter(Boolean)).toEqual([record]);
  });

  it('stores neither the state nor the code itself', async () => {
    // Prepare
    await new DynamoOAuthCodes(table.client, table.name).save('code-kept-secret', { user, createdAt: new Date().toISOString(), expiresAt: future() });

    // Act
    const items = (await table.client.send(new ScanCommand({ TableName: table.name }))).Items ?? [];

    // Assess
    expect(JSON.stringify(items)).not.toContain('code-kept-secret');
    expect(items.map((item) => item.pk)).toContainEqual(expect.stringMatching(/^OAUTHCODE#[0-9a-f]{64}$/));
  });
});
