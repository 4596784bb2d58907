/**
 * Each account's cached `jsapi_ticket` (keys in `oauth-keys.ts`): the `JSAPITICKET` item beside the
 * account's TOKEN item, guarded by the same lease attributes (`leaseOwner` / `leaseUntil`,
 * `lease.ts`), which may create the item before any ticket is on it. A ticket is stored only while
 * its refresher still holds the lease, and the same write gives the lease up.
 */
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import { oauthKeys } from '#shared/adapters/dynamodb/oauth-keys.ts';
import { isConditionFailure } from '#shared/db/conditions.ts';
import type { JsapiTicket, JsapiTicketStore } from '#shared/domain/oauth/ports.ts';
import type { LeaseKey } from '#shared/domain/tokens/ports.ts';

export class DynamoJsapiTickets implements JsapiTicketStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  leaseKey(appid: string): LeaseKey {
    return { pk: accountKeys.accountPk(appid), sk: oauthKeys.ticketSk };
  }

  async read(appid: string): Promise<JsapiTicket | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.table, Key: this.leaseKey(appid), ConsistentRead: true }));
    const item = result.Item;
    if (typeof item?.ticket !== 'string' || typeof item.expiresAt !== 'string') return undefined;
    return { ticket: item.ticket, expiresAt: item.expiresAt };
  }

  async save(appid: string, ticket: JsapiTicket, leaseOwner: string, at: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.leaseKey(appid),
          UpdateExpression: 'SET #type = :type, appid = :appid, ticket = :ticket, expiresAt = :expiresAt, refreshedAt = :at REMOVE leaseOwner, leaseUntil',
          ConditionExpression: 'leaseOwner = :owner',
          ExpressionAttributeNames: { '#type': 'type' },
          ExpressionAttributeValues: {
            ':type': 'JsapiTicket',
            ':appid': appid,
            ':ticket': ticket.ticket,
            ':expiresAt': ticket.expiresAt,
            ':at': at,
            ':owner': leaseOwner,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
