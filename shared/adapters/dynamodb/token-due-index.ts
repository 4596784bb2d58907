/**
 * The token due index (keys: `account-keys.ts`): every active account's TOKEN item carries
 * `gsi2pk = DUE#<shard>` (16 shards) and `gsi2sk = <refreshAt ISO>#<appid>`; gsi2 projects all
 * attributes, so a page of the index already holds the tokens and refresh tokens.
 *
 * | access | request |
 * |---|---|
 * | tokens due by a time, per shard | Query gsi2 `gsi2pk = DUE#n AND gsi2sk <= <ISO>#~`, paged (≤ 1 MB a page) |
 * | every active account's token (reconciliation) | the same Query without the upper bound |
 * | claim a listed token | UpdateItem of the TOKEN item: the lease, if free and `gsi2sk` is still the listed one |
 * | repair a refresh token | UpdateItem of the TOKEN item, if `refreshToken` is still the one read |
 *
 * The index is eventually consistent in AWS: an entry may be a moment old. The claim's condition on
 * `gsi2sk` is what makes that harmless — a token refreshed (or revoked, unbound, put off the
 * schedule) since the entry was read no longer matches and is skipped.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { isConditionFailure } from '#shared/db/conditions.ts';
import { TOKEN_DUE_SHARDS } from '#shared/table/description.ts';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import { recoveryMarkOf } from '#shared/adapters/dynamodb/authorizer-token-store.ts';
import { systemClock, type Clock } from '#shared/domain/tokens/clock.ts';
import type { ClaimOutcome, DueIndex, DuePage, DueToken } from '#shared/domain/tokens/ports.ts';

type Item = Record<string, unknown>;

/** Sorts after every `<ISO>#<appid>` key of the same instant (appids are alphanumeric). */
const upperKey = (iso: string) => `${iso}#~`;

const optionalString = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

function dueTokenOf(item: Item): DueToken {
  const token: DueToken = { appid: String(item.appid), dueKey: String(item.gsi2sk) };
  const accessToken = optionalString(item.accessToken);
  const expiresAt = optionalString(item.expiresAt);
  const refreshToken = optionalString(item.refreshToken);
  if (accessToken) token.accessToken = accessToken;
  if (expiresAt) token.expiresAt = expiresAt;
  if (refreshToken) token.refreshToken = refreshToken;
  const recovery = recoveryMarkOf(item);
  if (recovery) token.recovery = recovery;
  const verifyAfter = optionalString(item.verifyAfter);
  if (verifyAfter) token.verifyAfter = verifyAfter;
  return token;
}

export class DynamoDueIndex implements DueIndex {
  readonly shards: readonly string[] = Array.from({ length: TOKEN_DUE_SHARDS }, (_, n) => `DUE#${n}`);
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly clock: Clock = systemClock,
  ) {}

  async page(shard: string, dueBy: string, cursor?: unknown): Promise<DuePage> {
    return this.query(shard, upperKey(dueBy), cursor);
  }

  /** Every active account's TOKEN item in `shard`, whenever it is due. */
  allTokens(shard: string, cursor?: unknown): Promise<DuePage> {
    return this.query(shard, undefined, cursor);
  }

  async claim(token: DueToken, owner: string, ttlMs: number): Promise<ClaimOutcome> {
    const now = this.clock.now();
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: accountKeys.accountPk(token.appid), sk: accountKeys.tokenSk },
          UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until',
          ConditionExpression: 'gsi2sk = :listed AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)',
          ExpressionAttributeValues: { ':owner': owner, ':until': now + ttlMs, ':now': now, ':listed': token.dueKey },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'claimed';
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // The document client does not unmarshall the item a failed condition returns (aws-sdk-js-v3
      // #6723): it arrives as raw AttributeValues (`{ gsi2sk: { S: '…' } }`).
      const raw = (error as { Item?: Record<string, AttributeValue> }).Item;
      // (Should a later SDK unmarshall it, the plain item is taken as it is.)
      const current: Item | undefined = raw && typeof raw.pk === 'object' ? unmarshall(raw) : raw;
      // Without the old item (an engine that does not return it) the safe reading is "someone has it".
      if (current && current.gsi2sk !== token.dueKey) return 'changed';
      return 'busy';
    }
  }

  /**
   * Replaces the stored refresh token with the one WeChat lists, only while the stored one is still
   * `seen` (a refresh or re-authorization that stored another one since wins). False when it was not.
   */
  async repairRefreshToken(appid: string, seen: string, listed: string, at: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: accountKeys.accountPk(appid), sk: accountKeys.tokenSk },
          UpdateExpression: 'SET refreshToken = :listed, refreshTokenRepairedAt = :at',
          ConditionExpression: 'refreshToken = :seen',
          ExpressionAttributeValues: { ':listed': listed, ':seen': seen, ':at': at },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  private async query(shard: string, upper: string | undefined, cursor: unknown): Promise<DuePage> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'gsi2',
        KeyConditionExpression: upper === undefined ? 'gsi2pk = :shard' : 'gsi2pk = :shard AND gsi2sk <= :upper',
        ExpressionAttributeValues: { ':shard': shard, ...(upper === undefined ? {} : { ':upper': upper }) },
        ...(cursor !== undefined ? { ExclusiveStartKey: cursor as Item } : {}),
      }),
    );
    const tokens = (result.Items ?? []).filter((item) => item.sk === accountKeys.tokenSk).map(dueTokenOf);
    return { tokens, ...(result.LastEvaluatedKey ? { cursor: result.LastEvaluatedKey } : {}) };
  }
}
