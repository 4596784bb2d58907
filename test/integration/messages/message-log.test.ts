/**
 * Issue 13: every verified push of a held account is stored under its eventId before WeChat's answer
 * and reaches the bus from the outbox, at least once and once per eventId (API.md §2, §6). The
 * message log and the outbox on the embedded engine, the local bus stand-in as the bus.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoEventOutbox, OUTBOX_SHARDS, outboxKeys } from '#shared/adapters/dynamodb/event-outbox.ts';
import { followerItem } from '#shared/adapters/dynamodb/followers.ts';
import { handleAccountMessage } from '#shared/domain/messages/account-message.ts';
import { logPush } from '#shared/domain/messages/message-log.ts';
import { parseAccountMessage } from '#shared/wechat/messages.ts';
import { parseXmlTree } from '#shared/wechat/xml.ts';
import { pushLog } from '#shared/wiring/messages.ts';
import { startLocalEventBus, type EventEnvelope, type LocalEventBus } from '#infra/local/event-bus.ts';
import { putItems, seedOwnedAccount, seedSharedLink } from '#test/support/seed.ts';
import { pushXml, section13 } from '#test/support/wechat-pushes.ts';
import { freshTable, type TestTable } from '#test/integration/support/table.ts';

let table: TestTable;
let bus: LocalEventBus;
let received: EventEnvelope[] = [];
let appid: string;
let userName: string;
const createTime = 1_767_600_000;

beforeAll(async () => {
  table = await freshTable('message-log');
  bus = startLocalEventBus({ outbox: new DynamoEventOutbox(table.client, table.name), pollMs: 60_000 });
  bus.subscribe((envelope) => received.push(envelope));
});

afterAll(async () => {
  await bus.stop();
});

afterEach(() => {
  bus.refuse(false);
});

async function heldAccount(): Promise<void> {
  const { account } = await seedOwnedAccount(table.client, table.name, 'owner-co');
  appid = account.appid;
  userName = account.userName;
  await seedSharedLink(table.client, table.name, 'estate-a', appid);
  received = [];
}

const deps = () => pushLog({ table: { client: table.client, table: table.name } });

async function push(xml: string): Promise<void> {
  await handleAccountMessage(
    appid,
    parseAccountMessage(xml),
    {
      follows: { accept: async () => undefined },
      releaseTestQueue: { enqueue: async () => undefined },
      autoReplies: { replyTo: async () => undefined },
      pushLog: deps(),
    },
    parseXmlTree(xml),
  );
}

async function pendingCount(): Promise<number> {
  let count = 0;
  for (let shard = 0; shard < OUTBOX_SHARDS; shard += 1) {
    const answer = await table.client.send(
      new QueryCommand({
        TableName: table.name,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': outboxKeys.pk(shard) },
        ConsistentRead: true,
      }),
    );
    count += answer.Items?.filter((item) => (item.detail as { appid?: string } | undefined)?.appid === appid).length ?? 0;
  }
  return count;
}

describe('every message and event type of WECHAT.md §13', () => {
  beforeAll(async () => {
    await heldAccount();
  });

  it.each(section13.map((c) => [c.name, c] as const))('publishes a %s push with every field it carries', async (_name, c) => {
    // Prepare
    const xml = pushXml({ toUserName: userName, openid: `o_${c.name}`, createTime, msgType: c.msgType, body: c.body });
    const before = received.length;

    // Act
    await push(xml);
    await bus.drain();

    // Assess
    const published = received.slice(before);
    expect(published).toHaveLength(1);
    const envelope = published[0]!;
    expect(envelope).toMatchObject({
      version: '0',
      source: 'oa-hub',
      'detail-type': c.msgType === 'event' ? 'WeChat Event Received' : 'WeChat Message Received',
      resources: [],
    });
    expect(envelope.detail).toEqual({
      eventId: expect.stringMatching(c.msgType === 'event' ? /^evt:[0-9a-f]{64}$/ : new RegExp(`^msg:${appid}:\\d+$`)),
      appid,
      ownerTenantId: 'owner-co',
      sharedTenantIds: ['estate-a'],
      openid: `o_${c.name}`,
      msgType: c.msgType,
      ...(c.event ? { event: c.event } : {}),
      ...(c.eventKey ? { eventKey: c.eventKey } : {}),
      createTime,
      receivedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      fields: { ToUserName: userName, ...c.fields },
    });
  });
});

describe('the message log and the outbox', () => {
  beforeEach(async () => {
    await heldAccount();
  });

  it('publishes one event for a push WeChat delivered four times', async () => {
    // Prepare
    const xml = pushXml({
      toUserName: userName,
      openid: 'o_retry',
      createTime,
      msgType: 'event',
      body: '<Event><![CDATA[CLICK]]></Event><EventKey><![CDATA[V1001_TODAY]]></EventKey>',
    });

    // Act
    for (let delivery = 0; delivery < 4; delivery += 1) await push(xml);
    await bus.drain();

    // Assess
    expect(received.map((envelope) => envelope.detail.eventId)).toHaveLength(1);
  });

  it('stores the push under its eventId for 30 days before anything is published', async () => {
    // Prepare
    const xml = pushXml({ toUserName: userName, openid: 'o_store', createTime, msgType: 'text', body: '<Content><![CDATA[hi]]></Content><MsgId>42</MsgId>' });

    // Act
    await push(xml);

    // Assess
    const item = (await table.client.send(new GetCommand({ TableName: table.name, Key: { pk: `PUSH#msg:${appid}:42`, sk: 'PUSH' }, ConsistentRead: true })))
      .Item;
    expect(item?.push).toMatchObject({ eventId: `msg:${appid}:42`, fields: { Content: 'hi', MsgId: '42' } });
    expect(item!.ttl - Math.floor(Date.now() / 1000)).toBeGreaterThan(30 * 86_400 - 60);
    expect(await pendingCount()).toBe(1);
  });

  it('loses nothing while the bus refuses and publishes once it recovers', async () => {
    // Prepare
    bus.refuse(true);
    const xml = pushXml({
      toUserName: userName,
      openid: 'o_outage',
      createTime,
      msgType: 'text',
      body: '<Content><![CDATA[during the outage]]></Content><MsgId>43</MsgId>',
    });
    await push(xml);
    await expect(bus.drain()).rejects.toThrow(/refuses|not taken/);
    const pendingDuringOutage = await pendingCount();

    // Act
    bus.refuse(false);
    await bus.drain();

    // Assess
    expect({
      pendingDuringOutage,
      published: received.filter((envelope) => envelope.detail.appid === appid).map((envelope) => envelope.detail.eventId),
      pendingAfter: await pendingCount(),
    }).toEqual({
      pendingDuringOutage: 1,
      published: [`msg:${appid}:43`],
      pendingAfter: 0,
    });
  });

  it('adds the follower’s unionid when the hub knows it', async () => {
    // Prepare
    await putItems(table.client, table.name, [
      followerItem({
        appid,
        openid: 'o_known',
        tenantId: 'owner-co',
        unionid: 'u_known',
        subscribed: true,
        tagIds: [],
        updatedAt: '2026-01-01T00:00:00.000Z',
      } as never),
    ]);
    const xml = pushXml({
      toUserName: userName,
      openid: 'o_known',
      createTime,
      msgType: 'text',
      body: '<Content><![CDATA[hello]]></Content><MsgId>44</MsgId>',
    });

    // Act
    await push(xml);
    await bus.drain();

    // Assess
    expect(received[0]?.detail).toMatchObject({ openid: 'o_known', unionid: 'u_known' });
  });

  it('neither logs nor publishes the push of an account no tenant holds', async () => {
    // Prepare
    const { account } = await seedOwnedAccount(table.client, table.name, 'gone-co', { account: { status: 'unbound' } });
    const xml = pushXml({
      toUserName: account.userName,
      openid: 'o_unbound',
      createTime,
      msgType: 'text',
      body: '<Content><![CDATA[x]]></Content><MsgId>45</MsgId>',
    });

    // Act
    const outcome = await logPush(account.appid, parseXmlTree(xml), deps());
    await bus.drain();

    // Assess
    expect({ outcome: outcome.kind, published: received.length }).toEqual({ outcome: 'not_held', published: 0 });
  });
});
