/**
 * The internal follower feed's handler (`list-changed-fans`): its query is checked before the table
 * is read, and `changedSince` is read as an instant whatever its offset. The table is mocked with
 * aws-sdk-client-mock.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { resetConfigForTests } from '#shared/config/config.ts';
import type { InternalEvent } from '#shared/http/internal-route.ts';
import { consoleEvent, lambdaContext } from '#test/unit/support/events.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
type Answer = { statusCode: number; body: string };
type Handler = (event: InternalEvent, context: ReturnType<typeof lambdaContext>) => Promise<Answer>;

const APPID = 'wx0123456789abcdef';

function feedEvent(query: Record<string, string>): InternalEvent {
  const event = consoleEvent({ path: `/v1/internal/accounts/${APPID}/fans`, pathParameters: { appid: APPID }, query, claims: null });
  return {
    ...event,
    requestContext: { ...event.requestContext, authorizer: { iam: { userArn: 'arn:aws:iam::000000000000:user/service/contacts' } } },
  } as unknown as InternalEvent;
}

describe('the internal follower feed handler', () => {
  let handler: Handler;
  const previousTable = process.env.TABLE_NAME;
  const call = (query: Record<string, string>) => handler(feedEvent(query), lambdaContext());
  const fields = (answer: Answer) => (JSON.parse(answer.body).error?.details?.fields ?? []).map((field: { field: string }) => field.field);

  beforeAll(async () => {
    process.env.TABLE_NAME = 'oa-hub-unit';
    resetConfigForTests();
    handler = (await import('#functions/list-changed-fans/handler.ts')).handler as unknown as Handler;
  });

  afterAll(() => {
    if (previousTable === undefined) delete process.env.TABLE_NAME;
    else process.env.TABLE_NAME = previousTable;
    resetConfigForTests();
    dynamo.restore();
  });

  beforeEach(() => {
    dynamo.reset();
    dynamo.on(GetCommand).resolves({ Item: { appid: APPID, status: 'active', ownerTenantId: 't-1' } });
    dynamo.on(QueryCommand).resolves({ Items: [] });
  });

  it.each([['yesterday'], ['2026-13-01T00:00:00Z'], ['1700000000']])('refuses changedSince %s with 400 naming it, reading nothing', async (changedSince) => {
    // Act
    const answer = await call({ changedSince });

    // Assess
    expect({ status: answer.statusCode, fields: fields(answer) }).toEqual({ status: 400, fields: ['query.changedSince'] });
    expect(dynamo.calls()).toHaveLength(0);
  });

  it.each([['0'], ['1001'], ['ten']])('refuses limit %s with 400 naming it', async (limit) => {
    // Act
    const answer = await call({ limit });

    // Assess
    expect({ status: answer.statusCode, fields: fields(answer) }).toEqual({ status: 400, fields: ['query.limit'] });
  });

  it('reads from the instant changedSince names, in UTC, whatever its offset', async () => {
    // Act
    const answer = await call({ changedSince: '2026-03-01T08:00:00+08:00', limit: '1000' });

    // Assess
    expect(answer.statusCode).toBe(200);
    const query = dynamo.commandCalls(QueryCommand)[0]!.args[0].input;
    expect({ since: query.ExpressionAttributeValues?.[':since'], limit: query.Limit, index: query.IndexName }).toEqual({
      since: '2026-03-01T00:00:00.000Z',
      limit: 1000,
      index: 'gsi3',
    });
  });
});
