/**
 * Authorization pushes' event items on the embedded engine (shared/adapters/dynamodb/authorization-events.ts):
 * stored once, claimed by one worker at a time, settled, and the account's current authorization read
 * from them. Issue 17, items 4 and 5.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { authorizationKeys, DynamoAuthorizationEvents } from '#shared/adapters/dynamodb/authorization-events.ts';
import type { AuthorizationPush } from '#shared/domain/authorization/ports.ts';
import { freshTable, type TestTable } from '#test/integration/support/table.ts';

const NOW = 1_700_000_000;
let counter = 0;
const newAppid = () => `wxae${String((counter += 1)).padStart(14, '0')}`;
const grant = (appid: string, createTime: number, infoType: 'authorized' | 'updateauthorized' = 'updateauthorized'): AuthorizationPush => ({
  infoType,
  appId: 'wxc0ffee0000000001',
  createTime,
  authorizerAppid: appid,
  authorizationCode: 'queryauthcode@@@secret',
  authorizationCodeExpiresAt: createTime + 3600,
});
const keyOf = (push: AuthorizationPush) => ({ appid: push.authorizerAppid, infoType: push.infoType, createTime: push.createTime });

describe('authorization event items on the embedded engine', () => {
  let table: TestTable;
  let events: DynamoAuthorizationEvents;

  const item = async (push: AuthorizationPush) =>
    (
      await table.client.send(
        new GetCommand({
          TableName: table.name,
          Key: { pk: authorizationKeys.account(push.authorizerAppid), sk: authorizationKeys.event(push.createTime, push.infoType) },
        }),
      )
    ).Item;

  beforeAll(async () => {
    table = await freshTable('authorization-events');
    events = new DynamoAuthorizationEvents(table.client, table.name);
  });

  it('stores a push once: new, then pending until it settles, then settled', async () => {
    // Prepare
    const push = grant(newAppid(), NOW);

    // Act
    const first = await events.receive(push, '2026-11-21T00:00:00Z');
    const retry = await events.receive(push, '2026-11-21T00:00:05Z');
    await events.settle(keyOf(push), 'applied', '2026-11-21T00:00:06Z');
    const late = await events.receive(push, '2026-11-21T00:00:07Z');

    // Assess
    expect([first, retry, late]).toEqual(['new', 'pending', 'settled']);
  });

  it('keeps the authorization code on the pending item only', async () => {
    // Prepare
    const push = grant(newAppid(), NOW);
    await events.receive(push, '2026-11-21T00:00:00Z');
    const pending = await item(push);

    // Act
    await events.settle(keyOf(push), 'applied', '2026-11-21T00:00:06Z');

    // Assess
    expect(pending).toMatchObject({ state: 'received', authorizationCode: 'queryauthcode@@@secret' });
    const settled = await item(push);
    expect(settled).toMatchObject({ state: 'applied', settledAt: '2026-11-21T00:00:06Z' });
    expect(settled).not.toHaveProperty('authorizationCode');
  });

  it('lets exactly one of two concurrent claims win, and the loser sees it busy', async () => {
    // Prepare
    const push = grant(newAppid(), NOW);
    await events.receive(push, '2026-11-21T00:00:00Z');

    // Act
    const claims = await Promise.all([
      events.claim(keyOf(push), { now: NOW, leaseUntil: NOW + 30 }),
      events.claim(keyOf(push), { now: NOW, leaseUntil: NOW + 30 }),
    ]);

    // Assess
    expect(claims.map((claim) => claim.kind).sort()).toEqual(['busy', 'claimed']);
    expect(claims.find((claim) => claim.kind === 'claimed')).toEqual({ kind: 'claimed', authorizationCode: 'queryauthcode@@@secret' });
  });

  it('hands a released claim, or one whose lease passed, to the next delivery', async () => {
    // Prepare
    const released = grant(newAppid(), NOW);
    const lapsed = grant(newAppid(), NOW);
    for (const push of [released, lapsed]) {
      await events.receive(push, '2026-11-21T00:00:00Z');
      await events.claim(keyOf(push), { now: NOW, leaseUntil: NOW + 30 });
    }
    await events.release(keyOf(released));

    // Act
    const afterRelease = await events.claim(keyOf(released), { now: NOW + 1, leaseUntil: NOW + 31 });
    const afterLease = await events.claim(keyOf(lapsed), { now: NOW + 31, leaseUntil: NOW + 61 });

    // Assess
    expect(afterRelease.kind).toBe('claimed');
    expect(afterLease.kind).toBe('claimed');
  });

  it('answers settled for a settled push, and missing for one never stored', async () => {
    // Prepare
    const push = grant(newAppid(), NOW);
    await events.receive(push, '2026-11-21T00:00:00Z');
    await events.settle(keyOf(push), 'stale', '2026-11-21T00:00:01Z');

    // Act
    const settled = await events.claim(keyOf(push), { now: NOW, leaseUntil: NOW + 30 });
    const missing = await events.claim({ ...keyOf(push), createTime: NOW + 1 }, { now: NOW, leaseUntil: NOW + 30 });

    // Assess
    expect(settled.kind).toBe('settled');
    expect(missing.kind).toBe('missing');
  });

  it('counts an item stored before pushes were queued (no state) as settled', async () => {
    // Prepare
    const push = grant(newAppid(), NOW);
    await table.client.send(
      new PutCommand({
        TableName: table.name,
        Item: {
          pk: authorizationKeys.account(push.authorizerAppid),
          sk: authorizationKeys.event(push.createTime, push.infoType),
          type: 'AuthorizationEvent',
          infoType: push.infoType,
          appid: push.authorizerAppid,
          createTime: NOW,
          receivedAt: '2026-01-01T00:00:00Z',
        },
      }),
    );

    // Act
    const receipt = await events.receive(push, '2026-11-21T00:00:00Z');

    // Assess
    expect(receipt).toBe('settled');
  });

  it('dates the current authorization by the newest authorized or updateauthorized push, never by an unauthorized one', async () => {
    // Prepare
    const appid = newAppid();
    await events.receive(grant(appid, NOW, 'authorized'), '2026-11-21T00:00:00Z');
    await events.receive(grant(appid, NOW + 100), '2026-11-21T00:00:00Z');
    await events.receive({ infoType: 'unauthorized', appId: 'wxc0ffee0000000001', createTime: NOW + 200, authorizerAppid: appid }, '2026-11-21T00:00:00Z');
    await events.rememberCode(appid, { code: 'queryauthcode@@@x', createTime: NOW + 100, expiresAt: NOW + 3700 });

    // Act
    const current = await events.currentAuthorization(appid);
    const none = await events.currentAuthorization(newAppid());

    // Assess
    expect(current).toBe(NOW + 100);
    expect(none).toBeUndefined();
  });
});
