/**
 * The fan-sync job item (`FANSYNC#<jobId>`, keys: `fan-sync-keys.ts`) as a request creates it and the
 * workers advance it, with the page ledgers (`fan-sync-pages.ts`) and parked steps
 * (`fan-sync-parked.ts`) it is counted and paused by. Every counter moves exactly once per step,
 * whatever the number of deliveries:
 *
 * - a page is recorded by creating its ledger, then the job's checkpoint moves forward;
 * - a complete page is settled on the job by marker (`p<n>`, `pagesSettled + 1`), only if absent;
 * - the listing ends once (`listingDone`).
 *
 * Steps advance only a job that runs (`running` or `paused_quota`): a late step of a job that ended —
 * done, failed, or abandoned when a new request replaced it — leaves the job as it is.
 *
 * A redelivered step whose write was already made reads the job instead, so that what follows
 * (sending the finish) still happens when the first delivery died in between. Live progress is the
 * sum of the page ledgers (the job holds `listed`, `synced` and `failed` itself once it has ended).
 *
 * The finish sets the account's fan summary to a tally of the follower rows (`SET fans = :summary`),
 * in the transaction that ends the job. A follow push applied while the tally ran has already added
 * its change to the summary, and the tally may or may not have seen its row, so neither overwriting
 * the counts nor adding the tally's difference would stay exact. Instead every push that changes the
 * counts also moves `fansVersion` on the ACCOUNT item (`follow-history.ts`, in its transaction), the
 * finish reads the version before its tally and writes only while it is unchanged; a moved version
 * writes nothing (the job keeps running, its slot held) and the finish tallies again
 * (`shared/domain/fans/sync.ts`). A repeated or restarted finish is refused by the job's status and
 * writes nothing either, so duplicates and restarts cannot double a count.
 */
import { GetCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import { fanSyncKeys } from '#shared/adapters/dynamodb/fan-sync-keys.ts';
import { FanSyncPageLedgers } from '#shared/adapters/dynamodb/fan-sync-pages.ts';
import { FanSyncParkedSteps } from '#shared/adapters/dynamodb/fan-sync-parked.ts';
import { releaseSlot } from '#shared/adapters/dynamodb/fan-sync-slot.ts';
import { cancellationCodes, isConditionFailure, isTransactionCancelled } from '#shared/db/conditions.ts';
import { queryAll, type Item } from '#shared/db/query-all.ts';
import type { TransactItem } from '#shared/db/transactions.ts';
import type { FanSummary, FanSyncJobView, FanSyncMessage, FanSyncStatus } from '#shared/domain/fans/model.ts';
import type {
  FanSyncJobReads,
  FanSyncJobStore,
  HeldJob,
  JobError,
  PageTotals,
  ParkedStep,
  PausedJob,
  PausedSyncStore,
  SyncJobState,
} from '#shared/domain/fans/ports.ts';

export type FanSyncTrigger = 'binding' | 'console';

const ACTIVE = [':running', ':paused'] as const;
const activeValues = { ':running': 'running', ':paused': 'paused_quota' };

/** A new job, `queued`, written only if absent (with the account's slot: `fan-sync-requests.ts`). */
export function queuedJobItem(table: string, appid: string, jobId: string, at: string, trigger: FanSyncTrigger): TransactItem {
  return {
    Put: {
      TableName: table,
      Item: {
        pk: fanSyncKeys.pk(appid),
        sk: fanSyncKeys.sk(jobId),
        type: 'FanSyncJob',
        jobId,
        appid,
        status: 'queued',
        listed: 0,
        synced: 0,
        failed: 0,
        unsubscribedMarked: 0,
        startedAt: at,
        updatedAt: at,
        trigger,
        listingDone: false,
        pagesSettled: 0,
        parks: 0,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/**
 * The end of a job a new request replaced (`shared/domain/fans/sync-requests.ts`): `failed` with
 * `error` and its counters as its ledgers hold them, only if it has not moved since it was read.
 */
export function abandonedJobItem(table: string, appid: string, job: HeldJob, error: JobError, totals: PageTotals, at: string): TransactItem {
  const seen = job.updatedAt === undefined ? 'attribute_not_exists(updatedAt)' : 'updatedAt = :seen';
  return {
    Update: {
      TableName: table,
      Key: { pk: fanSyncKeys.pk(appid), sk: fanSyncKeys.sk(job.jobId) },
      UpdateExpression:
        'SET #status = :failed, #error = :error, updatedAt = :at, finishedAt = :at, listed = :listed, synced = :synced, #failedCount = :failedCount REMOVE gsi2pk, gsi2sk',
      ConditionExpression: `#status = :status AND ${seen}`,
      ExpressionAttributeNames: { '#status': 'status', '#error': 'error', '#failedCount': 'failed' },
      ExpressionAttributeValues: {
        ':status': job.status,
        ...(job.updatedAt === undefined ? {} : { ':seen': job.updatedAt }),
        ':failed': 'failed',
        ':error': { code: error.code, message: error.message.slice(0, 500) },
        ':at': at,
        ':listed': totals.listed,
        ':synced': totals.synced,
        ':failedCount': totals.failed,
      },
    },
  };
}

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

export class DynamoFanSyncJobs implements FanSyncJobStore, FanSyncJobReads, PausedSyncStore {
  private readonly ledgers: FanSyncPageLedgers;
  private readonly parked: FanSyncParkedSteps;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {
    this.ledgers = new FanSyncPageLedgers(client, table);
    this.parked = new FanSyncParkedSteps(client, table);
  }

  private jobKey(appid: string, jobId: string) {
    return { pk: fanSyncKeys.pk(appid), sk: fanSyncKeys.sk(jobId) };
  }

  async get(appid: string, jobId: string): Promise<SyncJobState | undefined> {
    const item = await this.getItem(appid, jobId);
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
    const created = await this.ledgers.create(appid, jobId, page);
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
          ConditionExpression: `#status IN (${ACTIVE.join(', ')}) AND (attribute_not_exists(listingDone) OR listingDone = :false)`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ...activeValues, ':true': true, ':false': false, ':pages': pagesTotal, ':at': at },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return stateOf(result.Attributes!);
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return this.get(appid, jobId);
    }
  }

  recordChunk(appid: string, jobId: string, page: number, chunk: number, outcome: { synced: number; failed: string[] }): Promise<{ pageComplete: boolean }> {
    return this.ledgers.countChunk(appid, jobId, page, chunk, outcome);
  }

  async settlePage(appid: string, jobId: string, page: number, at: string): Promise<SyncJobState | undefined> {
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.jobKey(appid, jobId),
          UpdateExpression: 'SET #page = :true, updatedAt = :at ADD pagesSettled :one',
          ConditionExpression: `#status IN (${ACTIVE.join(', ')}) AND attribute_not_exists(#page)`,
          ExpressionAttributeNames: { '#status': 'status', '#page': `p${page}` },
          ExpressionAttributeValues: { ...activeValues, ':true': true, ':one': 1, ':at': at },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return stateOf(result.Attributes!);
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return this.get(appid, jobId);
    }
  }

  pageTotals(appid: string, jobId: string): Promise<PageTotals> {
    return this.ledgers.totals(appid, jobId);
  }

  async park(appid: string, jobId: string, message: FanSyncMessage, at: string): Promise<void> {
    await this.client
      .send(
        new TransactWriteCommand({
          TransactItems: [
            this.parked.parkItem(appid, jobId, message, at),
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
      )
      .catch((error: unknown) => {
        // A job that failed or finished meanwhile has nothing to resume.
        if (!isTransactionCancelled(error)) throw error;
      });
  }

  async fail(appid: string, jobId: string, error: JobError, at: string): Promise<void> {
    const totals = await this.pageTotals(appid, jobId);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.jobKey(appid, jobId),
          UpdateExpression:
            'SET #status = :failed, #error = :error, updatedAt = :at, finishedAt = :at, listed = :listed, synced = :synced, #failedCount = :failedCount REMOVE gsi2pk, gsi2sk',
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
    seenVersion: number,
  ): Promise<'done' | 'ended' | 'summary_moved'> {
    const unchanged = seenVersion === 0 ? '(attribute_not_exists(fansVersion) OR fansVersion = :seen)' : 'fansVersion = :seen';
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
                ConditionExpression: `attribute_exists(pk) AND ${unchanged}`,
                ExpressionAttributeValues: { ':summary': summary, ':seen': seenVersion },
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (!isTransactionCancelled(error)) throw error;
      const [job, account] = cancellationCodes(error);
      const moved = account === 'ConditionalCheckFailed' || account === 'TransactionConflict' || job === 'TransactionConflict';
      // A push moved the counts (or raced this write): tally again, the job still holds its slot. An account gone meanwhile has no summary to keep.
      if (job !== 'ConditionalCheckFailed' && moved && (await this.accountExists(appid))) return 'summary_moved';
      await releaseSlot(this.client, this.table, appid, jobId);
      return 'ended';
    }
    await releaseSlot(this.client, this.table, appid, jobId);
    return 'done';
  }

  async summaryVersion(appid: string): Promise<number> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: accountKeys.accountPk(appid), sk: accountKeys.accountSk },
        ConsistentRead: true,
        ProjectionExpression: 'fansVersion',
      }),
    );
    return Number(result.Item?.fansVersion ?? 0);
  }

  private async accountExists(appid: string): Promise<boolean> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: accountKeys.accountPk(appid), sk: accountKeys.accountSk },
        ConsistentRead: true,
        ProjectionExpression: 'pk',
      }),
    );
    return result.Item !== undefined;
  }

  // ---- reads (API.md FanSyncJob) --------------------------------------------------------------

  async view(appid: string, jobId: string): Promise<FanSyncJobView | undefined> {
    const [item, progress] = await Promise.all([this.getItem(appid, jobId), this.ledgers.totals(appid, jobId)]);
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
      view.listed = progress.listed;
      view.synced = progress.synced;
      view.failed = progress.failed;
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

  parkedSteps(appid: string, jobId: string): Promise<ParkedStep[]> {
    return this.parked.list(appid, jobId);
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

  dropParked(appid: string, _jobId: string, keys: readonly string[]): Promise<void> {
    return this.parked.drop(appid, keys);
  }

  private async getItem(appid: string, jobId: string): Promise<Item | undefined> {
    return (await this.client.send(new GetCommand({ TableName: this.table, Key: this.jobKey(appid, jobId), ConsistentRead: true }))).Item;
  }
}
