import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoFollowers } from '#shared/adapters/dynamodb/followers.ts';
import type { Caller } from '#shared/auth/caller.ts';
import type { FanConsole } from '#shared/domain/fans/console.ts';
import type { Follower } from '#shared/domain/fans/model.ts';
import { DomainError } from '#shared/errors/domain-errors.ts';
import { seedGrants, seedOwnedAccount, seedSharedLink, SEED_TIME } from '#test/support/seed.ts';
import { freshTable, type TestTable } from '#test/integration/support/table.ts';
import { fanConsole } from '#shared/wiring/fans.ts';

const admin = (tenantId: string): Caller => ({ tenantId, userId: 'admin', isAdmin: true, departments: [] });
const member = (tenantId: string, departments: string[]): Caller => ({ tenantId, userId: 'member', isAdmin: false, departments });

const follower = (appid: string, tenantId: string, n: number, extra: Partial<Follower> = {}): Follower => ({
  appid,
  openid: `oFan${appid.slice(-6)}${String(n).padStart(18, '0')}`,
  tenantId,
  subscribed: true,
  subscribedAt: SEED_TIME,
  tagIds: [],
  updatedAt: SEED_TIME,
  ...extra,
});

const codeOf = async (attempt: Promise<unknown>) => {
  try {
    await attempt;
    return 'ok';
  } catch (error) {
    return error instanceof DomainError ? error.code : String(error);
  }
};

describe('the console follower reads on the embedded engine', () => {
  let table: TestTable;
  let fans: FanConsole;
  let followers: DynamoFollowers;

  beforeAll(async () => {
    table = await freshTable('fan-console');
    fans = fanConsole({ table: { client: table.client, table: table.name } });
    followers = new DynamoFollowers(table.client, table.name);
  });

  it('finds a contact across the accounts the tenant owns, each with its own openid and subscription', async () => {
    // Prepare
    const { account: first } = await seedOwnedAccount(table.client, table.name, 't-contact');
    const { account: second } = await seedOwnedAccount(table.client, table.name, 't-contact');
    await followers.putAll([
      follower(first.appid, 't-contact', 1, { unionid: 'oUnion-shared-1' }),
      follower(second.appid, 't-contact', 2, { unionid: 'oUnion-shared-1', subscribed: false, unsubscribedAt: SEED_TIME }),
      follower(second.appid, 't-contact', 3, { unionid: 'oUnion-other' }),
    ]);

    // Act
    const contact = await fans.contact(admin('t-contact'), 'oUnion-shared-1');

    // Assess
    expect(contact).toEqual({
      unionid: 'oUnion-shared-1',
      accounts: [
        { appid: first.appid, openid: follower(first.appid, '', 1).openid, subscribed: true, subscribedAt: SEED_TIME },
        { appid: second.appid, openid: follower(second.appid, '', 2).openid, subscribed: false, subscribedAt: SEED_TIME, unsubscribedAt: SEED_TIME },
      ].sort((a, b) => a.appid.localeCompare(b.appid)),
    });
  });

  it("never shows another tenant's followers nor those of an account shared with the tenant", async () => {
    // Prepare
    const { account } = await seedOwnedAccount(table.client, table.name, 't-owner');
    await seedSharedLink(table.client, table.name, 't-recipient', account.appid);
    await followers.putAll([follower(account.appid, 't-owner', 1, { unionid: 'oUnion-owner-only' })]);

    // Act
    const [recipient, stranger] = await Promise.all([
      fans.contact(admin('t-recipient'), 'oUnion-owner-only'),
      fans.contact(admin('t-stranger'), 'oUnion-owner-only'),
    ]);

    // Assess
    expect([recipient.accounts, stranger.accounts]).toEqual([[], []]);
  });

  it("shows a member only the contacts of its departments' accounts", async () => {
    // Prepare
    const { account: granted } = await seedOwnedAccount(table.client, table.name, 't-members');
    const { account: other } = await seedOwnedAccount(table.client, table.name, 't-members');
    await seedGrants(table.client, table.name, 't-members', 'sales', [granted.appid]);
    await followers.putAll([
      follower(granted.appid, 't-members', 1, { unionid: 'oUnion-members' }),
      follower(other.appid, 't-members', 2, { unionid: 'oUnion-members' }),
    ]);

    // Act
    const contact = await fans.contact(member('t-members', ['sales']), 'oUnion-members');

    // Assess
    expect(contact.accounts.map((entry) => entry.appid)).toEqual([granted.appid]);
  });

  it('pages through only the unsubscribed followers without repeating or missing one', async () => {
    // Prepare
    const { account } = await seedOwnedAccount(table.client, table.name, 't-pages');
    const all = Array.from({ length: 1_500 }, (_, n) =>
      follower(account.appid, 't-pages', n, n % 7 === 0 ? { subscribed: false, unsubscribedAt: SEED_TIME } : {}),
    );
    await followers.putAll(all);
    const seen: string[] = [];

    // Act
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await fans.fans(admin('t-pages'), account.appid, { limit: 40, subscribed: false, ...(cursor ? { cursor } : {}) });
      seen.push(...page.fans.map((fan) => fan.openid));
      cursor = page.nextCursor ?? undefined;
      pages += 1;
    } while (cursor);

    // Assess
    expect(seen).toEqual(all.filter((f) => !f.subscribed).map((f) => f.openid));
    expect(pages).toBe(Math.ceil(seen.length / 40));
  });

  it('refuses the followers of a shared account to its recipient and hides them from other tenants', async () => {
    // Prepare
    const { account } = await seedOwnedAccount(table.client, table.name, 't-hidden');
    await seedSharedLink(table.client, table.name, 't-hidden-recipient', account.appid);

    // Act
    const codes = await Promise.all([
      codeOf(fans.fans(admin('t-hidden-recipient'), account.appid, { limit: 10 })),
      codeOf(fans.fans(admin('t-hidden-stranger'), account.appid, { limit: 10 })),
      codeOf(fans.fans(member('t-hidden', ['nobody']), account.appid, { limit: 10 })),
      codeOf(fans.fans(admin('t-hidden'), account.appid, { limit: 10 })),
    ]);

    // Assess
    expect(codes).toEqual(['forbidden', 'not_found', 'forbidden', 'ok']);
  });

  it('refuses to start a sync of an account that is no longer active', async () => {
    // Prepare
    const { account } = await seedOwnedAccount(table.client, table.name, 't-revoked', { account: { status: 'revoked' } });

    // Act
    const code = await codeOf(fans.startSync(admin('t-revoked'), account.appid));

    // Assess
    expect(code).toBe('account_not_active');
  });

  it('answers not_found for a job the account never had', async () => {
    // Prepare
    const { account } = await seedOwnedAccount(table.client, table.name, 't-jobs');

    // Act
    const code = await codeOf(fans.job(admin('t-jobs'), account.appid, '00000000000000000000'));

    // Assess
    expect(code).toBe('not_found');
  });
});
