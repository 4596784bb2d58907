import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoLease } from '#shared/adapters/dynamodb/lease.ts';
import type { LeaseKey } from '#shared/domain/tokens/ports.ts';
import { freshTable, type TestTable } from '#test/integration/support/table.ts';

const newKey = (): LeaseKey => ({ pk: `ACCOUNT#wx${randomBytes(8).toString('hex')}`, sk: 'TOKEN' });

describe('the lease on the embedded engine', () => {
  let table: TestTable;
  let now: number;
  let lease: DynamoLease;

  beforeAll(async () => {
    table = await freshTable('lease');
    now = Date.parse('2026-01-01T00:00:00.000Z');
    lease = new DynamoLease(table.client, table.name, { now: () => now });
  });

  it('goes to exactly one of many concurrent callers', async () => {
    // Prepare
    const key = newKey();

    // Act
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => lease.tryAcquire(key, `caller-${i}`, 20_000)));

    // Assess
    expect(outcomes.filter(Boolean)).toHaveLength(1);
  });

  it('can be taken by another caller once it has lapsed', async () => {
    // Prepare
    const key = newKey();
    await lease.tryAcquire(key, 'first', 20_000);
    now += 20_001;

    // Act
    const taken = await lease.tryAcquire(key, 'second', 20_000);

    // Assess
    expect(taken).toBe(true);
  });

  it('is free again once its holder releases it', async () => {
    // Prepare
    const key = newKey();
    await lease.tryAcquire(key, 'first', 20_000);
    await lease.release(key, 'first');

    // Act
    const taken = await lease.tryAcquire(key, 'second', 20_000);

    // Assess
    expect(taken).toBe(true);
  });

  it('is not released by a caller that does not hold it', async () => {
    // Prepare
    const key = newKey();
    await lease.tryAcquire(key, 'holder', 20_000);
    await lease.release(key, 'someone-else');

    // Act
    const taken = await lease.tryAcquire(key, 'third', 20_000);

    // Assess
    expect(taken).toBe(false);
  });

  it('leaves the other attributes of the item it sits on untouched', async () => {
    // Prepare
    const key = newKey();
    await table.client.send(new PutCommand({ TableName: table.name, Item: { ...key, token: 'authorizer-token', expiresAt: '2026-01-01T02:00:00.000Z' } }));

    // Act
    await lease.tryAcquire(key, 'holder', 20_000);
    await lease.release(key, 'holder');

    // Assess
    const item = (await table.client.send(new GetCommand({ TableName: table.name, Key: key, ConsistentRead: true }))).Item;
    expect(item).toEqual({ ...key, token: 'authorizer-token', expiresAt: '2026-01-01T02:00:00.000Z' });
  });
});
