/** What the hub's authorization page reads of a state (`find`), on the embedded engine. */
import { beforeAll, describe, expect, it } from 'vitest';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoAuthorizationStates } from '#shared/adapters/dynamodb/authorization-states.ts';
import { sealPreAuthCode } from '#shared/domain/binding/authorization-page.ts';
import type { AuthorizationState } from '#shared/domain/binding/ports.ts';
import { freshTable, type TestTable } from '#test/integration/support/table.ts';

describe('reading an authorization state for the authorization page', () => {
  let table: TestTable;
  let states: DynamoAuthorizationStates;
  const record = (state: string): AuthorizationState => ({
    tenantId: 't-1',
    userId: 'alice',
    appid: 'wx0000000000000001',
    createdAt: '2026-01-01T00:00:00.000Z',
    expiresAt: '2026-01-01T00:30:00.000Z',
    page: {
      componentAppId: 'wxc0ffee0000000001',
      sealedPreAuthCode: sealPreAuthCode(state, 'preauthcode@@@kept'),
      preAuthCodeExpiresAt: '2026-01-01T00:10:00.000Z',
    },
  });

  beforeAll(async () => {
    table = await freshTable('authorization-page-states');
    states = new DynamoAuthorizationStates(table.client, table.name);
  });

  it('gives back the link as stored, the page’s part included', async () => {
    // Prepare
    const state = 'state-found-0000000000';
    const saved = record(state);
    await states.save(state, saved);

    // Act
    const found = await states.find(state);

    // Assess
    expect(found).toEqual(saved);
  });

  it('does not spend the state: the callback still gets it afterwards', async () => {
    // Prepare
    const state = 'state-read-twice-00000';
    await states.save(state, record(state));
    await states.find(state);

    // Act
    const spent = await states.spend(state);

    // Assess
    expect(spent).toMatchObject({ tenantId: 't-1', userId: 'alice' });
  });

  it('finds nothing once the callback spent the state', async () => {
    // Prepare
    const state = 'state-spent-0000000000';
    await states.save(state, record(state));
    await states.spend(state);

    // Act
    const found = await states.find(state);

    // Assess
    expect(found).toBeUndefined();
  });

  it('stores neither the state nor the pre-auth code in the clear', async () => {
    // Prepare
    const state = 'state-never-in-clear00';

    // Act
    await states.save(state, record(state));

    // Assess
    const items = JSON.stringify((await table.client.send(new ScanCommand({ TableName: table.name }))).Items ?? []);
    expect(items).not.toContain(state);
    expect(items).not.toContain('preauthcode@@@kept');
  });
});
