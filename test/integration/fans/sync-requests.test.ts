import { beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { fanSyncKeys } from '#shared/adapters/dynamodb/fan-sync-keys.ts';
import { DynamoFanSyncRequests } from '#shared/adapters/dynamodb/fan-sync-requests.ts';
import type { QueueMessage, QueuePublisher } from '#shared/adapters/queues/queue-publisher.ts';
import { freshTable, type TestTable } from '#test/integration/support/table.ts';

describe('fan-sync requests on the embedded engine', () => {
  let table: TestTable;
  const job = async (appid: string, jobId: string) =>
    (await table.client.send(new GetCommand({ TableName: table.name, Key: { pk: fanSyncKeys.pk(appid), sk: fanSyncKeys.sk(jobId) }, ConsistentRead: true })))
      .Item;

  beforeAll(async () => {
    table = await freshTable('fan-sync-requests');
  });

  it('records a queued job and sends a start message naming it', async () => {
    // Prepare
    const sent: QueueMessage[] = [];
    const queue: QueuePublisher = { send: async (messages) => void sent.push(...messages) };
    const requests = new DynamoFanSyncRequests(table.client, table.name, queue);

    // Act
    const jobId = await requests.queueFullSync('wx0000000000000001', '2026-01-01T00:00:00.000Z');

    // Assess
    expect(await job('wx0000000000000001', jobId)).toMatchObject({ status: 'queued', listed: 0, synced: 0, failed: 0, unsubscribedMarked: 0 });
    expect(sent.map((message) => JSON.parse(message.body))).toEqual([{ type: 'start', appid: 'wx0000000000000001', jobId }]);
  });

  it('marks the job failed rather than leaving it queued when the queue refuses the message', async () => {
    // Prepare
    const queue: QueuePublisher = { send: async () => Promise.reject(new Error('Cannot send to the "fan-sync" queue')) };
    const requests = new DynamoFanSyncRequests(table.client, table.name, queue);
    const appid = 'wx0000000000000002';

    // Act
    const attempt = requests.queueFullSync(appid, '2026-01-01T00:00:00.000Z');

    // Assess
    await expect(attempt).rejects.toThrow('fan-sync');
    const { Items } = await table.client.send(
      new QueryCommand({
        TableName: table.name,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': fanSyncKeys.pk(appid), ':prefix': fanSyncKeys.prefix },
      }),
    );
    expect(Items).toEqual([expect.objectContaining({ status: 'failed', error: expect.objectContaining({ code: 'not_queued' }) })]);
  });
});
