/**
 * `GET /v1/accounts/{appid}/messages` (API.md §3): newest first, filtered by messages or events with
 * a Query of their own, paged by cursors, and read only by those who may read the followers.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '#shared/auth/caller.ts';
import { logPush } from '#shared/domain/messages/message-log.ts';
import { parseXmlTree } from '#shared/wechat/xml.ts';
import { messageConsole, pushLog } from '#shared/wiring/messages.ts';
import { seedGrants, seedOwnedAccount, seedSharedLink } from '#test/support/seed.ts';
import { pushXml } from '#test/support/wechat-pushes.ts';
import { freshTable, type TestTable } from '#test/integration/support/table.ts';

const admin = (tenantId: string): Caller => ({ tenantId, userId: 'admin', isAdmin: true, departments: [] });
const member = (tenantId: string, departments: string[]): Caller => ({ tenantId, userId: 'member', isAdmin: false, departments });

let table: TestTable;
let appid: string;

beforeAll(async () => {
  table = await freshTable('message-console');
  const { account } = await seedOwnedAccount(table.client, table.name, 'owner-co');
  appid = account.appid;
  await seedSharedLink(table.client, table.name, 'estate-a', appid);
  await seedGrants(table.client, table.name, 'owner-co', 'sales', [appid]);
  // Received one after the other: text 1, CLICK, text 2, subscribe.
  const pushes = [
    { msgType: 'text', body: '<Content><![CDATA[one]]></Content><MsgId>1</MsgId>' },
    { msgType: 'event', body: '<Event><![CDATA[CLICK]]></Event><EventKey><![CDATA[K]]></EventKey>' },
    { msgType: 'text', body: '<Content><![CDATA[two]]></Content><MsgId>2</MsgId>' },
    { msgType: 'event', body: '<Event><![CDATA[subscribe]]></Event><EventKey><![CDATA[]]></EventKey>' },
  ];
  for (const [index, push] of pushes.entries()) {
    const at = new Date(Date.now() - (60 - index) * 1000);
    const xml = pushXml({ toUserName: account.userName, openid: 'o_fan', createTime: 1_767_600_000 + index, ...push });
    await logPush(appid, parseXmlTree(xml), pushLog({ table: { client: table.client, table: table.name }, now: () => at }));
  }
});

const reads = () => messageConsole({ table: { client: table.client, table: table.name } });
const summary = (messages: { msgType: string; event?: string; fields: Record<string, unknown> }[]) => messages.map((m) => m.event ?? m.fields.Content);

describe('the message log in the console', () => {
  it('lists every push newest first', async () => {
    // Act
    const page = await reads().list(admin('owner-co'), appid, { limit: 10 });

    // Assess
    expect({ order: summary(page.messages), nextCursor: page.nextCursor }).toEqual({ order: ['subscribe', 'two', 'CLICK', 'one'], nextCursor: null });
  });

  it('lists only the messages with type=message', async () => {
    // Act
    const page = await reads().list(admin('owner-co'), appid, { limit: 10, type: 'message' });

    // Assess
    expect(summary(page.messages)).toEqual(['two', 'one']);
  });

  it('lists only the events with type=event', async () => {
    // Act
    const page = await reads().list(admin('owner-co'), appid, { limit: 10, type: 'event' });

    // Assess
    expect(summary(page.messages)).toEqual(['subscribe', 'CLICK']);
  });

  it('continues a page with its cursor', async () => {
    // Prepare
    const first = await reads().list(admin('owner-co'), appid, { limit: 3 });

    // Act
    const second = await reads().list(admin('owner-co'), appid, { limit: 3, cursor: first.nextCursor! });

    // Assess
    expect({ first: summary(first.messages), second: summary(second.messages) }).toEqual({ first: ['subscribe', 'two', 'CLICK'], second: ['one'] });
  });

  it('refuses a cursor of the other type’s list', async () => {
    // Prepare
    const events = await reads().list(admin('owner-co'), appid, { limit: 1, type: 'event' });

    // Act / Assess
    await expect(reads().list(admin('owner-co'), appid, { limit: 1, type: 'message', cursor: events.nextCursor! })).rejects.toMatchObject({
      code: 'validation_failed',
    });
  });

  it('lets a member of a granted department read them', async () => {
    // Act
    const page = await reads().list(member('owner-co', ['sales']), appid, { limit: 1 });

    // Assess
    expect(page.messages).toHaveLength(1);
  });

  it('refuses a member whose departments were not granted the account', async () => {
    // Act / Assess
    await expect(reads().list(member('owner-co', ['ops']), appid, { limit: 1 })).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('refuses the tenant the account was shared with', async () => {
    // Act / Assess
    await expect(reads().list(admin('estate-a'), appid, { limit: 1 })).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('answers not_found to another tenant', async () => {
    // Act / Assess
    await expect(reads().list(admin('stranger'), appid, { limit: 1 })).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('an expired push', () => {
  it('is no longer listed, even before TTL deleted it', async () => {
    // Prepare
    const { account } = await seedOwnedAccount(table.client, table.name, 'old-co');
    const xml = pushXml({
      toUserName: account.userName,
      openid: 'o_old',
      createTime: 1_700_000_000,
      msgType: 'text',
      body: '<Content><![CDATA[old]]></Content><MsgId>9</MsgId>',
    });
    await logPush(
      account.appid,
      parseXmlTree(xml),
      pushLog({ table: { client: table.client, table: table.name }, now: () => new Date(Date.now() - 31 * 86_400_000) }),
    );

    // Act
    const page = await reads().list(admin('old-co'), account.appid, { limit: 10 });

    // Assess
    expect(page.messages).toEqual([]);
  });
});

describe('a cursor changed by the client', () => {
  it('is refused when its table key no longer names the item its index key names', async () => {
    // Prepare
    const first = await reads().list(admin('owner-co'), appid, { limit: 1 });
    const key = JSON.parse(Buffer.from(first.nextCursor!, 'base64url').toString('utf8')) as Record<string, string>;
    const changed = Buffer.from(JSON.stringify({ ...key, pk: `${key.pk}-other` }), 'utf8').toString('base64url');

    // Act / Assess
    await expect(reads().list(admin('owner-co'), appid, { limit: 1, cursor: changed })).rejects.toMatchObject({ code: 'validation_failed' });
  });
});
