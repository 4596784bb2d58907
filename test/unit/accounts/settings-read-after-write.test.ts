import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoAccountDirectory, DynamoAccountSettingsStore } from '#shared/adapters/dynamodb/account-queries.ts';
import type { Caller } from '#shared/auth/caller.ts';
import type { AuditLog } from '#shared/domain/audit/audit-log.ts';
import { AccountQueries } from '#shared/domain/accounts/queries.ts';
import { AccountSettings } from '#shared/domain/accounts/settings.ts';
import { accountItem, linkItem, ownerLink, seedAccount, tenantItem } from '#test/support/seed.ts';

const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
const dynamo = mockClient(client);
const APPID = 'wx00000000000000c1';
const TENANT = 't-settings';
const admin: Caller = { tenantId: TENANT, userId: 'admin', isAdmin: true, departments: [] };

afterEach(() => {
  dynamo.reset();
});

describe('the answer to a settings change', () => {
  it('reads the account, the link and the tenant settings with strongly consistent reads after the write', async () => {
    // Prepare
    const items = [accountItem(seedAccount(APPID, TENANT)), linkItem(ownerLink(TENANT, APPID)), tenantItem({ tenantId: TENANT, ownedCount: 1 })];
    dynamo.on(GetCommand).callsFake((input: { Key: { pk: string; sk: string } }) => ({
      Item: items.find((item) => item.pk === input.Key.pk && item.sk === input.Key.sk),
    }));
    dynamo.on(TransactWriteCommand).resolves({});
    const audit: AuditLog = { record: async () => undefined, list: async () => Promise.reject(new Error('not read here')) };
    const grants = { grantedToAny: async () => new Set<string>(), isGrantedToAny: async () => false };
    const settings = new AccountSettings(
      new AccountQueries(new DynamoAccountDirectory(client, 'hub'), grants, []),
      new DynamoAccountSettingsStore(client, 'hub'),
      audit,
    );

    // Act
    await settings.update(admin, APPID, { plaintextAuthorization: true });

    // Assess
    const calls = dynamo.calls();
    const written = calls.findIndex((call) => call.args[0] instanceof TransactWriteCommand);
    const readsAfter = calls
      .slice(written + 1)
      .map((call) => call.args[0])
      .filter((command) => command instanceof GetCommand)
      .map((command) => [command.input.Key?.sk, command.input.ConsistentRead]);
    expect(readsAfter.sort()).toEqual([
      ['ACCOUNT', true],
      [`LINK#${APPID}`, true],
      ['TENANT', true],
    ]);
  });
});
