/**
 * The table side of the push delivery rules (`shared/domain/messages/push-delivery.ts`):
 *
 * - `PUSHSIG#<sha256(msg_signature)>` / `PUSHSIG`: the replay cache, one item per push the hub
 *   accepted — `url` (`component` or `account:<appid>`, where it was delivered), `state`
 *   (`processing` with `leaseUntil`, then `done`), `expiresAt` (epoch seconds: the end of the push's
 *   clock-skew window) and `ttl` = `expiresAt`. The claim is one conditional put; TTL deletes late,
 *   so an item past `expiresAt` counts as absent. Each signature is its own partition: pushes of
 *   every account spread over the table. Only the SHA-256 of the signature is kept.
 * - the addressee check reads the `userName` of `ACCOUNT#<appid>` / `ACCOUNT` (`account-keys.ts`) with
 *   one strongly consistent GetItem: the path names the account, so the exact key is known. The gsi1
 *   `USERNAME#<gh_…>` index would answer the reverse question, by a Query on an eventually consistent
 *   index that lags a fresh binding; the GetItem costs the same single read and never lags.
 */
import { createHash } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import { isConditionFailure } from '#shared/db/conditions.ts';
import type { AccountUserNames, PushSignatureLog, SeenDelivery } from '#shared/domain/messages/push-delivery.ts';

export const pushSignatureKeys = {
  pk: (signature: string) => `PUSHSIG#${createHash('sha256').update(signature.toLowerCase()).digest('hex')}`,
  sk: 'PUSHSIG',
};

/** A claim refused and then gone before it is read (released meanwhile): claim again, a few times at most. */
const CLAIM_ATTEMPTS = 3;

export class DynamoPushSignatures implements PushSignatureLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private key(signature: string) {
    return { pk: pushSignatureKeys.pk(signature), sk: pushSignatureKeys.sk };
  }

  async claim(signature: string, claim: { url: string; expiresAt: number; leaseUntil: number; now: number }): Promise<SeenDelivery | 'claimed'> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.table,
            Item: {
              ...this.key(signature),
              type: 'PushSignature',
              url: claim.url,
              state: 'processing',
              leaseUntil: claim.leaseUntil,
              expiresAt: claim.expiresAt,
              ttl: claim.expiresAt,
            },
            ConditionExpression: 'attribute_not_exists(pk) OR #expiresAt < :now OR (#state = :processing AND #leaseUntil < :now AND #url = :url)',
            ExpressionAttributeNames: { '#url': 'url', '#state': 'state', '#expiresAt': 'expiresAt', '#leaseUntil': 'leaseUntil' },
            ExpressionAttributeValues: { ':now': claim.now, ':processing': 'processing', ':url': claim.url },
          }),
        );
        return 'claimed';
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // Refused: read who holds it (the document client does not unmarshall an exception's `Item`).
        const held = await this.read(signature);
        if (held) return { url: String(held.url), state: held.state === 'done' ? 'done' : 'processing' };
        if (attempt >= CLAIM_ATTEMPTS) throw error;
      }
    }
  }

  async complete(signature: string, url: string): Promise<void> {
    await this.client
      .send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(signature),
          UpdateExpression: 'SET #state = :done REMOVE #leaseUntil',
          ConditionExpression: '#url = :url',
          ExpressionAttributeNames: { '#state': 'state', '#leaseUntil': 'leaseUntil', '#url': 'url' },
          ExpressionAttributeValues: { ':done': 'done', ':url': url },
        }),
      )
      .catch(ignoreConditionFailure);
  }

  async release(signature: string, url: string): Promise<void> {
    await this.client
      .send(
        new DeleteCommand({
          TableName: this.table,
          Key: this.key(signature),
          ConditionExpression: '#url = :url AND #state = :processing',
          ExpressionAttributeNames: { '#url': 'url', '#state': 'state' },
          ExpressionAttributeValues: { ':url': url, ':processing': 'processing' },
        }),
      )
      .catch(ignoreConditionFailure);
  }

  private async read(signature: string): Promise<Record<string, unknown> | undefined> {
    const result = await this.client.send(new GetCommand({ TableName: this.table, Key: this.key(signature), ConsistentRead: true }));
    return result.Item;
  }
}

/** Another claim holds the item now (a takeover after the lease): nothing of ours to change. */
function ignoreConditionFailure(error: unknown): void {
  if (isConditionFailure(error)) return;
  throw error;
}

export class DynamoAccountUserNames implements AccountUserNames {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Undefined when there is no ACCOUNT item; an item without a user name reads as '' (matches no push). */
  async userNameOf(appid: string): Promise<string | undefined> {
    const result = await this.client.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: accountKeys.accountPk(appid), sk: accountKeys.accountSk },
        ProjectionExpression: 'userName',
        ConsistentRead: true,
      }),
    );
    if (!result.Item) return undefined;
    return typeof result.Item.userName === 'string' ? result.Item.userName : '';
  }
}
