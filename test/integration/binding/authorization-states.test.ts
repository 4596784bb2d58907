import { beforeAll, describe, expect, it } from 'vitest';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoAuthorizationStates } from '#shared/adapters/dynamodb/authorization-states.ts';
import type { AuthorizationState } from '#shared/domain/binding/ports.ts';
import { freshTable, type TestTable } from '#test/integration/support/table.ts';

describe('authorization states on the embedded engine', () => {
  let table: TestTable;
  let states: DynamoAuthorizationStates;
  const record = (overrides: Partial<AuthorizationState> = {}): AuthorizationState => ({
    tenantId: 't-1',
    userId: 'alice',
    createdAt: '2026-01-01T00:00:00.000Z',
    expiresAt: '2026-01-01T00:30:00.000Z',
    ...overrides,
  });

  beforeAll(async () => {
    table = await freshTable('authorization-states');
    states = new DynamoAuthorizationStates(table.client, table.name);
  });

  it('gives back what the state stood for when it is spent', async () => {
    // Prepare
    await states.save('state-returned-000000', record({ appid: 'wx0000000000000001' }));

    // Act
    const spent = await states.spend('state-returned-000000');

    // Assess
    expect(spent).toEqual(record({ appid: 'wx0000000000000001' }));
  });

  it('hands a state to exactly one of ten callbacks spending it at once', async () => {
    // Prepare
    await states.save('state-raced-0000000000', record());

    // Act
    const spent = await Promise.all(Array.from({ length: 10 }, () => states.spend('state-raced-0000000000')));

    // Assess
    expect(spent.filter((entry) => entry !== undefined)).toHaveLength(1);
  });

  it('knows nothing of a state that was never issued', async () => {
    // Prepare
    const unknown = 'state-never-issued-000';

    // Act
    const spent = await states.spend(unknown);

    // Assess
    expect(spent).toBeUndefined();
  });

  it('stores the state only as its hash, with a ttl at its expiry', async () => {
    // Prepare
    const state = 'state-kept-secret-0000';

    // Act
    await states.save(state, record({ expiresAt: '2026-01-01T00:30:00.000Z' }));

    // Assess
    const items = (await table.client.send(new ScanCommand({ TableName: table.name }))).Items ?? [];
    expect(JSON.stringify(items)).not.toContain(state);
    expect(items).toContainEqual(expect.objectContaining({ ttl: Date.parse('2026-01-01T00:30:00.000Z') / 1000 }));
  });
});
