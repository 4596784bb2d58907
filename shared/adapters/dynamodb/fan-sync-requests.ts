/**
 * Asking for a full follower sync: a job item the fan-sync workers update as they go, then a `start`
 * message on the `fan-sync` queue (`{ type: 'start', appid, jobId }`). One job runs per account at a
 * time: a second request (another binding, a re-authorization, the console) gets the running job.
 *
 * | item | pk | sk | gsi2pk / gsi2sk | attributes |
 * |---|---|---|---|---|
 * | fan-sync job | `ACCOUNT#<appid>` | `FANSYNC#<jobId>` | `FANSYNC#PAUSED` / `<pausedAt>#<appid>#<jobId>` while `paused_quota` | API.md `FanSyncJob` fields: `jobId`, `appid`, `status`, `listed`, `synced`, `failed`, `unsubscribedMarked`, `startedAt`, `updatedAt`, `finishedAt?`, `error?`; plus `trigger`, and the workers' `tenantId`, `merge`, `checkpoint`, `listingDone`, `pagesTotal`, `pagesSettled`, `parks`, `p<n>` page markers |
 * | running job of an account | `ACCOUNT#<appid>` | `FANSYNC-RUNNING` | — | `jobId`, `since` |
 * | page ledger | `ACCOUNT#<appid>` | `FANSYNC-PAGE#<jobId>#<page, 6 digits>` | — | `listed`, `chunksTotal`, `chunksDone`, `synced`, `failed`, `failedOpenids`, `c<n>` chunk markers |
 * | parked step | `ACCOUNT#<appid>` | `FANSYNC-PARKED#<jobId>#<step>` | — | `message` (the queue message, re-sent by the daily resume) |
 *
 * Job ids start with the time in base 36, so one Query of `FANSYNC#` in reverse order reads the
 * newest job first (the other items' sort keys do not start with `FANSYNC#`). When the message
 * cannot be sent the job is marked `failed` (`not_queued`) rather than left `queued` forever, its slot
 * is released, and the error is thrown for the caller to log.
 */
import { randomBytes } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import type { QueuePublisher } from '#shared/adapters/queues/queue-publisher.ts';
import type { FanSyncRequests } from '#shared/domain/binding/ports.ts';
import type { FanSyncStatus } from '#shared/domain/fans/model.ts';

export const fanSyncKeys = {
  pk: accountKeys.accountPk,
  sk: (jobId: string) => `FANSYNC#${jobId}`,
  prefix: 'FANSYNC#',
  runningSk: 'FANSYNC-RUNNING',
  pageSk: (jobId: string, page: number) => `FANSYNC-PAGE#${jobId}#${String(page).padStart(6, '0')}`,
  pagePrefix: (jobId: string) => `FANSYNC-PAGE#${jobId}#`,
  parkedSk: (jobId: string, step: string) => `FANSYNC-PARKED#${jobId}#${step}`,
  parkedPrefix: (jobId: string) => `FANSYNC-PARKED#${jobId}#`,
  pausedGsi: 'FANSYNC#PAUSED',
  pausedGsiSk: (pausedAt: string, appid: string, jobId: string) => `${pausedAt}#${appid}#${jobId}`,
};

/** Sortable by creation time, unguessable enough to be an opaque id. */
export function newFanSyncJobId(at: string): string {
  return `${Date.parse(at).toString(36).padStart(9, '0')}${randomBytes(6).toString('hex')}`;
}

export type FanSyncTrigger = 'binding' | 'console';

/**
 * How long a job may go without progress before a new request replaces it: a job whose steps all
 * ended in the dead-letter queue must not block the account's syncs forever. A paused job waits for
 * the daily resume, so it gets two days.
 */
export const STALE_RUNNING_MS = 60 * 60_000;
export const STALE_PAUSED_MS = 2 * 86_400_000;

const ATTEMPTS = 4;

type Item = Record<string, unknown>;

export class DynamoFanSyncRequests implements FanSyncRequests {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly queue: QueuePublisher,
    private readonly trigger: FanSyncTrigger = 'binding',
  ) {}

  async queueFullSync(appid: string, at: string): Promise<string> {
    for (let attempt = 1; ; attempt += 1) {
      const running = await this.runningJob(appid);
      if (running && isStillRunning(running.job, at)) return running.jobId;
      const jobId = newFanSyncJobId(at);
      if (await this.create(appid, jobId, at, running?.jobId)) {
        await this.send(appid, jobId);
        return jobId;
      }
      // Another request took the slot between the read and the write: read again.
      if (attempt >= ATTEMPTS) throw new Error(`Could not queue a fan sync of ${appid}: the running-job slot kept changing`);
    }
  }

  /** The job in the account's slot, if any. */
  private async runningJob(appid: string): Promise<{ jobId: string; job: Item | undefined } | undefined> {
    const slot = await this.get(fanSyncKeys.pk(appid), fanSyncKeys.runningSk);
    if (!slot || typeof slot.jobId !== 'string') return undefined;
    return { jobId: slot.jobId, job: await this.get(fanSyncKeys.pk(appid), fanSyncKeys.sk(slot.jobId)) };
  }

  /** The job and the slot in one transaction; false when the slot is not as read. */
  private async create(appid: string, jobId: string, at: string, replacing: string | undefined): Promise<boolean> {
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: { pk: fanSyncKeys.pk(appid), sk: fanSyncKeys.runningSk, type: 'FanSyncSlot', appid, jobId, since: at },
                ...(replacing
                  ? { ConditionExpression: 'jobId = :replacing', ExpressionAttributeValues: { ':replacing': replacing } }
                  : { ConditionExpression: 'attribute_not_exists(pk)' }),
              },
            },
            {
              Put: {
                TableName: this.table,
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
                  trigger: this.trigger,
                  listingDone: false,
                  pagesSettled: 0,
                  parks: 0,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException || (error instanceof Error && error.name === 'TransactionConflictException')) return false;
      throw error;
    }
  }

  private async send(appid: string, jobId: string): Promise<void> {
    try {
      await this.queue.send([{ body: JSON.stringify({ type: 'start', appid, jobId }) }]);
    } catch (error) {
      await this.markNotQueued(appid, jobId);
      throw error;
    }
  }

  private async markNotQueued(appid: string, jobId: string): Promise<void> {
    const now = new Date().toISOString();
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: fanSyncKeys.pk(appid), sk: fanSyncKeys.sk(jobId) },
        UpdateExpression: 'SET #status = :failed, updatedAt = :now, finishedAt = :now, #error = :error',
        ConditionExpression: '#status = :queued',
        ExpressionAttributeNames: { '#status': 'status', '#error': 'error' },
        ExpressionAttributeValues: {
          ':failed': 'failed',
          ':queued': 'queued',
          ':now': now,
          ':error': { code: 'not_queued', message: 'The sync could not be handed to the workers. Start a new one.' },
        },
      }),
    );
    await releaseSlot(this.client, this.table, appid, jobId);
  }

  private async get(pk: string, sk: string): Promise<Item | undefined> {
    return (await this.client.send(new GetCommand({ TableName: this.table, Key: { pk, sk }, ConsistentRead: true }))).Item;
  }
}

/** Whether a job in the slot still counts as the account's running job at `at`. */
export function isStillRunning(job: Item | undefined, at: string): boolean {
  if (!job) return false;
  const status = job.status as FanSyncStatus;
  const quietFor = Date.parse(at) - Date.parse(String(job.updatedAt ?? job.startedAt ?? at));
  if (status === 'queued' || status === 'running') return quietFor < STALE_RUNNING_MS;
  if (status === 'paused_quota') return quietFor < STALE_PAUSED_MS;
  return false;
}

/** Frees the account's slot if `jobId` still holds it (a newer job may have replaced a stale one). */
export async function releaseSlot(client: DynamoDBDocumentClient, table: string, appid: string, jobId: string): Promise<void> {
  try {
    await client.send(
      new DeleteCommand({
        TableName: table,
        Key: { pk: fanSyncKeys.pk(appid), sk: fanSyncKeys.runningSk },
        ConditionExpression: 'jobId = :job',
        ExpressionAttributeValues: { ':job': jobId },
      }),
    );
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ConditionalCheckFailedException')) throw error;
  }
}
