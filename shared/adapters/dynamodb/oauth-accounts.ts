/**
 * The account side of web authorization: an account's status (GetItem of its ACCOUNT item) and the
 * tenants holding it (Query of gsi1 `ACCOUNT#<appid>#LINKS`, owner and recipients, with each link's
 * `plaintextAuthorization`). Keys in `account-keys.ts`.
 */
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import { queryAll } from '#shared/db/query-all.ts';
import type { AccountStatus, LinkRole } from '#shared/domain/accounts/model.ts';
import type { AccountHolder, OAuthAccountLookup } from '#shared/domain/oauth/ports.ts';

export class DynamoOAuthAccounts implements OAuthAccountLookup {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async status(appid: string): Promise<AccountStatus | undefined> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: accountKeys.accountPk(appid), sk: accountKeys.accountSk },
        ProjectionExpression: '#status',
        ExpressionAttributeNames: { '#status': 'status' },
      }),
    );
    return result.Item ? (String(result.Item.status) as AccountStatus) : undefined;
  }

  async holders(appid: string): Promise<AccountHolder[]> {
    const items = await queryAll(this.client, this.table, {
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :links',
      ExpressionAttributeValues: { ':links': accountKeys.linksOfAccount(appid) },
    });
    return items
      .filter((item) => item.type === 'TenantLink')
      .map((item) => ({ tenantId: String(item.tenantId), role: String(item.role) as LinkRole, plaintextAuthorization: item.plaintextAuthorization === true }));
  }
}
