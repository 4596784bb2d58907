import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoDepartmentGrants } from '#shared/adapters/dynamodb/department-grants.ts';
import type { TransactItem } from '#shared/db/transactions.ts';

const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
const dynamo = mockClient(client);
const appids = (count: number, from = 0) => Array.from({ length: count }, (_, i) => `wx${String(from + i).padStart(16, '0')}`);
const AT = '2026-01-01T00:00:00.000Z';
const HEAD = { pk: 'TENANT#t', sk: 'DEPT#ops' };

const transactions = (): TransactItem[][] => dynamo.commandCalls(TransactWriteCommand).map((call) => call.args[0].input.TransactItems!);
const refused = (name: string, reasons?: { Code: string }[]) =>
  Object.assign(new Error('refused'), { name, ...(reasons ? { CancellationReasons: reasons } : {}) });

afterEach(() => {
  dynamo.reset();
});

describe('department grant writes against DynamoDB’s limits', () => {
  it('never sends a transaction of more than 100 items', async () => {
    // Prepare
    dynamo.on(TransactWriteCommand).resolves({});
    dynamo.on(UpdateCommand).resolves({});
    const grants = new DynamoDepartmentGrants(client, 'hub');

    // Act
    await grants.replace('t', 'ops', { version: 3, removed: appids(100), added: appids(100, 100), grantedBy: 'u', at: AT });

    // Assess
    expect(Math.max(...transactions().map((items) => items.length))).toBeLessThanOrEqual(100);
  });

  it('writes each of 200 changes exactly once when they take several transactions', async () => {
    // Prepare
    dynamo.on(TransactWriteCommand).resolves({});
    dynamo.on(UpdateCommand).resolves({});
    const grants = new DynamoDepartmentGrants(client, 'hub');

    // Act
    await grants.replace('t', 'ops', { version: 3, removed: appids(100), added: appids(100, 100), grantedBy: 'u', at: AT });

    // Assess
    const changed = transactions()
      .flat()
      .filter((item) => item.Delete !== undefined || item.Put !== undefined);
    expect(new Set(changed.map((item) => String((item.Delete?.Key ?? item.Put?.Item)!.sk))).size).toBe(200);
    expect(changed).toHaveLength(200);
  });

  it('revokes before it grants, so a failure part-way never leaves more access than asked', async () => {
    // Prepare
    dynamo.on(UpdateCommand).resolves({});
    dynamo.on(TransactWriteCommand).resolvesOnce({}).rejects(new Error('throttled'));
    const grants = new DynamoDepartmentGrants(client, 'hub');

    // Act
    const failure = grants.replace('t', 'ops', { version: 3, removed: appids(100), added: appids(50, 100), grantedBy: 'u', at: AT });

    // Assess
    await expect(failure).rejects.toThrow('throttled');
    const [first] = transactions();
    expect(first!.filter((item) => item.ConditionCheck === undefined).every((item) => item.Delete !== undefined)).toBe(true);
  });
});

describe('the department’s version', () => {
  it('writes a change that fits one transaction in that transaction, with the head moved from the version read to the next', async () => {
    // Prepare
    dynamo.on(TransactWriteCommand).resolves({});
    const grants = new DynamoDepartmentGrants(client, 'hub');

    // Act
    const outcome = await grants.replace('t', 'ops', { version: 4, removed: appids(2), added: appids(3, 10), grantedBy: 'u', at: AT });

    // Assess
    expect(outcome).toBe('replaced');
    const [only, ...others] = transactions();
    expect(others).toEqual([]);
    const head = only!.find((item) => item.Update !== undefined)!.Update!;
    expect(head.Key).toEqual(HEAD);
    expect(head.ConditionExpression).toContain('version = :read');
    expect(head.ExpressionAttributeValues).toMatchObject({ ':read': 4, ':next': 5 });
  });

  it('answers changed, and has written nothing, when the department moved past the version the change was computed from', async () => {
    // Prepare
    dynamo.on(TransactWriteCommand).rejects(refused('TransactionCanceledException', [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }]));
    const grants = new DynamoDepartmentGrants(client, 'hub');

    // Act
    const outcome = await grants.replace('t', 'ops', { version: 4, removed: [], added: appids(1), grantedBy: 'u', at: AT });

    // Assess
    expect(outcome).toBe('changed');
  });

  it('writes no grant of a large change when another PUT holds or moved the department', async () => {
    // Prepare
    dynamo.on(UpdateCommand).rejects(refused('ConditionalCheckFailedException'));
    dynamo.on(TransactWriteCommand).resolves({});
    const grants = new DynamoDepartmentGrants(client, 'hub');

    // Act
    const outcome = await grants.replace('t', 'ops', { version: 4, removed: appids(100), added: appids(100, 100), grantedBy: 'u', at: AT });

    // Assess
    expect(outcome).toBe('changed');
    expect(transactions()).toEqual([]);
  });

  it('checks in every transaction of a large change that the department is still claimed by it', async () => {
    // Prepare
    dynamo.on(UpdateCommand).resolves({});
    dynamo.on(TransactWriteCommand).resolves({});
    const grants = new DynamoDepartmentGrants(client, 'hub');

    // Act
    await grants.replace('t', 'ops', { version: 4, removed: appids(100), added: appids(100, 100), grantedBy: 'u', at: AT });

    // Assess
    const checks = transactions().map((items) => items[0]!.ConditionCheck);
    expect(
      checks.every((check) => check?.ConditionExpression === 'version = :claimed AND writer = :writer' && check.ExpressionAttributeValues?.[':claimed'] === 5),
    ).toBe(true);
  });

  it('ends a large change by moving the head one version past its claim and dropping the claim', async () => {
    // Prepare
    dynamo.on(UpdateCommand).resolves({});
    dynamo.on(TransactWriteCommand).resolves({});
    const grants = new DynamoDepartmentGrants(client, 'hub');

    // Act
    await grants.replace('t', 'ops', { version: 4, removed: appids(100), added: appids(100, 100), grantedBy: 'u', at: AT });

    // Assess
    const [claim, release] = dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input);
    expect(claim!.ExpressionAttributeValues).toMatchObject({ ':read': 4, ':next': 5, ':until': '2026-01-01T00:00:10.000Z' });
    expect(release!.UpdateExpression).toBe('SET version = :released REMOVE writer, changingUntil');
    expect(release!.ExpressionAttributeValues).toMatchObject({ ':claimed': 5, ':released': 6 });
  });
});
