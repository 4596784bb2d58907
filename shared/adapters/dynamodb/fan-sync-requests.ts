/**
 * Asking for a full follower sync, in the table: the account's slot (`fan-sync-slot.ts`) and the new
 * `queued` job (`fan-sync-jobs.ts`) written in one transaction, the slot only if it still names the
 * job the request read; a stale job it replaces ends `failed` in the same transaction, only if it
 * has not moved since it was read (keys: `fan-sync-keys.ts`). The rule — one sync per account, replaced when
 * quiet for too long — is `shared/domain/fans/sync-requests.ts`.
 *
 * `DynamoFanSyncRequests` is that rule over these items and a queue, in one constructor, for the
 * wiring layers that ask for syncs (binding, the console: `shared/wiring/`).
 */
import { GetCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { fanSyncKeys, newFanSyncJobId } from '#shared/adapters/dynamodb/fan-sync-keys.ts';
import { abandonedJobItem, queuedJobItem, type FanSyncTrigger } from '#shared/adapters/dynamodb/fan-sync-jobs.ts';
import { FanSyncPageLedgers } from '#shared/adapters/dynamodb/fan-sync-pages.ts';
import { releaseSlot, slotHolder, takeSlotItem } from '#shared/adapters/dynamodb/fan-sync-slot.ts';
import { isTransactionCancelled, refusedByCondition } from '#shared/db/conditions.ts';
import type { FanSyncStatus } from '#shared/domain/fans/model.ts';
import type { FanSyncSlots, HeldJob, JobError, MessageSender, SlotTake } from '#shared/domain/fans/ports.ts';
import { stepQueue } from '#shared/domain/fans/step-queue.ts';
import { FanSyncRequester } from '#shared/domain/fans/sync-requests.ts';

export class DynamoFanSyncSlots implements FanSyncSlots {
  private readonly ledgers: FanSyncPageLedgers;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly trigger: FanSyncTrigger = 'binding',
  ) {
    this.ledgers = new FanSyncPageLedgers(client, table);
  }

  async held(appid: string): Promise<HeldJob | undefined> {
    const jobId = await slotHolder(this.client, this.table, appid);
    if (!jobId) return undefined;
    const job = (
      await this.client.send(new GetCommand({ TableName: this.table, Key: { pk: fanSyncKeys.pk(appid), sk: fanSyncKeys.sk(jobId) }, ConsistentRead: true }))
    ).Item;
    const held: HeldJob = { jobId };
    if (job) {
      held.status = job.status as FanSyncStatus;
      if (typeof job.startedAt === 'string') held.startedAt = job.startedAt;
      if (typeof job.updatedAt === 'string') held.updatedAt = job.updatedAt;
    }
    return held;
  }

  async take(appid: string, take: SlotTake): Promise<string | undefined> {
    const jobId = newFanSyncJobId(take.at);
    const items = [takeSlotItem(this.table, appid, jobId, take.at, take.replacing?.jobId), queuedJobItem(this.table, appid, jobId, take.at, this.trigger)];
    if (take.replacing && take.abandon) {
      // Its counters as far as its ledgers got (a page's ledger moves with its chunks, the job does not).
      const totals = await this.ledgers.totals(appid, take.replacing.jobId);
      items.push(abandonedJobItem(this.table, appid, take.replacing, take.abandon, totals, take.at));
    }
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
      return jobId;
    } catch (error) {
      if (isTransactionCancelled(error) || refusedByCondition(error)) return undefined;
      throw error;
    }
  }

  async failQueued(appid: string, jobId: string, error: JobError, at: string): Promise<void> {
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
          ':now': at,
          ':error': { code: error.code, message: error.message },
        },
      }),
    );
    await releaseSlot(this.client, this.table, appid, jobId);
  }
}

export class DynamoFanSyncRequests extends FanSyncRequester {
  constructor(client: DynamoDBDocumentClient, table: string, queue: MessageSender, trigger: FanSyncTrigger = 'binding') {
    super({ slots: new DynamoFanSyncSlots(client, table, trigger), queue: stepQueue(queue) });
  }
}
