/**
 * The lease on a table item: one conditional UpdateItem on its `leaseOwner` / `leaseUntil`
 * (epoch ms) attributes. It creates the item when it does not exist yet, and leaves every other
 * attribute alone, so it can sit on the token item it guards.
 */
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from '#shared/db/conditions.ts';
import { systemClock, type Clock } from '#shared/domain/tokens/clock.ts';
import type { Lease, LeaseKey } from '#shared/domain/tokens/ports.ts';

export class DynamoLease implements Lease {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly clock: Clock = systemClock,
  ) {}

  async tryAcquire(key: LeaseKey, owner: string, ttlMs: number): Promise<boolean> {
    const now = this.clock.now();
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: key.pk, sk: key.sk },
          UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until',
          ConditionExpression: 'attribute_not_exists(leaseUntil) OR leaseUntil < :now OR leaseOwner = :owner',
          ExpressionAttributeValues: { ':owner': owner, ':until': now + ttlMs, ':now': now },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async release(key: LeaseKey, owner: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: key.pk, sk: key.sk },
          UpdateExpression: 'REMOVE leaseOwner, leaseUntil',
          ConditionExpression: 'leaseOwner = :owner',
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
    } catch (error) {
      // Someone else holds it now (ours had lapsed): theirs is not ours to release.
      if (isConditionFailure(error)) return;
      throw error;
    }
  }
}
