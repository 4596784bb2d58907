/**
 * The release-test queue consumer drops a job that can never succeed, with a log line, instead of
 * letting SQS retry it into the dead-letter queue. The table is mocked with aws-sdk-client-mock.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { resetConfigForTests } from '#shared/config/config.ts';
import { lambdaContext } from '#test/unit/support/events.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
type Handler = (event: SQSEvent, context: ReturnType<typeof lambdaContext>) => Promise<SQSBatchResponse>;

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
  eventSourceARN: 'arn:aws:sqs:local:000000000000:release-test',
  awsRegion: 'local',
});

describe('the release-test worker', () => {
  let handler: Handler;
  const previousTable = process.env.TABLE_NAME;

  beforeAll(async () => {
    process.env.TABLE_NAME = 'oa-hub-unit';
    resetConfigForTests();
    handler = (await import('#functions/release-test-worker/handler.ts')).handler as unknown as Handler;
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

  it('drops a record whose body is not JSON without failing it or throwing', async () => {
    // Act
    const answer = await handler({ Records: [record('m-1', '{"appid": "wx0123')] }, lambdaContext());

    // Assess
    expect(answer).toEqual({ batchItemFailures: [] });
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('drops a job whose appid is not an appid without failing it or touching the table', async () => {
    // Prepare
    const body = JSON.stringify({ appid: 'x'.repeat(10_000), authCode: 'queryauthcode@@@x', toUser: 'o-user' });

    // Act
    const answer = await handler({ Records: [record('m-2', body)] }, lambdaContext());

    // Assess
    expect(answer).toEqual({ batchItemFailures: [] });
    expect(dynamo.calls()).toHaveLength(0);
  });
});
