/**
 * The component's ticket and token in the table:
 * - `pk = COMPONENT#<componentAppId>`, `sk = TICKET`: `ticket`, `createTime` (unix s), `receivedAt`;
 * - `pk = COMPONENT#<componentAppId>`, `sk = TOKEN`: `token`, `expiresAt`, `refreshedAt`, and the
 *   refresh lease (`leaseOwner`, `leaseUntil`, see `lease.ts`);
 * - `pk = COMPONENT#<componentAppId>`, `sk = PUSH_TICKET_RESTART`: only the lease that limits
 *   `api_start_push_ticket` to one call per interval.
 * Each is one GetItem; newer-wins and compare-and-expire are conditional writes, never read-then-write.
 */
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from '#shared/db/conditions.ts';
import type { ComponentStore, ComponentTicket, ComponentToken, LeaseKey } from '#shared/domain/tokens/ports.ts';

export const componentKeys = {
  pk: (componentAppId: string) => `COMPONENT#${componentAppId}`,
  ticket: 'TICKET',
  token: 'TOKEN',
  pushTicketRestart: 'PUSH_TICKET_RESTART',
} as const;

export class DynamoComponentStore implements ComponentStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async saveTicket(componentAppId: string, ticket: ComponentTicket): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: componentKeys.pk(componentAppId),
            sk: componentKeys.ticket,
            type: 'ComponentTicket',
            ticket: ticket.ticket,
            createTime: ticket.createTime,
            receivedAt: ticket.receivedAt,
          },
          // Pushes arrive out of order and repeated: only a strictly newer CreateTime replaces.
          ConditionExpression: 'attribute_not_exists(pk) OR createTime < :createTime',
          ExpressionAttributeValues: { ':createTime': ticket.createTime },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async latestTicket(componentAppId: string): Promise<ComponentTicket | undefined> {
    const item = await this.get(componentAppId, componentKeys.ticket);
    if (!item || typeof item.ticket !== 'string') return undefined;
    return { ticket: item.ticket, createTime: Number(item.createTime), receivedAt: String(item.receivedAt) };
  }

  async readToken(componentAppId: string): Promise<ComponentToken | undefined> {
    const item = await this.get(componentAppId, componentKeys.token);
    // The item can hold only a lease (a first refresh in progress).
    if (!item || typeof item.token !== 'string' || typeof item.expiresAt !== 'string') return undefined;
    return {
      token: item.token,
      expiresAt: item.expiresAt,
      ...(typeof item.refreshedAt === 'string' ? { refreshedAt: item.refreshedAt } : {}),
    };
  }

  async saveToken(componentAppId: string, token: ComponentToken, leaseOwner: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: componentKeys.pk(componentAppId), sk: componentKeys.token },
          UpdateExpression: 'SET #type = :type, #token = :token, expiresAt = :expiresAt, refreshedAt = :refreshedAt',
          ConditionExpression: 'leaseOwner = :owner',
          ExpressionAttributeNames: { '#type': 'type', '#token': 'token' },
          ExpressionAttributeValues: {
            ':type': 'ComponentToken',
            ':token': token.token,
            ':expiresAt': token.expiresAt,
            ':refreshedAt': token.refreshedAt ?? new Date().toISOString(),
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

  async expireToken(componentAppId: string, used: string, at: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: componentKeys.pk(componentAppId), sk: componentKeys.token },
          UpdateExpression: 'SET expiresAt = :at, expiredAt = :at',
          ConditionExpression: '#token = :used',
          ExpressionAttributeNames: { '#token': 'token' },
          ExpressionAttributeValues: { ':at': at, ':used': used },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  tokenLeaseKey(componentAppId: string): LeaseKey {
    return { pk: componentKeys.pk(componentAppId), sk: componentKeys.token };
  }

  pushTicketLeaseKey(componentAppId: string): LeaseKey {
    return { pk: componentKeys.pk(componentAppId), sk: componentKeys.pushTicketRestart };
  }

  private async get(componentAppId: string, sk: string): Promise<Record<string, unknown> | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.table, Key: { pk: componentKeys.pk(componentAppId), sk }, ConsistentRead: true }));
    return result.Item;
  }
}
