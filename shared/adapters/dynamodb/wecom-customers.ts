/**
 * WeCom customers and customer-sync jobs in the table (the layout of `shared/domain/wecom/ports.ts`):
 *
 * | item | pk | sk |
 * |---|---|---|
 * | customer | `WECOM_CORP#<corpId>` | `CUSTOMER#<externalUserId>` |
 * | job | `WECOM_CORP#<corpId>` | `SYNC#<jobId>` |
 * | the corp's running-job slot | `WECOM_CORP#<corpId>` | `SYNC-RUNNING` (`jobId`) |
 * | a recorded step | `WECOM_CORP#<corpId>` | `SYNCSTEP#<jobId>#<SHA-256 of the step key, 32 hex>` (`next` steps as JSON); `ttl` 30 days |
 *
 * - A customer holds each member's follow info in its own attribute `f#<userId>`, so that pages of
 *   different members (running side by side) merge with one UpdateItem each, never overwriting one
 *   another; dropping a member's follow info is a REMOVE of its attribute.
 * - A step is recorded by one transaction: its record (`attribute_not_exists`) and the job's `open`
 *   counter and counts (only while the job runs or is paused; a paused job runs again). Once its next
 *   steps are sent the record says so (`sent`); a second delivery is refused by the record and sends
 *   them again only when they were not (the first delivery died in between) — re-sending always would
 *   double the rest of the chain at each duplicate.
 */
import { createHash } from 'node:crypto';
import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure, isTransactionCancelled, refusedAt } from '#shared/db/conditions.ts';
import { decodeCursor, encodeCursor } from '#shared/db/cursor.ts';
import { queryPages, type Item } from '#shared/db/query-all.ts';
import type {
  CustomerStore,
  CustomerSyncJobState,
  CustomerSyncJobStore,
  CustomerSyncStep,
  ExternalContact,
  FollowInfo,
  LinkCandidate,
  StepRecord,
  StoredCustomer,
  WeComCustomer,
  WeComFollowUser,
} from '#shared/domain/wecom/ports.ts';

export const wecomCustomerKeys = {
  pk: (corpId: string) => `WECOM_CORP#${corpId}`,
  corpSk: 'CORP',
  customerSk: (externalUserId: string) => `CUSTOMER#${externalUserId}`,
  customerPrefix: 'CUSTOMER#',
  jobSk: (jobId: string) => `SYNC#${jobId}`,
  jobPrefix: 'SYNC#',
  slotSk: 'SYNC-RUNNING',
  stepSk: (jobId: string, key: string) => `SYNCSTEP#${jobId}#${createHash('sha256').update(key).digest('hex').slice(0, 32)}`,
  stepPrefix: 'SYNCSTEP#',
};

const FOLLOW = 'f#';
const STEP_TTL_SECONDS = 30 * 86_400;
/** Customer writes side by side within one page. */
const WRITE_CONCURRENCY = 10;

async function eachLimited<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await run(items[next++]!);
  });
  await Promise.all(lanes);
}

const isoOfSeconds = (seconds: number | undefined): string => new Date((seconds ?? 0) * 1000).toISOString();

export function customerFromItem(item: Item): StoredCustomer {
  const followUsers: WeComFollowUser[] = [];
  for (const [name, value] of Object.entries(item)) if (name.startsWith(FOLLOW)) followUsers.push(value as WeComFollowUser);
  followUsers.sort((a, b) => a.userId.localeCompare(b.userId));
  const customer: StoredCustomer = {
    externalUserId: String(item.externalUserId),
    name: String(item.name ?? ''),
    type: item.type === 'wecom' ? 'wecom' : 'wechat',
    followUsers,
    updatedAt: String(item.updatedAt),
  };
  if (typeof item.corpName === 'string') customer.corpName = item.corpName;
  if (typeof item.gender === 'number') customer.gender = item.gender;
  if (typeof item.avatar === 'string') customer.avatar = item.avatar;
  if (item.follower) customer.follower = item.follower as StoredCustomer['follower'] & object;
  if (typeof item.removedAt === 'string') customer.removedAt = item.removedAt;
  if (typeof item.lastSeenSyncId === 'string') customer.lastSeenSyncId = item.lastSeenSyncId;
  return customer;
}

const publicCustomer = (customer: StoredCustomer): WeComCustomer => {
  const { lastSeenSyncId: _job, ...rest } = customer;
  return rest;
};

function followOf(info: FollowInfo): WeComFollowUser {
  const follow: WeComFollowUser = { userId: info.userid, addedAt: isoOfSeconds(info.createtime), tagIds: info.tag_id ?? [] };
  if (info.remark) follow.remark = info.remark;
  if (info.add_way !== undefined) follow.addWay = info.add_way;
  return follow;
}

export class DynamoWeComCustomers implements CustomerStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private key(corpId: string, externalUserId: string) {
    return { pk: wecomCustomerKeys.pk(corpId), sk: wecomCustomerKeys.customerSk(externalUserId) };
  }

  async upsert(
    corpId: string,
    customers: readonly { contact: ExternalContact; follows: FollowInfo[] }[],
    context: { at: string; jobId?: string },
  ): Promise<void> {
    await eachLimited(customers, WRITE_CONCURRENCY, async ({ contact, follows }) => {
      const names: Record<string, string> = { '#type': 'type', '#name': 'name' };
      const values: Record<string, unknown> = {
        ':item': 'WeComCustomer',
        ':id': contact.external_userid,
        ':name': contact.name ?? '',
        ':ctype': contact.type === 2 ? 'wecom' : 'wechat',
        ':at': context.at,
      };
      const sets = ['itemType = :item', 'externalUserId = :id', '#name = :name', '#type = :ctype', 'updatedAt = :at'];
      const optional: [string, unknown][] = [
        ['corpName', contact.corp_name],
        ['gender', contact.gender],
        ['avatar', contact.avatar],
        ['lastSeenSyncId', context.jobId],
      ];
      for (const [field, value] of optional) {
        if (value === undefined || value === '') continue;
        sets.push(`${field} = :${field}`);
        values[`:${field}`] = value;
      }
      follows.forEach((info, index) => {
        names[`#f${index}`] = `${FOLLOW}${info.userid}`;
        values[`:f${index}`] = followOf(info);
        sets.push(`#f${index} = :f${index}`);
      });
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(corpId, contact.external_userid),
          UpdateExpression: `SET ${sets.join(', ')} REMOVE removedAt`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    });
  }

  async get(corpId: string, externalUserId: string): Promise<StoredCustomer | undefined> {
    const item = (await this.client.send(new GetCommand({ TableName: this.table, Key: this.key(corpId, externalUserId), ConsistentRead: true }))).Item;
    return item ? customerFromItem(item) : undefined;
  }

  async dropFollow(corpId: string, externalUserId: string, userId: string, at: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(corpId, externalUserId),
          UpdateExpression: 'SET updatedAt = :at REMOVE #follow',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#follow': `${FOLLOW}${userId}` },
          ExpressionAttributeValues: { ':at': at },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async dropFollowsOf(corpId: string, userIds: ReadonlySet<string>, at: string): Promise<number> {
    let changed = 0;
    for await (const page of this.pages(corpId)) {
      const touched = page.map(customerFromItem).filter((customer) => customer.followUsers.some((follow) => userIds.has(follow.userId)));
      await eachLimited(touched, WRITE_CONCURRENCY, async (customer) => {
        const gone = customer.followUsers.filter((follow) => userIds.has(follow.userId));
        const names = Object.fromEntries(gone.map((follow, index) => [`#f${index}`, `${FOLLOW}${follow.userId}`]));
        await this.client.send(
          new UpdateCommand({
            TableName: this.table,
            Key: this.key(corpId, customer.externalUserId),
            UpdateExpression: `SET updatedAt = :at REMOVE ${Object.keys(names).join(', ')}`,
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: { ':at': at },
          }),
        );
        changed += 1;
      });
    }
    return changed;
  }

  async markRemoved(corpId: string, externalUserId: string, at: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(corpId, externalUserId),
          UpdateExpression: 'SET removedAt = if_not_exists(removedAt, :at), updatedAt = :at',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':at': at },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async count(corpId: string): Promise<number> {
    let total = 0;
    let startKey: Item | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          FilterExpression: 'attribute_not_exists(removedAt)',
          ExpressionAttributeValues: { ':pk': wecomCustomerKeys.pk(corpId), ':prefix': wecomCustomerKeys.customerPrefix },
          Select: 'COUNT',
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      total += page.Count ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return total;
  }

  async page(
    corpId: string,
    request: { limit: number; cursor?: string; linked?: boolean },
  ): Promise<{ customers: WeComCustomer[]; nextCursor: string | null }> {
    const pk = wecomCustomerKeys.pk(corpId);
    let startKey: Item | undefined = decodeCursor(request.cursor, { pk: { equals: pk }, sk: { startsWith: wecomCustomerKeys.customerPrefix } });
    const customers: WeComCustomer[] = [];
    // A filtered page reads on until it is full (at most 10 reads), like the followers' pages.
    for (let reads = 0; reads < 10 && customers.length < request.limit; reads += 1) {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': pk, ':prefix': wecomCustomerKeys.customerPrefix },
          ...(request.linked === undefined ? {} : { FilterExpression: request.linked ? 'attribute_exists(follower)' : 'attribute_not_exists(follower)' }),
          Limit: request.limit - customers.length,
          ExclusiveStartKey: startKey,
        }),
      );
      customers.push(...(page.Items ?? []).map((item) => publicCustomer(customerFromItem(item))));
      startKey = page.LastEvaluatedKey;
      if (!startKey) break;
    }
    return { customers, nextCursor: encodeCursor(startKey ? { pk: startKey.pk, sk: startKey.sk } : undefined) };
  }

  async setFollower(corpId: string, externalUserId: string, follower: LinkCandidate | undefined): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(corpId, externalUserId),
          UpdateExpression: follower ? 'SET follower = :follower' : 'REMOVE follower',
          ConditionExpression: 'attribute_exists(pk)',
          ...(follower ? { ExpressionAttributeValues: { ':follower': { appid: follower.appid, openid: follower.openid, unionid: follower.unionid } } } : {}),
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  pages(corpId: string): AsyncGenerator<Item[]> {
    return queryPages(this.client, this.table, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': wecomCustomerKeys.pk(corpId), ':prefix': wecomCustomerKeys.customerPrefix },
      ConsistentRead: true,
    });
  }
}

const JOB_FIELDS = [
  'jobId',
  'corpId',
  'tenantId',
  'status',
  'phase',
  'open',
  'members',
  'customers',
  'linked',
  'pending',
  'failed',
  'startedAt',
  'updatedAt',
  'finishedAt',
  'error',
] as const;

function jobFromItem(item: Item): CustomerSyncJobState {
  const job = Object.fromEntries(JOB_FIELDS.filter((field) => item[field] !== undefined).map((field) => [field, item[field]]));
  return job as unknown as CustomerSyncJobState;
}

const PROGRESSING = { ':running': 'running', ':paused': 'paused_quota' };
const IS_PROGRESSING = '#status IN (:running, :paused)';

export class DynamoCustomerSyncJobs implements CustomerSyncJobStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private key(corpId: string, jobId: string) {
    return { pk: wecomCustomerKeys.pk(corpId), sk: wecomCustomerKeys.jobSk(jobId) };
  }

  async get(corpId: string, jobId: string): Promise<CustomerSyncJobState | undefined> {
    const item = (await this.client.send(new GetCommand({ TableName: this.table, Key: this.key(corpId, jobId), ConsistentRead: true }))).Item;
    return item ? jobFromItem(item) : undefined;
  }

  async held(corpId: string): Promise<CustomerSyncJobState | undefined> {
    const slot = (
      await this.client.send(
        new GetCommand({ TableName: this.table, Key: { pk: wecomCustomerKeys.pk(corpId), sk: wecomCustomerKeys.slotSk }, ConsistentRead: true }),
      )
    ).Item;
    if (!slot) return undefined;
    return (await this.get(corpId, String(slot.jobId))) ?? ({ jobId: String(slot.jobId) } as CustomerSyncJobState);
  }

  async create(job: CustomerSyncJobState, replacing: string | undefined): Promise<boolean> {
    const pk = wecomCustomerKeys.pk(job.corpId);
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: { ...this.key(job.corpId, job.jobId), itemType: 'WeComCustomerSync', ...job },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.table,
                Item: { pk, sk: wecomCustomerKeys.slotSk, jobId: job.jobId, at: job.startedAt },
                ConditionExpression: replacing === undefined ? 'attribute_not_exists(pk)' : 'jobId = :replacing',
                ...(replacing === undefined ? {} : { ExpressionAttributeValues: { ':replacing': replacing } }),
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (isTransactionCancelled(error)) return false;
      throw error;
    }
  }

  async markRunning(corpId: string, jobId: string, run: { members: number; open: number; at: string }): Promise<CustomerSyncJobState | undefined> {
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(corpId, jobId),
          UpdateExpression: 'SET #status = :running, members = :members, #open = :open, updatedAt = :at',
          ConditionExpression: '#status = :queued',
          ExpressionAttributeNames: { '#status': 'status', '#open': 'open' },
          ExpressionAttributeValues: { ':running': 'running', ':queued': 'queued', ':members': run.members, ':open': run.open, ':at': run.at },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return result.Attributes ? jobFromItem(result.Attributes) : undefined;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async record(corpId: string, jobId: string, step: StepRecord): Promise<{ recorded: boolean; next: CustomerSyncStep[]; job?: CustomerSyncJobState }> {
    const stepKey = { pk: wecomCustomerKeys.pk(corpId), sk: wecomCustomerKeys.stepSk(jobId, step.key) };
    const counts = Object.entries(step.counts ?? {}).filter(([, n]) => n !== undefined && n > 0);
    const adds = ['#open :delta', ...counts.map(([field]) => `#${field} :${field}`)];
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: {
                  ...stepKey,
                  key: step.key,
                  next: JSON.stringify(step.next),
                  at: step.at,
                  ttl: Math.floor(Date.parse(step.at) / 1000) + STEP_TTL_SECONDS,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Update: {
                TableName: this.table,
                Key: this.key(corpId, jobId),
                UpdateExpression: `SET #status = :running, updatedAt = :at ADD ${adds.join(', ')}`,
                ConditionExpression: IS_PROGRESSING,
                ExpressionAttributeNames: { '#status': 'status', '#open': 'open', ...Object.fromEntries(counts.map(([field]) => [`#${field}`, field])) },
                ExpressionAttributeValues: {
                  ...PROGRESSING,
                  ':at': step.at,
                  ':delta': step.next.length - 1,
                  ...Object.fromEntries(counts.map(([field, n]) => [`:${field}`, n])),
                },
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (!isTransactionCancelled(error)) throw error;
      if (refusedAt(error, 0)) {
        const stored = (await this.client.send(new GetCommand({ TableName: this.table, Key: stepKey, ConsistentRead: true }))).Item;
        return { recorded: false, next: stored && stored.sent !== true ? (JSON.parse(String(stored.next)) as CustomerSyncStep[]) : [] };
      }
      if (refusedAt(error, 1)) return { recorded: false, next: [] };
      throw error;
    }
    const job = await this.get(corpId, jobId);
    return { recorded: true, next: step.next, ...(job ? { job } : {}) };
  }

  async markSent(corpId: string, jobId: string, key: string): Promise<void> {
    await this.client
      .send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: wecomCustomerKeys.pk(corpId), sk: wecomCustomerKeys.stepSk(jobId, key) },
          UpdateExpression: 'SET sent = :true',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':true': true },
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionFailure(error)) throw error;
      });
  }

  async pause(corpId: string, jobId: string, at: string): Promise<void> {
    await this.conditionalSet(corpId, jobId, 'SET #status = :paused, updatedAt = :at', '#status = :running', {
      ':paused': 'paused_quota',
      ':running': 'running',
      ':at': at,
    });
  }

  async fail(corpId: string, jobId: string, error: { code: string; message: string }, at: string): Promise<void> {
    await this.conditionalSet(
      corpId,
      jobId,
      'SET #status = :failed, #error = :error, updatedAt = :at, finishedAt = :at',
      `${IS_PROGRESSING} OR #status = :queued`,
      {
        ...PROGRESSING,
        ':queued': 'queued',
        ':failed': 'failed',
        ':error': error,
        ':at': at,
      },
    );
  }

  async startLinks(corpId: string, jobId: string, customers: number, open: number, at: string): Promise<boolean> {
    return this.conditionalSet(
      corpId,
      jobId,
      'SET phase = :links, customers = :customers, #open = :open, updatedAt = :at',
      `${IS_PROGRESSING} AND phase = :customersPhase AND #open = :zero`,
      { ...PROGRESSING, ':links': 'links', ':customersPhase': 'customers', ':customers': customers, ':open': open, ':zero': 0, ':at': at },
    );
  }

  async complete(corpId: string, jobId: string, at: string): Promise<boolean> {
    const done = await this.conditionalSet(
      corpId,
      jobId,
      'SET #status = :done, updatedAt = :at, finishedAt = :at',
      `${IS_PROGRESSING} AND phase = :links AND #open = :zero`,
      { ...PROGRESSING, ':done': 'done', ':links': 'links', ':zero': 0, ':at': at },
    );
    if (done) await this.summarize(corpId, jobId, at);
    return done;
  }

  /** The corp's `customers` and `links` summaries (API.md `WeComCorp`), exact: the job's count and the corp's links. */
  private async summarize(corpId: string, jobId: string, at: string): Promise<void> {
    const job = await this.get(corpId, jobId);
    const links = { linked: 0, pending: 0, lastRunAt: at };
    for await (const page of queryPages(this.client, this.table, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': wecomCustomerKeys.pk(corpId), ':prefix': 'LINK#' },
      ProjectionExpression: 'externalUserId, pendingId',
      ConsistentRead: true,
    })) {
      for (const item of page) {
        if (item.externalUserId) links.linked += 1;
        else if (item.pendingId) links.pending += 1;
      }
    }
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: wecomCustomerKeys.pk(corpId), sk: wecomCustomerKeys.corpSk },
          UpdateExpression: 'SET customers = :customers, links = :links',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':customers': { total: job?.customers ?? 0, lastSyncAt: at }, ':links': links },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  private async conditionalSet(corpId: string, jobId: string, update: string, condition: string, values: Record<string, unknown>): Promise<boolean> {
    const names: Record<string, string> = { '#status': 'status' };
    if (update.includes('#open') || condition.includes('#open')) names['#open'] = 'open';
    if (update.includes('#error')) names['#error'] = 'error';
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(corpId, jobId),
          UpdateExpression: update,
          ConditionExpression: `attribute_exists(pk) AND (${condition})`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
