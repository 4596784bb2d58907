/**
 * Who a push is published to (API.md §6 `ownerTenantId`, `sharedTenantIds`) and the follower's
 * unionid, read per push: the account item (its owner, its status), the account's recipient links
 * (gsi1 `ACCOUNT#<appid>#LINKS`, `shared#…`; `account-keys.ts`), the follower item
 * (`followers.ts`). Reads only.
 */
import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import { followerKeys } from '#shared/adapters/dynamodb/followers.ts';
import type { PushAudience, PushHolders } from '#shared/domain/messages/ports.ts';

export class DynamoPushAudience implements PushAudience {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async holders(appid: string): Promise<PushHolders | undefined> {
    const [account, links] = await Promise.all([
      this.client.send(
        new GetCommand({
          TableName: this.table,
          Key: { pk: accountKeys.accountPk(appid), sk: accountKeys.accountSk },
          ProjectionExpression: 'ownerTenantId, #status',
          ExpressionAttributeNames: { '#status': 'status' },
        }),
      ),
      this.client.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :shared)',
          ExpressionAttributeValues: { ':pk': accountKeys.linksOfAccount(appid), ':shared': 'shared#' },
          ProjectionExpression: 'tenantId, gsi1sk',
        }),
      ),
    ]);
    const item = account.Item;
    if (!item || typeof item.ownerTenantId !== 'string' || item.ownerTenantId === '' || item.status === 'unbound') return undefined;
    const shared = (links.Items ?? []).map((link) => (typeof link.tenantId === 'string' ? link.tenantId : String(link.gsi1sk).slice('shared#'.length)));
    return { ownerTenantId: item.ownerTenantId, sharedTenantIds: [...new Set(shared)] };
  }

  async unionidOf(appid: string, openid: string): Promise<string | undefined> {
    const answer = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: followerKeys.pk(appid), sk: followerKeys.sk(openid) }, ProjectionExpression: 'unionid' }),
    );
    const unionid = answer.Item?.unionid;
    return typeof unionid === 'string' && unionid !== '' ? unionid : undefined;
  }
}
