/**
 * Parked steps of a sync (`FANSYNC-PARKED#<jobId>#<step>`, keys: `fan-sync-keys.ts`): a step that met
 * WeChat's daily quota (`45009`) is kept with its queue message until the daily resume sends it
 * again. A second park of the same step overwrites it; the job's pause is written in the same
 * transaction (`fan-sync-jobs.ts`).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { fanSyncKeys } from '#shared/adapters/dynamodb/fan-sync-keys.ts';
import { batchDeleteAll } from '#shared/db/batch.ts';
import { queryAll } from '#shared/db/query-all.ts';
import type { TransactItem } from '#shared/db/transactions.ts';
import type { FanSyncMessage } from '#shared/domain/fans/model.ts';
import type { ParkedStep } from '#shared/domain/fans/ports.ts';

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

export class FanSyncParkedSteps {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** The parked step as an item of the job's pause transaction. */
  parkItem(appid: string, jobId: string, message: FanSyncMessage, at: string): TransactItem {
    const step = stepKey(message);
    return {
      Put: {
        TableName: this.table,
        Item: { pk: fanSyncKeys.pk(appid), sk: fanSyncKeys.parkedSk(jobId, step), type: 'FanSyncParkedStep', appid, jobId, step, message, parkedAt: at },
      },
    };
  }

  async list(appid: string, jobId: string): Promise<ParkedStep[]> {
    const items = await queryAll(this.client, this.table, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': fanSyncKeys.pk(appid), ':prefix': fanSyncKeys.parkedPrefix(jobId) },
      ConsistentRead: true,
    });
    return items.map((item) => ({ key: String(item.sk), message: item.message as FanSyncMessage }));
  }

  async drop(appid: string, keys: readonly string[]): Promise<void> {
    await batchDeleteAll(
      this.client,
      this.table,
      keys.map((sk) => ({ pk: fanSyncKeys.pk(appid), sk })),
    );
  }
}
