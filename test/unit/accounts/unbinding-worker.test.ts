/**
 * The account-unbinding queue consumer: drops a continuation that can never succeed, finds nothing
 * to do for an account no longer being unbound, and fails (for SQS to redeliver) when the table
 * cannot be read. The table is mocked with aws-sdk-client-mock.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { resetConfigForTests } from '#shared/config/config.ts';
import { lambdaContext } from '#test/unit/support/events.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
type Handler = (event: SQSEvent, context: ReturnType<typeof lambdaContext>) => Promise<SQSBatchResponse>;

const APPID = 'wx0123456789abcdef';

const record = (messageId: string, body: string): SQSRecord => ({
  messageId,
  receiptHandle: `receipt-${messageId}`,
  body,
  attributes: {
    ApproximateReceiveCount: '1',
    SentTimestamp: '1700000000000',
    SenderId: 'local',
    ApproximateFirstReceiveTimestamp: '1700000000000',
  },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:local:000000000000:account-unbinding',
  awsRegion: 'local',
});

describe('the unbinding worker', () => {
  let handler: Handler;
  const previousTable = process.env.TABLE_NAME;

  beforeAll(async () => {
    process.env.TABLE_NAME = 'oa-hub-unit';
    resetConfigForTests();
    handler = (await import('#functions/unbinding-worker/handler.ts')).handler as unknown as Handler;
  });

  afterAll(() => {
    if (previousTable === undefined) delete process.env.TABLE_NAME;
    else process.env.TABLE_NAME = previousTable;
    resetConfigForTests();
    dynamo.restore();
  });

  beforeEach(() => {
    dynamo.reset();
  });

  it('drops a continuation whose appid is not an appid without failing it or touching the table', async () => {
    // Act
    const answer = await handler({ Records: [record('m-1', JSON.stringify({ tenantId: 't-1', appid: 'not-an-appid' }))] }, lambdaContext());

    // Assess
    expect(answer).toEqual({ batchItemFailures: [] });
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('writes nothing for an account that is no longer being unbound', async () => {
    // Prepare
    dynamo.on(GetCommand).resolves({ Item: { pk: `ACCOUNT#${APPID}`, sk: 'ACCOUNT', appid: APPID, status: 'unbound', ownerTenantId: 't-1' } });

    // Act
    const answer = await handler({ Records: [record('m-2', JSON.stringify({ tenantId: 't-1', appid: APPID }))] }, lambdaContext());

    // Assess
    expect(answer).toEqual({ batchItemFailures: [] });
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('reports the message as failed for SQS to deliver again when the table cannot be read', async () => {
    // Prepare
    dynamo.on(GetCommand).rejects(Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' }));

    // Act
    const answer = await handler({ Records: [record('m-3', JSON.stringify({ tenantId: 't-1', appid: APPID }))] }, lambdaContext());

    // Assess
    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-3' }] });
  });
});
