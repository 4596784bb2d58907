/**
 * The fan-sync job as the workers advance it (keys: `fan-sync-requests.ts`). Every counter moves
 * exactly once per step, whatever the number of deliveries:
 *
 * - a page is recorded by creating its ledger item (`attribute_not_exists`);
 * - a chunk is counted by one UpdateItem on its page ledger that sets the chunk's marker `c<n>`
 *   only if it is absent, adding its counts in the same expression;
 * - a complete page is settled on the job the same way (marker `p<n>`, `pagesSettled + 1`);
 * - the listing ends once (`listingDone`).
 *
 * A redelivered step whose write was already made reads the item instead, so that what follows
 * (settling the page, sending the finish) still happens when the first delivery died in between.
 * Progress is the sum of the page ledgers: one Query (the job has `listed`, `synced` and `failed`
 * themselves once it is done).
 */
import { queryAll } from '#shared/db/query-all.ts';
import type { Context } from 'aws-lambda';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import {
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import { fanSyncKeys, releaseSlot } from '#shared/adapters/dynamodb/fan-sync-requests.ts';
import type { FanSummary, FanSyncJobView, FanSyncStatus } from '#shared/domain/fans/model.ts';
import type { FanSyncJobReads } from '#shared/domain/fans/console.ts';
import type { PausedJob, PausedSyncStore, ParkedStep } from '#shared/domain/fans/resume.ts';
import type { FanSyncJobStore, FanSyncMessage, JobError, Once, PageTotals, StepQueue, SyncJobState } from '#shared/domain/fans/sync.ts';
import type { QueuePublisher } from '#shared/adapters/queues/queue-publisher.ts';

type Item = Record<string, unknown>;

const ACTIVE = [':running', ':paused'] as const;
const activeValues = { ':running': 'running', ':paused': 'paused_quota' };

const isConditionFailure = (error: unknown): boolean => error instanceof Error && error.name === 'ConditionalCheckFailedException';

function stateOf(item: Item): SyncJobState {
  const state: SyncJobState = {
    appid: String(item.appid),
    jobId: String(item.jobId),
    status: item.status as FanSyncStatus,
    startedAt: String(item.startedAt),
    listingDone: item.listingDone === true,
    pagesSettled: Number(item.pagesSettled ?? 0),
  };
  if (typeof item.tenantId === 'string') state.tenantId = item.tenantId;
  if (typeof item.merge === 'boolean') state.merge = item.merge;
  if (typeof item.pagesTotal === 'number') state.pagesTotal = item.pagesTotal;
  return state;
}

/** The step a parked message is kept under: a second park of the same step overwrites it. */
function stepKey(message: FanSyncMessage): string {
  switch (message.type) {
    case 'chunk':
      return `chunk#${String(message.page).padStart(6, '0')}#${String(message.chunk).padStart(3, '0')}`;
    case 'page':
      return `page#${String(message.page).padStart(6, '0')}`;
    default:
      return message.type;
  }
}

export class DynamoFanSyncJobs implements FanSyncJobStore, FanSyncJobReads, PausedSyncStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private jobKey(appid: string, jobId: string) {
    return { pk: fanSyncKeys.pk(appid), sk: fanSyncKeys.sk(jobId) };
  }

  private pageKey(appid: string, jobId: string, page: number) {
    return { pk: fanSyncKeys.pk(appid), sk: fanSyncKeys.pageSk(jobId, page) };
  }

  async get(appid: string, jobId: string): Promise<SyncJobState | undefined> {
    const item = await this.getItem(this.jobKey(appid, jobId));
    return item ? stateOf(item) : undefined;
  }

  async markRunning(appid: string, jobId: string, run: { tenantId: string; merge: boolean; at: string }): Promise<SyncJobState | undefined> {
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.jobKey(appid, jobId),
          UpdateExpression: 'SET #status = :running, tenantId = :tenant, #merge = :merge, updatedAt = :at',
          ConditionExpression: '#status = :queued',
          ExpressionAttributeNames: { '#status': 'status', '#merge': 'merge' },
          ExpressionAttributeValues: { ':running': 'running', ':queued': 'queued', ':tenant': run.tenantId, ':merge': run.merge, ':at': run.at },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return stateOf(result.Attributes!);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async recordPage(appid: string, jobId: string, page: { page: number; listed: number; chunks: number; next: string; at: string }): Promise<boolean> {
    let created = true;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...this.pageKey(appid, jobId, page.page),
            type: 'FanSyncPage',
            appid,
            jobId,
            page: page.page,
            listed: page.listed,
            chunksTotal: page.chunks,
            chunksDone: 0,
            synced: 0,
            failed: 0,
            listedAt: page.at,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      created = false;
    }
    // The checkpoint only moves forward: a late duplicate of an earlier page leaves it alone.
    await this.client
      .send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.jobKey(appid, jobId),
          UpdateExpression: 'SET checkpoint = :checkpoint, updatedAt = :at',
          ConditionExpression: `#status IN (${ACTIVE.join(', ')}) AND (attribute_not_exists(checkpoint) OR checkpoint.#page < :page)`,
          ExpressionAttributeNames: { '#status': 'status', '#page': 'page' },
          ExpressionAttributeValues: { ...activeValues, ':checkpoint': { page: page.page + 1, nextOpenId: page.next }, ':page': page.page + 1, ':at': page.at },
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionFailure(error)) throw error;
      });
    return created;
  }

  async completeListing(appid: string, jobId: string, pagesTotal: number, at: string): Promise<SyncJobState | undefined> {
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.jobKey(appid, jobId),
          UpdateExpression: 'SET listingDone = :true, pagesTotal = :pages, updatedAt = :at',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(listingDone) OR listingDone = :false)',
          ExpressionAttributeValues: { ':true': true, ':false': false, ':pages': pagesTotal, ':at': at },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return stateOf(result.Attributes!);
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return this.get(appid, jobId);
    }
  }

  async recordChunk(appid: string, jobId: string, page: number, chunk: number, outcome: { synced: number; failed: string[] }): Promise<{ pageComplete: boolean }> {
    const failedSet = outcome.failed.length > 0;
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.pageKey(appid, jobId, page),
          UpdateExpression: `SET #chunk = :true ADD chunksDone :one, synced :synced, #failed :failed${failedSet ? ', failedOpenids :openids' : ''}`,
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#chunk)',
          ExpressionAttributeNames: { '#chunk': `c${chunk}`, '#failed': 'failed' },
          ExpressionAttributeValues: {
            ':true': true,
            ':one': 1,
            ':synced': outcome.synced,
            ':failed': outcome.failed.length,
            ...(failedSet ? { ':openids': new Set(outcome.failed) } : {}),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { pageComplete: isComplete(result.Attributes) };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // Counted by an earlier delivery (or the page was never recorded): report what the ledger says.
      return { pageComplete: isComplete(await this.getItem(this.pageKey(appid, jobId, page))) };
    }
  }

  async settlePage(appid: string, jobId: string, page: number, at: string): Promise<SyncJobState | undefined> {
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.jobKey(appid, jobId),
          UpdateExpression: 'SET #page = :true, updatedAt = :at ADD pagesSettled :one',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#page)',
          ExpressionAttributeNames: { '#page': `p${page}` },
          ExpressionAttributeValues: { ':true': true, ':one': 1, ':at': at },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return stateOf(result.Attributes!);
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return this.get(appid, jobId);
    }
  }

  async pageTotals(appid: string, jobId: string): Promise<PageTotals> {
    const totals: PageTotals = { listed: 0, synced: 0, failed: 0, failedOpenids: new Set() };
    for (const ledger of await this.ledgers(appid, jobId)) {
      totals.listed += Number(ledger.listed ?? 0);
      totals.synced += Number(ledger.synced ?? 0);
      totals.failed += Number(ledger.failed ?? 0);
      for (const openid of (ledger.failedOpenids as Set<string> | undefined) ?? []) totals.failedOpenids.add(openid);
    }
    return totals;
  }

  async park(appid: string, jobId: string, message: FanSyncMessage, at: string): Promise<void> {
    const step = stepKey(message);
    await this.client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: this.table,
              Item: { pk: fanSyncKeys.pk(appid), sk: fanSyncKeys.parkedSk(jobId, step), type: 'FanSyncParkedStep', appid, jobId, step, message, parkedAt: at },
            },
          },
          {
            Update: {
              TableName: this.table,
              Key: this.jobKey(appid, jobId),
              UpdateExpression:
                'SET #status = :paused, updatedAt = :at, pausedAt = if_not_exists(pausedAt, :at), gsi2pk = :gsi, gsi2sk = if_not_exists(gsi2sk, :gsiSk) ADD parks :one',
              ConditionExpression: `#status IN (${ACTIVE.join(', ')})`,
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: {
                ...activeValues,
                ':at': at,
                ':gsi': fanSyncKeys.pausedGsi,
                ':gsiSk': fanSyncKeys.pausedGsiSk(at, appid, jobId),
                ':one': 1,
              },
            },
          },
        ],
      }),
    ).catch((error: unknown) => {
      // A job that failed or finished meanwhile has nothing to resume.
      if (!(error instanceof Error && error.name === 'TransactionCanceledException')) throw error;
    });
  }

  async fail(appid: string, jobId: string, error: JobError, at: string): Promise<void> {
    const totals = await this.pageTotals(appid, jobId);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.jobKey(appid, jobId),
          UpdateExpression: 'SET #status = :failed, #error = :error, updatedAt = :at, finishedAt = :at, listed = :listed, synced = :synced, #failedCount = :failedCount REMOVE gsi2pk, gsi2sk',
          ConditionExpression: '#status IN (:queued, :running, :paused)',
          ExpressionAttributeNames: { '#status': 'status', '#error': 'error', '#failedCount': 'failed' },
          ExpressionAttributeValues: {
            ...activeValues,
            ':queued': 'queued',
            ':failed': 'failed',
            ':error': { code: error.code, message: error.message.slice(0, 500) },
            ':at': at,
            ':listed': totals.listed,
            ':synced': totals.synced,
            ':failedCount': totals.failed,
          },
        }),
      );
    } catch (failure) {
      if (!isConditionFailure(failure)) throw failure;
    }
    await releaseSlot(this.client, this.table, appid, jobId);
  }

  async complete(
    appid: string,
    jobId: string,
    counters: { listed: number; synced: number; failed: number; unsubscribedMarked: number },
    summary: FanSummary,
    at: string,
  ): Promise<void> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.table,
                Key: this.jobKey(appid, jobId),
                UpdateExpression:
                  'SET #status = :done, updatedAt = :at, finishedAt = :at, listed = :listed, synced = :synced, #failed = :failed, unsubscribedMarked = :marked REMOVE gsi2pk, gsi2sk',
                ConditionExpression: `#status IN (${ACTIVE.join(', ')})`,
                ExpressionAttributeNames: { '#status': 'status', '#failed': 'failed' },
                ExpressionAttributeValues: {
                  ...activeValues,
                  ':done': 'done',
                  ':at': at,
                  ':listed': counters.listed,
                  ':synced': counters.synced,
                  ':failed': counters.failed,
                  ':marked': counters.unsubscribedMarked,
                },
              },
            },
            {
              Update: {
                TableName: this.table,
                Key: { pk: accountKeys.accountPk(appid), sk: accountKeys.accountSk },
                UpdateExpression: 'SET fans = :summary',
                ConditionExpression: 'attribute_exists(pk)',
                ExpressionAttributeValues: { ':summary': summary },
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (!(error instanceof Error && error.name === 'TransactionCanceledException')) throw error;
    }
    await releaseSlot(this.client, this.table, appid, jobId);
  }

  // ---- reads (API.md FanSyncJob) --------------------------------------------------------------

  async view(appid: string, jobId: string): Promise<FanSyncJobView | undefined> {
    const [item, ledgers] = await Promise.all([this.getItem(this.jobKey(appid, jobId)), this.ledgers(appid, jobId)]);
    if (!item) return undefined;
    const status = item.status as FanSyncStatus;
    const view: FanSyncJobView = {
      jobId: String(item.jobId),
      appid: String(item.appid),
      status,
      listed: Number(item.listed ?? 0),
      synced: Number(item.synced ?? 0),
      failed: Number(item.failed ?? 0),
      unsubscribedMarked: Number(item.unsubscribedMarked ?? 0),
      startedAt: String(item.startedAt),
      updatedAt: String(item.updatedAt),
    };
    if (status !== 'done' && status !== 'failed') {
      // Live progress: the ledgers hold every counted page and chunk.
      view.listed = view.synced = view.failed = 0;
      for (const ledger of ledgers) {
        view.listed += Number(ledger.listed ?? 0);
        view.synced += Number(ledger.synced ?? 0);
        view.failed += Number(ledger.failed ?? 0);
      }
    }
    if (typeof item.finishedAt === 'string') view.finishedAt = item.finishedAt;
    const error = item.error as { code?: unknown; message?: unknown } | undefined;
    if (error && typeof error.code === 'string') view.error = { code: error.code, message: String(error.message ?? '') };
    return view;
  }

  // ---- the daily resume ---------------------------------------------------------------------------

  async pausedJobs(): Promise<PausedJob[]> {
    const items = await queryAll(this.client, this.table, {
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :paused',
      ExpressionAttributeValues: { ':paused': fanSyncKeys.pausedGsi },
    });
    return items
      .filter((item) => item.status === 'paused_quota')
      .map((item) => ({ appid: String(item.appid), jobId: String(item.jobId), parks: Number(item.parks ?? 0) }));
  }

  async parkedSteps(appid: string, jobId: string): Promise<ParkedStep[]> {
    const items = await this.queryPrefix(appid, fanSyncKeys.parkedPrefix(jobId));
    return items.map((item) => ({ key: String(item.sk), message: item.message as FanSyncMessage }));
  }

  async markResumed(appid: string, jobId: string, parks: number, at: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.jobKey(appid, jobId),
          UpdateExpression: 'SET #status = :running, updatedAt = :at, resumedAt = :at REMOVE gsi2pk, gsi2sk, pausedAt',
          ConditionExpression: '#status = :paused AND parks = :parks',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':running': 'running', ':paused': 'paused_quota', ':parks': parks, ':at': at },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async dropParked(appid: string, _jobId: string, keys: readonly string[]): Promise<void> {
    for (let start = 0; start < keys.length; start += 25) {
      let pending = keys.slice(start, start + 25).map((sk) => ({ DeleteRequest: { Key: { pk: fanSyncKeys.pk(appid), sk } } }));
      for (let round = 0; pending.length > 0 && round < 8; round += 1) {
        const result = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.table]: pending } }));
        pending = (result.UnprocessedItems?.[this.table] ?? []) as typeof pending;
      }
    }
  }

  // ---- helpers -----------------------------------------------------------------------------------

  private async ledgers(appid: string, jobId: string): Promise<Item[]> {
    return this.queryPrefix(appid, fanSyncKeys.pagePrefix(jobId));
  }

  private async queryPrefix(appid: string, prefix: string): Promise<Item[]> {
    return queryAll(this.client, this.table, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': fanSyncKeys.pk(appid), ':prefix': prefix },
      ConsistentRead: true,
    });
  }

  private async getItem(key: { pk: string; sk: string }): Promise<Item | undefined> {
    return (await this.client.send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }))).Item;
  }
}

function isComplete(ledger: Item | undefined): boolean {
  return ledger !== undefined && Number(ledger.chunksDone ?? 0) >= Number(ledger.chunksTotal ?? Infinity);
}

// ---- Powertools idempotency for the sync's page and finish steps -----------------------------------

/**
 * | item | pk | sk | attributes |
 * |---|---|---|---|
 * | idempotency record of a sync step | `IDEMPOTENCY#fan-sync` | `fan-sync#<md5 of the step key>` | Powertools' `status`, `data`, `in_progress_expiration`; `ttl` |
 *
 * A page step (`user/get`, quota 500 a day, then its chunk messages) runs once per page even when
 * its message is delivered twice; a step that threw leaves no record, so its redelivery runs again;
 * one whose worker died is run again once its invocation's time is up (`registerContext`). The few
 * steps of a sync (pages and the finish) write to one partition; chunks are not wrapped: their
 * counting is exact by its own markers, and two more writes per chunk would double their cost.
 */
export const IDEMPOTENCY_PK = 'IDEMPOTENCY#fan-sync';

export interface IdempotentSteps {
  once: Once;
  /** Bounds a step's "in progress" to the current invocation (Lambda's remaining time). */
  registerContext(context: Pick<Context, 'getRemainingTimeInMillis'>): void;
}

export function idempotentSteps(options: { client: DynamoDBClient; table: string; expiresAfterSeconds?: number }): IdempotentSteps {
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: options.table,
    keyAttr: 'pk',
    sortKeyAttr: 'sk',
    staticPkValue: IDEMPOTENCY_PK,
    expiryAttr: 'ttl',
    awsSdkV3Client: options.client,
  });
  const config = new IdempotencyConfig({ eventKeyJmesPath: 'key', expiresAfterSeconds: options.expiresAfterSeconds ?? 3 * 86_400 });
  const run = makeIdempotent(async (input: { key: string; step: () => Promise<unknown> }) => (await input.step()) ?? null, {
    persistenceStore,
    config,
    keyPrefix: 'fan-sync',
  });
  return {
    once: async <T>(key: string, step: () => Promise<T>) => (await run({ key, step })) as T,
    registerContext: (context) => config.registerLambdaContext(context as Context),
  };
}

/** The `fan-sync` queue as the workers' step queue: one message per step, JSON. */
export function stepQueue(publisher: QueuePublisher): StepQueue {
  return { send: (messages) => publisher.send(messages.map((message) => ({ body: JSON.stringify(message) }))) };
}
