import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { batchGetAll } from '#shared/db/batch.ts';

const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
const dynamo = mockClient(client);
const appids = (count: number, from = 0) => Array.from({ length: count }, (_, i) => `wx${String(from + i).padStart(16, '0')}`);

afterEach(() => {
  dynamo.reset();
});

describe('reading many items by key', () => {
  it('asks again for the keys DynamoDB left unprocessed until every item is read', async () => {
    // Prepare
    const keys = appids(3).map((appid) => ({ pk: `ACCOUNT#${appid}`, sk: 'ACCOUNT' }));
    dynamo
      .on(BatchGetCommand)
      .resolvesOnce({ Responses: { hub: [{ ...keys[0], appid: 'a' }] }, UnprocessedKeys: { hub: { Keys: keys.slice(1) } } })
      .resolvesOnce({
        Responses: {
          hub: [
            { ...keys[1], appid: 'b' },
            { ...keys[2], appid: 'c' },
          ],
        },
      });

    // Act
    const items = await batchGetAll(client, 'hub', keys);

    // Assess
    expect(items.map((item) => item.appid)).toEqual(['a', 'b', 'c']);
  });

  it('asks for at most 100 keys per request', async () => {
    // Prepare
    const keys = appids(250).map((appid) => ({ pk: `ACCOUNT#${appid}`, sk: 'ACCOUNT' }));
    dynamo.on(BatchGetCommand).resolves({ Responses: { hub: [] } });

    // Act
    await batchGetAll(client, 'hub', keys);

    // Assess
    expect(dynamo.commandCalls(BatchGetCommand).map((call) => call.args[0].input.RequestItems!.hub!.Keys!.length)).toEqual([100, 100, 50]);
  });
});
