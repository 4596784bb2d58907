/**
 * A follower's history (`GET /v1/accounts/{appid}/fans/{openid}/history`) on the embedded engine:
 * the events the follow path recorded, newest first, with the owner's rule of the follower routes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoFollowEvents } from '#shared/adapters/dynamodb/follow-history.ts';
import type { Caller } from '#shared/auth/caller.ts';
import { FollowEvents } from '#shared/domain/fans/follow-events.ts';
import { followerHistory } from '#shared/domain/fans/history.ts';
import type { FollowEvent } from '#shared/domain/messages/account-message.ts';
import { DomainError } from '#shared/errors/domain-errors.ts';
import { fanHistory } from '#shared/wiring/fans.ts';
import { freshTable, type TestTable } from '#test/integration/support/table.ts';
import { seedGrants, seedOwnedAccount, seedSharedLink } from '#test/support/seed.ts';

const OWNER = 't-history';
const admin = (tenantId: string): Caller => ({ tenantId, userId: 'admin', isAdmin: true, departments: [] });
const member = (tenantId: string, departments: string[]): Caller => ({ tenantId, userId: 'member', isAdmin: false, departments });
const OPENID = 'oHistory000000000000000000a1';
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

const codeOf = async (attempt: Promise<unknown>): Promise<string> => {
  try {
    await attempt;
    return 'ok';
  } catch (error) {
    return error instanceof DomainError ? error.code : String(error);
  }
};

describe("a follower's history on the embedded engine", () => {
  let table: TestTable;
  const history = (caller: Caller, appid: string, openid = OPENID) =>
    followerHistory(caller, appid, openid, fanHistory({ table: { client: table.client, table: table.name } }));

  /** An owned account whose follower followed through a QR code, left, and followed again. */
  const accountWithHistory = async (): Promise<string> => {
    const { account } = await seedOwnedAccount(table.client, table.name, OWNER);
    const events = new FollowEvents({
      store: new DynamoFollowEvents(table.client, table.name),
      profile: () => Promise.reject(new Error('no profile in this test')),
    });
    const pushes: FollowEvent[] = [
      { appid: account.appid, openid: OPENID, event: 'subscribe', createTime: 1_800_000_000, eventKey: 'qrscene_spring-poster' },
      { appid: account.appid, openid: OPENID, event: 'unsubscribe', createTime: 1_800_000_100 },
      { appid: account.appid, openid: OPENID, event: 'subscribe', createTime: 1_800_000_200 },
    ];
    for (const push of pushes) await events.accept(push);
    return account.appid;
  };

  beforeAll(async () => {
    table = await freshTable('fan-history');
  });

  it('lists the follow and unfollow events newest first, a QR code subscribe with its scene', async () => {
    // Prepare
    const appid = await accountWithHistory();

    // Act
    const answer = await history(admin(OWNER), appid);

    // Assess
    expect(answer).toEqual({
      events: [
        { at: iso(1_800_000_200), event: 'subscribe' },
        { at: iso(1_800_000_100), event: 'unsubscribe' },
        { at: iso(1_800_000_000), event: 'subscribe', scene: 'spring-poster' },
      ],
    });
  });

  it('answers 404 for an openid that is no follower of the account', async () => {
    // Prepare
    const appid = await accountWithHistory();

    // Act
    const code = await codeOf(history(admin(OWNER), appid, 'oNobody00000000000000000000a'));

    // Assess
    expect(code).toBe('not_found');
  });

  it("answers 404 to another tenant, as for the account, and never shows the owner's follower", async () => {
    // Prepare
    const appid = await accountWithHistory();

    // Act
    const code = await codeOf(history(admin('t-history-stranger'), appid));

    // Assess
    expect(code).toBe('not_found');
  });

  it('answers 403 to a tenant the account is shared with: followers are the owner’s', async () => {
    // Prepare
    const appid = await accountWithHistory();
    await seedSharedLink(table.client, table.name, 't-history-recipient', appid);

    // Act
    const code = await codeOf(history(admin('t-history-recipient'), appid));

    // Assess
    expect(code).toBe('forbidden');
  });

  it('answers 403 to a member whose departments were not granted the account, and the history to one whose were', async () => {
    // Prepare
    const appid = await accountWithHistory();
    await seedGrants(table.client, table.name, OWNER, 'history-sales', [appid]);

    // Act
    const [outside, inside] = await Promise.all([
      codeOf(history(member(OWNER, ['history-support']), appid)),
      codeOf(history(member(OWNER, ['history-sales']), appid)),
    ]);

    // Assess
    expect([outside, inside]).toEqual(['forbidden', 'ok']);
  });
});
