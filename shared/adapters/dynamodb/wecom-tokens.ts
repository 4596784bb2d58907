/**
 * The suite ticket and the WeCom tokens in the table (`shared/domain/wecom/ports.ts` has the layout):
 * - `WECOM_SUITE#<suiteId>` / `TICKET`: `ticket`, `timeStamp` (WeCom's seconds), `receivedAt`; a
 *   conditional put keeps the newest by `timeStamp` (a repeated or late push changes nothing);
 * - `…` / `TOKEN` (suite, provider, corp): `token`, `expiresAt`, `refreshedAt`, and the lease
 *   (`leaseOwner`, `leaseUntil` epoch ms, `shared/adapters/dynamodb/lease.ts`) on the same item; a
 *   token is stored only while its minter holds the lease.
 */
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from '#shared/db/conditions.ts';
import type { LeaseKey } from '#shared/domain/tokens/ports.ts';
import type { StoredToken, SuiteTicket, SuiteTicketStore, WeComTokenKind, WeComTokenStore } from '#shared/domain/wecom/ports.ts';
import { tokenKey, wecomKeys } from '#shared/adapters/dynamodb/wecom-keys.ts';

const falseOnCondition = (error: unknown): false => {
  if (isConditionFailure(error)) return false;
  throw error;
};

export class DynamoSuiteTickets implements SuiteTicketStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async saveTicket(suiteId: string, ticket: SuiteTicket): Promise<boolean> {
    return this.client
      .send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: wecomKeys.suite(suiteId), sk: wecomKeys.ticketSk, type: 'WeComSuiteTicket', ...ticket },
          ConditionExpression: 'attribute_not_exists(pk) OR #ts < :timeStamp',
          ExpressionAttributeNames: { '#ts': 'timeStamp' },
          ExpressionAttributeValues: { ':timeStamp': ticket.timeStamp },
        }),
      )
      .then(() => true, falseOnCondition);
  }

  async latestTicket(suiteId: string): Promise<SuiteTicket | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: wecomKeys.suite(suiteId), sk: wecomKeys.ticketSk }, ConsistentRead: true }),
    );
    if (!Item || typeof Item.ticket !== 'string') return undefined;
    return { ticket: Item.ticket, timeStamp: Number(Item.timeStamp), receivedAt: String(Item.receivedAt) };
  }
}

export class DynamoWeComTokens implements WeComTokenStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async read(which: WeComTokenKind): Promise<StoredToken | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.table, Key: tokenKey(which), ConsistentRead: true }));
    if (!Item || typeof Item.token !== 'string' || typeof Item.expiresAt !== 'string') return undefined;
    return { token: Item.token, expiresAt: Item.expiresAt, ...(typeof Item.refreshedAt === 'string' ? { refreshedAt: Item.refreshedAt } : {}) };
  }

  async save(which: WeComTokenKind, token: StoredToken, leaseOwner: string): Promise<boolean> {
    return this.client
      .send(
        new UpdateCommand({
          TableName: this.table,
          Key: tokenKey(which),
          UpdateExpression: 'SET #type = :type, #token = :token, expiresAt = :expiresAt, refreshedAt = :refreshedAt',
          ConditionExpression: 'leaseOwner = :owner',
          ExpressionAttributeNames: { '#type': 'type', '#token': 'token' },
          ExpressionAttributeValues: {
            ':type': `WeCom${which.kind[0]!.toUpperCase()}${which.kind.slice(1)}Token`,
            ':token': token.token,
            ':expiresAt': token.expiresAt,
            ':refreshedAt': token.refreshedAt ?? token.expiresAt,
            ':owner': leaseOwner,
          },
        }),
      )
      .then(() => true, falseOnCondition);
  }

  async expire(which: WeComTokenKind, used: string, at: string): Promise<boolean> {
    return this.client
      .send(
        new UpdateCommand({
          TableName: this.table,
          Key: tokenKey(which),
          UpdateExpression: 'SET expiresAt = :at',
          ConditionExpression: '#token = :used',
          ExpressionAttributeNames: { '#token': 'token' },
          ExpressionAttributeValues: { ':at': at, ':used': used },
        }),
      )
      .then(() => true, falseOnCondition);
  }

  async drop(which: WeComTokenKind): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.table, Key: tokenKey(which) }));
  }

  leaseKey(which: WeComTokenKind): LeaseKey {
    return tokenKey(which);
  }
}
