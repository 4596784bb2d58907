import { randomBytes } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoFollowers } from '#shared/adapters/dynamodb/followers.ts';
import { DynamoCustomerSyncJobs, DynamoWeComCustomers, wecomCustomerKeys } from '#shared/adapters/dynamodb/wecom-customers.ts';
import { DynamoCustomerDataRemoval, DynamoLinkFollowers, DynamoRateBucket, DynamoWeComLinks } from '#shared/adapters/dynamodb/wecom-links.ts';
import { queryAll } from '#shared/db/query-all.ts';
import { CustomerChanges } from '#shared/domain/wecom/changes.ts';
import { CustomerConsole } from '#shared/domain/wecom/customer-console.ts';
import { CustomerSyncWorker } from '#shared/domain/wecom/customer-sync.ts';
import { CustomerLinker, queuedLinkRequests } from '#shared/domain/wecom/link.ts';
import type { CustomerChangedEvent, CustomerSyncStep, WeComCallbackEvent } from '#shared/domain/wecom/ports.ts';
import { seedOwnedAccount, SEED_TIME } from '#test/support/seed.ts';
import { freshTable, type TestTable } from '#test/integration/support/table.ts';
import { buildCorp, CORP_TOKEN, corpToken, StepBox, type FakeCorp } from '#test/integration/wecom-customers/support.ts';

type Delivery = 'once' | 'twice';

function harness(table: TestTable, corp: FakeCorp, tenantId: string) {
  const corpId = `wwCorp${randomBytes(6).toString('hex')}`;
  const queue = new StepBox();
  const jobs = new DynamoCustomerSyncJobs(table.client, table.name);
  const customers = new DynamoWeComCustomers(table.client, table.name);
  const links = new DynamoWeComLinks(table.client, table.name);
  const followers = new DynamoLinkFollowers(table.client, table.name);
  const logs: string[] = [];
  const log = {
    info: (message: string, fields?: object) => logs.push(JSON.stringify({ message, fields })),
    warn: (message: string, fields?: object) => logs.push(JSON.stringify({ message, fields })),
  };
  const linker = new CustomerLinker({ wecom: corp, tokens: () => corpToken, bucket: new DynamoRateBucket(table.client, table.name), links, customers });
  const worker = new CustomerSyncWorker({ jobs, customers, followers, linker, wecom: corp, tokens: () => corpToken, queue, log });
  const console = new CustomerConsole({
    gate: { enabled: async () => true },
    corps: { ofTenant: async () => ({ corpId, status: 'installed' }) as never },
    jobs,
    customers,
    queue,
  });
  const events: CustomerChangedEvent[] = [];
  const changes = new CustomerChanges({
    wecom: corp,
    tokens: () => corpToken,
    customers,
    followers,
    links: queuedLinkRequests(queue),
    events: { customerChanged: async (event) => void events.push(event) },
  });
  const admin = { tenantId, isAdmin: true };

  /** Delivers every pending step (each once or twice) until none is left; a step that throws is delivered again. */
  async function drain(delivery: Delivery = 'once', around?: (step: CustomerSyncStep, run: () => Promise<void>) => Promise<void>): Promise<number> {
    let delivered = 0;
    while (queue.pending.length > 0) {
      const step = queue.pending.shift()!;
      const run = () => worker.handle(step, { last: false });
      for (let copy = 0; copy < (delivery === 'twice' ? 2 : 1); copy += 1) {
        try {
          await (around ? around(step, run) : run());
        } catch {
          queue.pending.push(step); // the queue redelivers after the visibility timeout
        }
        delivered += 1;
      }
    }
    return delivered;
  }

  return { corpId, queue, jobs, customers, links, worker, console, changes, events, logs, admin, drain };
}

async function seedFollowers(table: TestTable, tenantId: string, unionids: string[], withoutUnionid = 0): Promise<string> {
  const { account } = await seedOwnedAccount(table.client, table.name, tenantId);
  const store = new DynamoFollowers(table.client, table.name);
  const follower = (n: number, unionid?: string) => ({
    appid: account.appid,
    openid: `oFan${String(n).padStart(24, '0')}`,
    tenantId,
    subscribed: true,
    subscribedAt: SEED_TIME,
    tagIds: [],
    updatedAt: SEED_TIME,
    ...(unionid ? { unionid } : {}),
  });
  await store.putAll([...unionids.map((unionid, n) => follower(n, unionid)), ...Array.from({ length: withoutUnionid }, (_, n) => follower(10_000 + n))]);
  return account.appid;
}

const tenant = () => `t-wecom-${randomBytes(4).toString('hex')}`;

describe('the WeCom customer sync and link on the embedded engine', () => {
  let table: TestTable;

  beforeAll(async () => {
    table = await freshTable('wecom-customers');
  });

  it('syncs every customer of every member once, with every member following a customer merged across batches, then links the followers', async () => {
    // Prepare: 250 members (3 batches), 450 customers (a third followed by a member of another batch), 120 of them followers
    const tenantId = tenant();
    const corp = buildCorp({ members: 250, customers: 450, unionids: 120 });
    const unionids = [...Array.from({ length: 120 }, (_, n) => `oUnion${String(n).padStart(6, '0')}`), 'oUnionNotACustomer1', 'oUnionNotACustomer2'];
    await seedFollowers(table, tenantId, unionids, 40);
    const h = harness(table, corp, tenantId);

    // Act
    const { jobId } = await h.console.startSync(h.admin);
    await h.drain();

    // Assess
    const job = await h.console.job(h.admin, jobId);
    expect(job).toMatchObject({ status: 'done', members: 250, customers: 450, linked: 120, pending: 2, failed: 0 });
    const stored = await h.customers.get(h.corpId, 'wmCustomer000003');
    expect(stored?.followUsers.map((follow) => follow.userId)).toEqual(corp.customers[3]!.followers.slice().sort());
    expect(stored?.follower).toMatchObject({ unionid: 'oUnion000003' });
    const relations = corp.customers.reduce((sum, customer) => sum + customer.followers.length, 0);
    const floor = [0, 1, 2].reduce((sum, batch) => {
      const members = new Set(corp.members.slice(batch * 100, batch * 100 + 100));
      const inBatch = corp.customers.reduce((n, customer) => n + customer.followers.filter((member) => members.has(member)).length, 0);
      return sum + Math.max(1, Math.ceil(inBatch / 100));
    }, 0);
    expect(relations).toBeGreaterThan(450);
    expect(corp.calls).toEqual({ get_follow_user_list: 1, 'batch/get_by_user': floor, 'idconvert/unionid_to_external_userid': 122 });
  });

  it('lists the customers page by page, only the linked ones when asked', async () => {
    // Prepare
    const tenantId = tenant();
    const corp = buildCorp({ members: 5, customers: 30, unionids: 4 });
    await seedFollowers(table, tenantId, ['oUnion000000', 'oUnion000001', 'oUnion000002', 'oUnion000003']);
    const h = harness(table, corp, tenantId);
    await h.console.startSync(h.admin);
    await h.drain();

    // Act
    const first = await h.console.customers(h.admin, { limit: 20 });
    const second = await h.console.customers(h.admin, { limit: 20, cursor: first.nextCursor! });
    const linked = await h.console.customers(h.admin, { limit: 100, linked: true });

    // Assess
    expect(first.customers).toHaveLength(20);
    expect(second.customers).toHaveLength(10);
    expect(second.nextCursor).toBeNull();
    expect(linked.customers.map((customer) => customer.follower?.unionid).sort()).toEqual(['oUnion000000', 'oUnion000001', 'oUnion000002', 'oUnion000003']);
  });

  it('counts exactly when every step is delivered twice', async () => {
    // Prepare
    const tenantId = tenant();
    const corp = buildCorp({ members: 150, customers: 160, unionids: 20 });
    await seedFollowers(
      table,
      tenantId,
      Array.from({ length: 20 }, (_, n) => `oUnion${String(n).padStart(6, '0')}`),
    );
    const h = harness(table, corp, tenantId);

    // Act
    const { jobId } = await h.console.startSync(h.admin);
    await h.drain('twice');

    // Assess
    expect(await h.console.job(h.admin, jobId)).toMatchObject({ status: 'done', members: 150, customers: 160, linked: 20, pending: 0, failed: 0 });
    expect(await h.customers.count(h.corpId)).toBe(160);
  });

  it('loses nothing when the worker dies mid-page, after writing part of it or before sending the next page', async () => {
    // Prepare: the 2nd page's worker dies after its first customer write; the 4th dies between recording and sending
    const tenantId = tenant();
    const corp = buildCorp({ members: 120, customers: 350 });
    await seedFollowers(table, tenantId, []);
    const h = harness(table, corp, tenantId);
    const upsert = h.customers.upsert.bind(h.customers);
    let pages = 0;
    h.customers.upsert = async (corpId, customers, context) => {
      pages += 1;
      if (pages === 2) {
        await upsert(corpId, customers.slice(0, 1), context);
        throw new Error('the worker was killed mid-page');
      }
      if (pages === 4) h.queue.sendFaults = 1;
      return upsert(corpId, customers, context);
    };

    // Act
    const { jobId } = await h.console.startSync(h.admin);
    await h.drain();

    // Assess
    expect(pages).toBeGreaterThan(4);
    expect(await h.console.job(h.admin, jobId)).toMatchObject({ status: 'done', members: 120, customers: 350 });
    const all = await queryAll(table.client, table.name, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': wecomCustomerKeys.pk(h.corpId), ':prefix': 'CUSTOMER#' },
    });
    const follows = all.reduce((n, item) => n + Object.keys(item).filter((name) => name.startsWith('f#')).length, 0);
    expect(follows).toBe(corp.customers.reduce((sum, customer) => sum + customer.followers.length, 0));
  });

  it('converts again only the followers a link step had not reached when its worker died', async () => {
    // Prepare: 100 followers in one link step; WeCom is unreachable on the 60th conversion
    const tenantId = tenant();
    const corp = buildCorp({ members: 2, customers: 100, unionids: 100 });
    await seedFollowers(
      table,
      tenantId,
      Array.from({ length: 100 }, (_, n) => `oUnion${String(n).padStart(6, '0')}`),
    );
    const h = harness(table, corp, tenantId);
    const convert = corp.unionidToExternalUserid.bind(corp);
    let conversions = 0;
    corp.unionidToExternalUserid = async (token, request) => {
      conversions += 1;
      if (conversions === 60) throw new Error('connection reset');
      return convert(token, request);
    };

    // Act
    const { jobId } = await h.console.startSync(h.admin);
    await h.drain();

    // Assess
    expect(await h.console.job(h.admin, jobId)).toMatchObject({ status: 'done', linked: 100, pending: 0, failed: 0 });
    expect(conversions).toBe(100 + 1);
  });

  it('pauses on WeCom frequency limits and resumes with the step put back, counting exactly', async () => {
    // Prepare
    const tenantId = tenant();
    const corp = buildCorp({ members: 10, customers: 150 });
    await seedFollowers(table, tenantId, []);
    const h = harness(table, corp, tenantId);
    const { jobId } = await h.console.startSync(h.admin);
    corp.faults.push({ api: 'batch/get_by_user', errcode: 45009, times: 1 });
    await h.drain();
    const paused = await h.console.job(h.admin, jobId);

    // Act
    h.queue.release();
    await h.drain();

    // Assess
    expect(paused.status).toBe('paused_quota');
    expect(await h.console.job(h.admin, jobId)).toMatchObject({ status: 'done', customers: 150 });
  });

  it('answers the running job to a second request (one sync per corp)', async () => {
    // Prepare
    const tenantId = tenant();
    const h = harness(table, buildCorp({ members: 1, customers: 1 }), tenantId);
    const { jobId } = await h.console.startSync(h.admin);

    // Act
    const again = await h.console.startSync(h.admin);

    // Assess
    expect(again.jobId).toBe(jobId);
  });

  it('applies customer changes from WeCom, a repeated push changing nothing, and removes the corp data', async () => {
    // Prepare
    const tenantId = tenant();
    const corp = buildCorp({ members: 4, customers: 8 });
    await seedFollowers(table, tenantId, []);
    const h = harness(table, corp, tenantId);
    await h.console.startSync(h.admin);
    await h.drain();
    const target = corp.customers[0]!; // followed by 2 members
    const [kept, dropped] = target.followers as [string, string];
    target.followers = [kept];
    const push = (changeType: string, externalUserId: string, userId: string): Extract<WeComCallbackEvent, { infoType: 'change_external_contact' }> => ({
      infoType: 'change_external_contact',
      suiteId: 'wwSuite',
      timeStamp: 1_765_000_000,
      authCorpId: h.corpId,
      changeType,
      externalUserId,
      userId,
    });
    const owner = { corpId: h.corpId, tenantId };

    // Act
    await h.changes.externalContactChanged(owner, push('del_follow_user', target.contact.external_userid, dropped));
    const afterFirst = await h.customers.get(h.corpId, target.contact.external_userid);
    await h.changes.externalContactChanged(owner, push('del_follow_user', target.contact.external_userid, dropped));
    const afterRepeat = await h.customers.get(h.corpId, target.contact.external_userid);
    corp.customers = corp.customers.filter((customer) => customer !== corp.customers[1]);
    await h.changes.externalContactChanged(owner, push('del_external_contact', 'wmCustomer000001', corp.members[1]!));
    await h.changes.visibleRangeChanged(owner, { departments: [], users: [corp.members[2]!], tags: [] }, { departments: [], users: [], tags: [] });

    // Assess
    expect(afterFirst?.followUsers.map((follow) => follow.userId)).toEqual([kept]);
    expect({ ...afterRepeat, updatedAt: 'x' }).toEqual({ ...afterFirst, updatedAt: 'x' });
    expect(new Set(h.events.map((event) => event.eventId)).size).toBe(2);
    expect(h.events[0]).toMatchObject({
      corpId: h.corpId,
      tenantId,
      changeType: 'del_follow_user',
      externalUserId: target.contact.external_userid,
      userId: dropped,
    });
    expect((await h.customers.get(h.corpId, 'wmCustomer000001'))?.removedAt).toBeDefined();
    expect((await h.customers.get(h.corpId, 'wmCustomer000002'))?.followUsers).toEqual([]);
    await new DynamoCustomerDataRemoval(table.client, table.name).removeAll(h.corpId);
    const left = await queryAll(table.client, table.name, {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': wecomCustomerKeys.pk(h.corpId) },
    });
    expect(left).toEqual([]);
  });

  it('keeps the corp token out of every job, customer, event and log line', async () => {
    // Prepare
    const tenantId = tenant();
    const corp = buildCorp({ members: 3, customers: 20, unionids: 2 });
    await seedFollowers(table, tenantId, ['oUnion000000', 'oUnion000001']);
    const h = harness(table, corp, tenantId);
    await table.client.send(new PutCommand({ TableName: table.name, Item: { pk: wecomCustomerKeys.pk(h.corpId), sk: 'CORP', corpId: h.corpId } }));
    const { jobId } = await h.console.startSync(h.admin);
    corp.faults.push({ api: 'batch/get_by_user', errcode: 45033, times: 1 });
    await h.drain();
    h.queue.release();
    await h.drain();
    await h.changes.externalContactChanged(
      { corpId: h.corpId, tenantId },
      {
        infoType: 'change_external_contact',
        suiteId: 's',
        timeStamp: 1,
        authCorpId: h.corpId,
        changeType: 'edit_external_contact',
        externalUserId: 'wmCustomer000004',
        userId: corp.members[1]!,
      },
    );

    // Act
    const seen = JSON.stringify([
      await h.console.job(h.admin, jobId),
      await h.console.customers(h.admin, { limit: 500 }),
      h.events,
      h.logs,
      await queryAll(table.client, table.name, { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': wecomCustomerKeys.pk(h.corpId) } }),
    ]);

    // Assess
    expect(corp.tokensSeen).toEqual(new Set([CORP_TOKEN]));
    expect(seen).not.toContain(CORP_TOKEN);
    expect(seen).toContain('wmCustomer000004');
  });
});
