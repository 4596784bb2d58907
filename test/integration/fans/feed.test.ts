/**
 * The internal follower feed (`GET /v1/internal/accounts/{appid}/fans?changedSince=`) on the
 * embedded engine: every path that writes a follower puts it in the feed index, the feed reads it
 * in `updatedAt` order, refuses cursors it did not hand out, and — paged while followers change —
 * shows every follower's latest version (at least once).
 */
import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoFollowEvents } from '#shared/adapters/dynamodb/follow-history.ts';
import { DynamoFollowers, followerItem } from '#shared/adapters/dynamodb/followers.ts';
import { followerFeed } from '#shared/domain/fans/feed.ts';
import { FollowEvents } from '#shared/domain/fans/follow-events.ts';
import type { FanView, Follower } from '#shared/domain/fans/model.ts';
import type { FeedPageRequest } from '#shared/domain/fans/ports.ts';
import { DomainError } from '#shared/errors/domain-errors.ts';
import { fanFeed } from '#shared/wiring/fans.ts';
import { createTableInput, ensureTable, localClient } from '#infra/local/dynamodb.ts';
import { freshTable, type TestTable } from '#test/integration/support/table.ts';
import { seedOwnedAccount, SEED_TIME } from '#test/support/seed.ts';
import { bindFanAccount, drain, startFanWorld } from '#test/integration/fans/support.ts';

const TENANT = 't-feed';
const at = (second: number): string => new Date(Date.parse('2026-03-01T00:00:00.000Z') + second * 1000).toISOString();
const openidOf = (n: number): string => `oFeed${String(n).padStart(23, '0')}`;
const follower = (appid: string, n: number, updatedAt: string, extra: Partial<Follower> = {}): Follower => ({
  appid,
  openid: openidOf(n),
  tenantId: TENANT,
  subscribed: true,
  subscribedAt: SEED_TIME,
  tagIds: [],
  updatedAt,
  ...extra,
});

const codeOf = async (attempt: Promise<unknown>): Promise<string> => {
  try {
    await attempt;
    return 'ok';
  } catch (error) {
    return error instanceof DomainError ? error.code : String(error);
  }
};
const encode = (key: Record<string, unknown>) => Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
const decode = (cursor: string) => JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, string>;

describe('the follower feed on the embedded engine', () => {
  let table: TestTable;
  let followers: DynamoFollowers;
  const feed = (appid: string, request: Partial<FeedPageRequest> = {}) =>
    followerFeed(appid, { limit: 100, ...request }, fanFeed({ table: { client: table.client, table: table.name } }));
  /** Every page from `changedSince` on. */
  const readAll = async (appid: string, request: Partial<FeedPageRequest> = {}): Promise<FanView[]> => {
    const fans: FanView[] = [];
    let cursor: string | undefined;
    do {
      const page = await feed(appid, { ...request, ...(cursor ? { cursor } : {}) });
      fans.push(...page.fans);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return fans;
  };
  const account = async (status: 'active' | 'revoked' = 'active') =>
    (await seedOwnedAccount(table.client, table.name, TENANT, { account: { status } })).account.appid;

  beforeAll(async () => {
    table = await freshTable('fan-feed');
    followers = new DynamoFollowers(table.client, table.name);
  });

  it('lists the followers the sync wrote in updatedAt order, ties by openid', async () => {
    // Prepare
    const appid = await account();
    await followers.putAll([follower(appid, 3, at(2)), follower(appid, 2, at(1)), follower(appid, 1, at(2)), follower(appid, 4, at(0))]);

    // Act
    const page = await feed(appid);

    // Assess
    expect(page.fans.map((fan) => [fan.updatedAt, fan.openid])).toEqual([
      [at(0), openidOf(4)],
      [at(1), openidOf(2)],
      [at(2), openidOf(1)],
      [at(2), openidOf(3)],
    ]);
  });

  it('lists only the followers changed at changedSince or later', async () => {
    // Prepare
    const appid = await account();
    await followers.putAll([follower(appid, 1, at(10)), follower(appid, 2, at(20)), follower(appid, 3, at(30))]);

    // Act
    const fans = await readAll(appid, { changedSince: at(20) });

    // Assess
    expect(fans.map((fan) => fan.openid)).toEqual([openidOf(2), openidOf(3)]);
  });

  it('shows a follower a subscribe event wrote, and moves one an unsubscribe event changed to the end', async () => {
    // Prepare
    const appid = await account();
    await followers.putAll([follower(appid, 1, at(0)), follower(appid, 2, at(1))]);
    const events = new FollowEvents({
      store: new DynamoFollowEvents(table.client, table.name),
      profile: () => Promise.reject(new Error('no profile in this test')),
    });

    // Act
    await events.accept({ appid, openid: openidOf(1), event: 'unsubscribe', createTime: 1_800_000_000 });
    await events.accept({ appid, openid: openidOf(3), event: 'subscribe', createTime: 1_800_000_001 });

    // Assess
    const fans = await readAll(appid);
    expect(fans.map((fan) => [fan.openid, fan.subscribed])).toEqual([
      [openidOf(2), true],
      [openidOf(1), false],
      [openidOf(3), true],
    ]);
  });

  it('moves a follower the finishing sync marked unsubscribed to the end of the feed', async () => {
    // Prepare
    const appid = await account();
    await followers.putAll([follower(appid, 1, at(0), { lastSeenSyncId: 'job-old' }), follower(appid, 2, at(1), { lastSeenSyncId: 'job-feed' })]);

    // Act
    await followers.closeSync(appid, 'job-feed', { startedAt: at(100), skip: new Set(), at: at(200) });

    // Assess
    const fans = await readAll(appid, { changedSince: at(150) });
    expect(fans).toEqual([expect.objectContaining({ openid: openidOf(1), subscribed: false, unsubscribedAt: at(200), updatedAt: at(200) })]);
  });

  it('pages through every follower with the cursor it hands out', async () => {
    // Prepare
    const appid = await account();
    await followers.putAll(Array.from({ length: 23 }, (_, n) => follower(appid, n, at(n % 5))));

    // Act
    const pages: number[] = [];
    let cursor: string | undefined;
    const seen: string[] = [];
    do {
      const page = await feed(appid, { limit: 5, ...(cursor ? { cursor } : {}) });
      pages.push(page.fans.length);
      seen.push(...page.fans.map((fan) => fan.openid));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);

    // Assess
    expect(pages.slice(0, 4)).toEqual([5, 5, 5, 5]);
    expect(seen).toHaveLength(23);
    expect(new Set(seen).size).toBe(23);
  });

  it("sees every follower's latest version when followers change while it pages (at least once)", async () => {
    // Prepare: 40 followers; after each page some already seen and some not yet seen change.
    const appid = await account();
    const count = 40;
    await followers.putAll(Array.from({ length: count }, (_, n) => follower(appid, n, at(n))));
    const latest = new Map<string, string>(Array.from({ length: count }, (_, n) => [openidOf(n), at(n)]));
    const seen = new Map<string, string[]>();
    let clock = 1_000;

    // Act
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await feed(appid, { limit: 6, ...(cursor ? { cursor } : {}) });
      for (const fan of page.fans) seen.set(fan.openid, [...(seen.get(fan.openid) ?? []), fan.updatedAt]);
      cursor = page.nextCursor ?? undefined;
      pages += 1;
      if (pages <= 4) {
        // One follower already read and one still ahead of the cursor change meanwhile.
        const changed = [pages - 1, count - pages].map((n) => follower(appid, n, at((clock += 1)), { remark: `changed on page ${pages}` }));
        await followers.putAll(changed);
        for (const fan of changed) latest.set(fan.openid, fan.updatedAt);
      }
    } while (cursor);

    // Assess
    expect(seen.size).toBe(count);
    for (const [openid, updatedAt] of latest) expect(seen.get(openid), openid).toContain(updatedAt);
    expect([...seen.values()].filter((versions) => versions.length > 1).length).toBeGreaterThan(0);
  });

  it('refuses a cursor of another account with 400 validation_failed', async () => {
    // Prepare
    const [mine, theirs] = [await account(), await account()];
    await followers.putAll([follower(theirs, 1, at(0)), follower(theirs, 2, at(1))]);
    const { nextCursor } = await feed(theirs, { limit: 1 });

    // Act
    const code = await codeOf(feed(mine, { cursor: nextCursor! }));

    // Assess
    expect(code).toBe('validation_failed');
  });

  it.each([
    ['a sort key of another item family', (key: Record<string, string>) => ({ ...key, sk: 'ACCOUNT' })],
    ['an index sort key that is not an instant', (key: Record<string, string>) => ({ ...key, gsi3sk: 'not-a-time#oFeed' })],
    ['an index sort key naming another follower', (key: Record<string, string>) => ({ ...key, gsi3sk: `${at(0)}#${openidOf(9)}` })],
    ['no index keys', ({ gsi3pk: _pk, gsi3sk: _sk, ...key }: Record<string, string>) => key],
    ['an extra key', (key: Record<string, string>) => ({ ...key, gsi1pk: 'USERNAME#gh_x' })],
  ])('refuses its own cursor changed to %s with 400 validation_failed', async (_name, change) => {
    // Prepare
    const appid = await account();
    await followers.putAll([follower(appid, 1, at(0)), follower(appid, 2, at(1))]);
    const { nextCursor } = await feed(appid, { limit: 1 });

    // Act
    const code = await codeOf(feed(appid, { cursor: encode(change(decode(nextCursor!))) }));

    // Assess
    expect(code).toBe('validation_failed');
  });

  it('refuses a cursor from before changedSince with 400 validation_failed', async () => {
    // Prepare
    const appid = await account();
    await followers.putAll([follower(appid, 1, at(0)), follower(appid, 2, at(1))]);
    const { nextCursor } = await feed(appid, { limit: 1 });

    // Act
    const code = await codeOf(feed(appid, { cursor: nextCursor!, changedSince: at(1) }));

    // Assess
    expect(code).toBe('validation_failed');
  });

  it('answers 404 for an account the hub does not hold', async () => {
    // Act
    const code = await codeOf(feed('wx00000000feed0404'));

    // Assess
    expect(code).toBe('not_found');
  });

  it('answers 422 account_not_active for an account that is not active', async () => {
    // Prepare
    const appid = await account('revoked');

    // Act
    const code = await codeOf(feed(appid));

    // Assess
    expect(code).toBe('account_not_active');
  });
});

describe('a table kept from before the feed index', () => {
  it('gets the index and its followers their feed keys when the local stack starts on it', async () => {
    // Prepare: the table as an older version created it (no gsi3), with a follower written then.
    const { endpoint, client } = await freshTable('fan-feed-upgrade');
    const name = `test-fan-feed-old-${Date.now().toString(36)}`;
    const input = createTableInput(name);
    const old = localClient(endpoint);
    await old.send(
      new CreateTableCommand({
        ...input,
        GlobalSecondaryIndexes: input.GlobalSecondaryIndexes!.filter((index) => index.IndexName !== 'gsi3'),
        AttributeDefinitions: input.AttributeDefinitions!.filter((definition) => !definition.AttributeName!.startsWith('gsi3')),
      }),
    );
    const { account } = await seedOwnedAccount(client, name, TENANT);
    const { gsi3pk: _pk, gsi3sk: _sk, ...before } = followerItem(follower(account.appid, 1, at(0)));
    await client.send(new PutCommand({ TableName: name, Item: before }));

    // Act
    await ensureTable(endpoint, name);

    // Assess
    const { Table } = await old.send(new DescribeTableCommand({ TableName: name }));
    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toContain('gsi3');
    const page = await followerFeed(account.appid, { limit: 10 }, fanFeed({ table: { client, table: name } }));
    expect(page.fans.map((fan) => fan.openid)).toEqual([openidOf(1)]);
    await old.send(new DeleteTableCommand({ TableName: name }));
    old.destroy();
  });
});

describe('the follower feed after syncs on the WeChat simulator', () => {
  let world: Awaited<ReturnType<typeof startFanWorld>>;

  beforeAll(async () => {
    world = await startFanWorld('fan-feed-sync');
  });

  afterAll(async () => {
    await world?.close();
  });

  it("lists every follower a sync wrote, and a later sync's unfollowers last, unsubscribed", async () => {
    // Prepare: a first sync of 120 followers, then 5 of them leave and a second sync runs.
    const account = await bindFanAccount(world, { followers: 120 });
    const sync = async () => {
      await world.requests.queueFullSync(account.appid, new Date().toISOString());
      await drain(world, world.worker());
    };
    await sync();
    const left = world.simulator.unfollow(account.appid, 5);
    const beforeSecond = new Date().toISOString();
    await sync();

    // Act
    const deps = fanFeed({ table: { client: world.table.client, table: world.table.name } });
    const all = await followerFeed(account.appid, { limit: 1000 }, deps);
    const changed = await followerFeed(account.appid, { limit: 1000, changedSince: beforeSecond }, deps);

    // Assess
    expect(all.fans).toHaveLength(120);
    const updated = all.fans.map((fan) => fan.updatedAt);
    expect(updated).toEqual([...updated].sort());
    const unsubscribed = all.fans.slice(-5);
    expect(unsubscribed.map((fan) => fan.openid).sort()).toEqual([...left].sort());
    expect(unsubscribed.every((fan) => !fan.subscribed)).toBe(true);
    expect(changed.fans).toHaveLength(120);
  });
});
