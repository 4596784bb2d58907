/**
 * BatchGetItem and BatchWriteItem over any number of keys or requests: split into DynamoDB's limits
 * (100 keys a get, 25 requests a write) and retried, with a short growing pause, for what DynamoDB
 * hands back unprocessed (throttling, the 16 MB response cap). Gives up with an error rather than
 * dropping anything.
 */
import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

type Item = Record<string, unknown>;

export const BATCH_GET_LIMIT = 100;
export const BATCH_WRITE_LIMIT = 25;
const MAX_ROUNDS = 8;

export type WriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: Item } };

const pause = (round: number) => new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** round * (0.5 + Math.random()))));

export interface BatchGetOptions {
  consistent?: boolean;
  projection?: { expression: string; names?: Record<string, string> };
}

/** Every item found for `keys` (absent keys are simply missing from the answer; order is DynamoDB's). */
export async function batchGetAll(client: DynamoDBDocumentClient, table: string, keys: readonly Item[], options: BatchGetOptions = {}): Promise<Item[]> {
  const found: Item[] = [];
  for (let start = 0; start < keys.length; start += BATCH_GET_LIMIT) {
    let pending: Item[] = keys.slice(start, start + BATCH_GET_LIMIT);
    for (let round = 0; pending.length > 0; round += 1) {
      if (round >= MAX_ROUNDS) throw new Error(`BatchGetItem left ${pending.length} keys unprocessed after ${round} rounds`);
      if (round > 0) await pause(round);
      const request = {
        Keys: pending,
        ...(options.consistent ? { ConsistentRead: true } : {}),
        ...(options.projection
          ? { ProjectionExpression: options.projection.expression, ...(options.projection.names ? { ExpressionAttributeNames: options.projection.names } : {}) }
          : {}),
      };
      const result = await client.send(new BatchGetCommand({ RequestItems: { [table]: request } }));
      found.push(...(result.Responses?.[table] ?? []));
      pending = (result.UnprocessedKeys?.[table]?.Keys ?? []) as Item[];
    }
  }
  return found;
}

/** Runs every put and delete request, 25 a call, until DynamoDB has processed each one. */
export async function batchWriteAll(client: DynamoDBDocumentClient, table: string, requests: readonly WriteRequest[]): Promise<{ calls: number }> {
  let calls = 0;
  for (let start = 0; start < requests.length; start += BATCH_WRITE_LIMIT) {
    let pending: WriteRequest[] = requests.slice(start, start + BATCH_WRITE_LIMIT);
    for (let round = 0; pending.length > 0; round += 1) {
      if (round >= MAX_ROUNDS) throw new Error(`BatchWriteItem left ${pending.length} requests unprocessed after ${round} rounds`);
      if (round > 0) await pause(round);
      const result = await client.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      calls += 1;
      pending = (result.UnprocessedItems?.[table] ?? []) as WriteRequest[];
    }
  }
  return { calls };
}

/** Deletes every item by key (see `batchWriteAll`). */
export function batchDeleteAll(client: DynamoDBDocumentClient, table: string, keys: readonly Item[]): Promise<{ calls: number }> {
  return batchWriteAll(
    client,
    table,
    keys.map((Key) => ({ DeleteRequest: { Key } })),
  );
}
