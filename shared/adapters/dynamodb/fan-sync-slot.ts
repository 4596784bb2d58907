/**
 * The account's running-job slot (`FANSYNC-RUNNING`, keys: `fan-sync-keys.ts`): the job that counts
 * as the account's one running sync. A request writes it with the new job (`fan-sync-requests.ts`);
 * a job that ends releases it, only if it still names that job (a newer request may have replaced
 * a stale one meanwhile).
 */
import { DeleteCommand, GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { fanSyncKeys } from '#shared/adapters/dynamodb/fan-sync-keys.ts';
import { isConditionFailure } from '#shared/db/conditions.ts';
import type { TransactItem } from '#shared/db/transactions.ts';

/** The job id in the account's slot, if any. */
export async function slotHolder(client: DynamoDBDocumentClient, table: string, appid: string): Promise<string | undefined> {
  const slot = (await client.send(new GetCommand({ TableName: table, Key: { pk: fanSyncKeys.pk(appid), sk: fanSyncKeys.runningSk }, ConsistentRead: true })))
    .Item;
  return slot && typeof slot.jobId === 'string' ? slot.jobId : undefined;
}

/** The slot naming `jobId`, written only if it still names `replacing` (or, without it, is empty). */
export function takeSlotItem(table: string, appid: string, jobId: string, at: string, replacing: string | undefined): TransactItem {
  return {
    Put: {
      TableName: table,
      Item: { pk: fanSyncKeys.pk(appid), sk: fanSyncKeys.runningSk, type: 'FanSyncSlot', appid, jobId, since: at },
      ...(replacing
        ? { ConditionExpression: 'jobId = :replacing', ExpressionAttributeValues: { ':replacing': replacing } }
        : { ConditionExpression: 'attribute_not_exists(pk)' }),
    },
  };
}

/** Frees the account's slot if `jobId` still holds it. */
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
    if (!isConditionFailure(error)) throw error;
  }
}
