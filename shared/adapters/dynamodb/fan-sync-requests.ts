/**
 * Asking for a full follower sync: a job item the fan-sync workers update as they go, then a `start`
 * message on the `fan-sync` queue (`{ type: 'start', appid, jobId }`).
 *
 * | item | pk | sk | attributes |
 * |---|---|---|---|
 * | fan-sync job | `ACCOUNT#<appid>` | `FANSYNC#<jobId>` | API.md `FanSyncJob` fields: `jobId`, `appid`, `status`, `listed`, `synced`, `failed`, `unsubscribedMarked`, `startedAt`, `updatedAt`, `finishedAt?`, `error?`; plus `trigger` |
 *
 * Job ids start with the time in base 36, so one Query of `FANSYNC#` in reverse order reads the
 * newest job first. When the message cannot be sent the job is marked `failed` (`not_queued`) rather
 * than left `queued` forever, and the error is thrown for the caller to log.
 */
import { randomBytes } from 'node:crypto';
import { PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import type { QueuePublisher } from '#shared/adapters/queues/queue-publisher.ts';
import type { FanSyncRequests } from '#shared/domain/binding/ports.ts';

export const fanSyncKeys = {
  pk: accountKeys.accountPk,
  sk: (jobId: string) => `FANSYNC#${jobId}`,
  prefix: 'FANSYNC#',
};

/** Sortable by creation time, unguessable enough to be an opaque id. */
export function newFanSyncJobId(at: string): string {
  return `${Date.parse(at).toString(36).padStart(9, '0')}${randomBytes(6).toString('hex')}`;
}

export type FanSyncTrigger = 'binding' | 'console';

export class DynamoFanSyncRequests implements FanSyncRequests {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly queue: QueuePublisher,
    private readonly trigger: FanSyncTrigger = 'binding',
  ) {}

  async queueFullSync(appid: string, at: string): Promise<string> {
    const jobId = newFanSyncJobId(at);
    await this.client.send(
      new PutCommand({
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
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    try {
      await this.queue.send([{ body: JSON.stringify({ type: 'start', appid, jobId }) }]);
    } catch (error) {
      await this.markNotQueued(appid, jobId);
      throw error;
    }
    return jobId;
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
  }
}
