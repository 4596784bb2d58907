/**
 * The table toolkit: condition refusals told apart from failures, and batch reads and writes that
 * retry what DynamoDB hands back unprocessed. The document client is mocked with aws-sdk-client-mock.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { ConditionalCheckFailedException, DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchDeleteAll, batchGetAll, batchWriteAll } from '#shared/db/batch.ts';
import { cancellationCodes, isConditionFailure, refusedAt, refusedByCondition } from '#shared/db/conditions.ts';

const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });

describe('condition refusals', () => {
  it('recognizes a single write refused by its condition', () => {
    expect(isConditionFailure(conditionFailed())).toBe(true);
    expect(refusedByCondition(conditionFailed())).toBe(true);
  });

  it('reads the per-item codes of a cancelled transaction in item order', () => {
    const error = cancelled('None', 'ConditionalCheckFailed');

    expect(cancellationCodes(error)).toEqual(['None', 'ConditionalCheckFailed']);
    expect(refusedAt(error, 1)).toBe(true);
    expect(refusedAt(error, 0)).toBe(false);
  });

  it('counts a conflict with another transaction as a refusal', () => {
    const whole = Object.assign(new Error('conflict'), { name: 'TransactionConflictException' });

    expect(refusedByCondition(cancelled('TransactionConflict'))).toBe(true);
    expect(refusedByCondition(whole)).toBe(true);
  });

  it('does not count throttling or validation errors as refusals', () => {
    const throttled = Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' });

    expect(refusedByCondition(throttled)).toBe(false);
    expect(refusedByCondition(cancelled('ThrottlingError'))).toBe(false);
    expect(cancellationCodes(new Error('plain'))).toEqual([]);
  });
});

describe('batch reads and writes', () => {
  const dynamo = mockClient(DynamoDBDocumentClient);
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'local' }));
  const keys = (n: number) => Array.from({ length: n }, (_, i) => ({ pk: `P#${i}`, sk: 'S' }));

  beforeEach(() => dynamo.reset());

  it('reads 250 keys in three requests of at most 100', async () => {
    dynamo.on(BatchGetCommand).callsFake((input) => ({ Responses: { t: input.RequestItems.t.Keys } }));

    const found = await batchGetAll(client, 't', keys(250), { consistent: true });

    expect(found).toHaveLength(250);
    const sizes = dynamo.commandCalls(BatchGetCommand).map((call) => call.args[0].input.RequestItems!.t!.Keys!.length);
    expect(sizes).toEqual([100, 100, 50]);
    expect(dynamo.commandCalls(BatchGetCommand)[0]!.args[0].input.RequestItems!.t!.ConsistentRead).toBe(true);
  });

  it('asks again for keys handed back unprocessed', async () => {
    const all = keys(3);
    dynamo
      .on(BatchGetCommand)
      .resolvesOnce({ Responses: { t: [all[0]!] }, UnprocessedKeys: { t: { Keys: [all[1]!, all[2]!] } } })
      .resolves({ Responses: { t: [all[1]!, all[2]!] } });

    const found = await batchGetAll(client, 't', all);

    expect(found).toEqual(all);
    expect(dynamo.commandCalls(BatchGetCommand)[1]!.args[0].input.RequestItems!.t!.Keys).toEqual([all[1], all[2]]);
  });

  it('writes 60 requests in calls of at most 25 and retries the unprocessed ones', async () => {
    let first = true;
    dynamo.on(BatchWriteCommand).callsFake((input) => {
      const requests = input.RequestItems.t;
      if (first) {
        first = false;
        return { UnprocessedItems: { t: requests.slice(20) } };
      }
      return {};
    });

    const result = await batchWriteAll(
      client,
      't',
      keys(60).map((Item) => ({ PutRequest: { Item } })),
    );

    const sizes = dynamo.commandCalls(BatchWriteCommand).map((call) => call.args[0].input.RequestItems!.t!.length);
    expect(sizes).toEqual([25, 5, 25, 10]);
    expect(result.calls).toBe(4);
  });

  it('gives up with an error instead of dropping requests DynamoDB keeps refusing', async () => {
    dynamo.on(BatchWriteCommand).callsFake((input) => ({ UnprocessedItems: { t: input.RequestItems.t } }));

    await expect(batchDeleteAll(client, 't', keys(2))).rejects.toThrow(/2 requests unprocessed/);
  });
});
