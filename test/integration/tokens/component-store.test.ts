import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoComponentStore } from '#shared/adapters/dynamodb/component-store.ts';
import { DynamoLease } from '#shared/adapters/dynamodb/lease.ts';
import { freshTable, type TestTable } from '#test/integration/support/table.ts';

const newComponentAppId = () => `wx${randomBytes(8).toString('hex')}`;

describe('the component store on the embedded engine', () => {
  let table: TestTable;
  let store: DynamoComponentStore;
  let lease: DynamoLease;

  beforeAll(async () => {
    table = await freshTable('component-store');
    store = new DynamoComponentStore(table.client, table.name);
    lease = new DynamoLease(table.client, table.name);
  });

  const rawItem = async (pk: string, sk: string) =>
    (await table.client.send(new GetCommand({ TableName: table.name, Key: { pk, sk }, ConsistentRead: true }))).Item;

  it('keeps a ticket with a newer CreateTime', async () => {
    // Prepare
    const appId = newComponentAppId();
    await store.saveTicket(appId, { ticket: 'ticket@@@older', createTime: 1_700_000_000, receivedAt: '2023-11-14T22:13:20.000Z' });

    // Act
    const stored = await store.saveTicket(appId, { ticket: 'ticket@@@newer', createTime: 1_700_000_600, receivedAt: '2023-11-14T22:23:20.000Z' });

    // Assess
    expect(stored).toBe(true);
    expect(await store.latestTicket(appId)).toEqual({ ticket: 'ticket@@@newer', createTime: 1_700_000_600, receivedAt: '2023-11-14T22:23:20.000Z' });
  });

  it('never replaces a ticket with one that has an older CreateTime', async () => {
    // Prepare
    const appId = newComponentAppId();
    await store.saveTicket(appId, { ticket: 'ticket@@@newer', createTime: 1_700_000_600, receivedAt: '2023-11-14T22:23:20.000Z' });

    // Act
    const stored = await store.saveTicket(appId, { ticket: 'ticket@@@late', createTime: 1_700_000_000, receivedAt: '2023-11-14T22:24:00.000Z' });

    // Assess
    expect(stored).toBe(false);
    expect((await store.latestTicket(appId))?.ticket).toBe('ticket@@@newer');
  });

  it('changes nothing, and does not fail, when the same push arrives twice', async () => {
    // Prepare
    const appId = newComponentAppId();
    const push = { ticket: 'ticket@@@same', createTime: 1_700_000_000, receivedAt: '2023-11-14T22:13:20.000Z' };
    await store.saveTicket(appId, push);
    const before = await rawItem(`COMPONENT#${appId}`, 'TICKET');

    // Act
    const stored = await store.saveTicket(appId, { ...push, receivedAt: '2023-11-14T22:13:25.000Z' });

    // Assess
    expect(stored).toBe(false);
    expect(await rawItem(`COMPONENT#${appId}`, 'TICKET')).toEqual(before);
  });

  it('reads no ticket for a component that never got one', async () => {
    // Act + Assess
    expect(await store.latestTicket(newComponentAppId())).toBeUndefined();
  });

  it('expires the stored token when it is the one that was used', async () => {
    // Prepare
    const appId = newComponentAppId();
    await lease.tryAcquire(store.tokenLeaseKey(appId), 'refresher', 30_000);
    await store.saveToken(appId, { token: 'token-used', expiresAt: '2999-01-01T00:00:00.000Z' }, 'refresher');

    // Act
    const expired = await store.expireToken(appId, 'token-used', '2026-01-01T00:00:00.000Z');

    // Assess
    expect(expired).toBe(true);
    expect((await store.readToken(appId))?.expiresAt).toBe('2026-01-01T00:00:00.000Z');
  });

  it('leaves a token alone when the rejected one was already replaced', async () => {
    // Prepare
    const appId = newComponentAppId();
    await lease.tryAcquire(store.tokenLeaseKey(appId), 'refresher', 30_000);
    await store.saveToken(appId, { token: 'token-new', expiresAt: '2999-01-01T00:00:00.000Z' }, 'refresher');

    // Act
    const expired = await store.expireToken(appId, 'token-old', '2026-01-01T00:00:00.000Z');

    // Assess
    expect(expired).toBe(false);
    expect(await store.readToken(appId)).toMatchObject({ token: 'token-new', expiresAt: '2999-01-01T00:00:00.000Z' });
  });

  it('refuses to store a token for a refresher that no longer holds the lease', async () => {
    // Prepare
    const appId = newComponentAppId();
    await lease.tryAcquire(store.tokenLeaseKey(appId), 'current-holder', 30_000);

    // Act
    const stored = await store.saveToken(appId, { token: 'token-late', expiresAt: '2999-01-01T00:00:00.000Z' }, 'lapsed-holder');

    // Assess
    expect(stored).toBe(false);
    expect(await store.readToken(appId)).toBeUndefined();
  });
});
