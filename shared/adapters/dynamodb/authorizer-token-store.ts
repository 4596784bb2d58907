/**
 * Authorizer tokens in the table (keys: `account-keys.ts`):
 *
 * | item | pk | sk | used here |
 * |---|---|---|---|
 * | account | `ACCOUNT#<appid>` | `ACCOUNT` | `status` read, and set by the status marks (`revokedAt`, `updatedAt`) |
 * | authorizer tokens | `ACCOUNT#<appid>` | `TOKEN` | `authorizerTokenAttributes` (with `verifyAfter` ISO when the mint may have been superseded) + the lease (`leaseOwner`, `leaseUntil`) + the recovery mark (`recoveryRequestedAt` ISO, `recoveryOffset`: the authorizer-list checkpoint) |
 *
 * A read is one BatchGetItem of both items, strongly consistent. A refresh is stored by one
 * transaction: a condition check that the account is still active, and the TOKEN update conditional
 * on the lease and on the refresh token it replaced — so a refresher whose lease lapsed, an account
 * revoked meanwhile, or a re-authorization that stored a newer refresh token all win over it.
 * A revoked account's TOKEN item holds no token and no due-index attributes; an account that needs
 * re-authorization keeps its (useless) tokens but leaves the due index.
 *
 * The recovery mark (`DynamoRecoveryMarks`, `shared/domain/tokens/token-recovery.ts`) stays on the due
 * index: the scheduled refresh sees it there and leaves the token to the recovery. A stored token, a
 * revocation (the item is replaced) and the move to `reauthorization_required` all end it.
 */
import { GetCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { accountKeys, authorizerTokenAttributes } from '#shared/adapters/dynamodb/account-keys.ts';
import { accountFromItem, DynamoAccountReads } from '#shared/adapters/dynamodb/account-store.ts';
import { batchGetAll } from '#shared/db/batch.ts';
import { isConditionFailure, refusedByCondition } from '#shared/db/conditions.ts';
import type { TransactItem } from '#shared/db/transactions.ts';
import type { AccountRecord, AccountStatus, AuthorizerTokens } from '#shared/domain/accounts/model.ts';
import type { StatusMarkStore } from '#shared/domain/accounts/ports.ts';
import type { AuthorizerTokenState, AuthorizerTokenStore, LeaseKey, RecoveryMark, RecoveryMarks, StoredAuthorizerTokens } from '#shared/domain/tokens/ports.ts';

type Item = Record<string, unknown>;

const accountKey = (appid: string) => ({ pk: accountKeys.accountPk(appid), sk: accountKeys.accountSk });
const tokenKey = (appid: string) => ({ pk: accountKeys.accountPk(appid), sk: accountKeys.tokenSk });

const optionalString = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** The recovery mark's attributes on the TOKEN item. */
const RECOVERY_ATTRIBUTES = 'recoveryRequestedAt, recoveryOffset';

/** The recovery mark of a TOKEN item (also what the due index projects). */
export function recoveryMarkOf(item: Item): RecoveryMark | undefined {
  const requestedAt = optionalString(item.recoveryRequestedAt);
  if (!requestedAt) return undefined;
  const offset = Number(item.recoveryOffset ?? 0);
  return { requestedAt, offset: Number.isInteger(offset) && offset > 0 ? offset : 0 };
}

export class DynamoAuthorizerTokenStore implements AuthorizerTokenStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async read(appid: string): Promise<AuthorizerTokenState | undefined> {
    // Two small items never exceed BatchGet's limits, but the API allows it to hand keys back: the toolkit asks again.
    const items = await batchGetAll(this.client, this.table, [accountKey(appid), tokenKey(appid)], {
      consistent: true,
      projection: {
        expression: 'sk, #status, ownerTenantId, accessToken, expiresAt, refreshToken, verifyAfter, recoveryRequestedAt, recoveryOffset',
        names: { '#status': 'status' },
      },
    });
    const account = items.find((item) => item.sk === accountKeys.accountSk);
    if (!account) return undefined;
    const token = items.find((item) => item.sk === accountKeys.tokenSk) ?? {};
    const state: AuthorizerTokenState = { status: String(account.status) as AccountStatus };
    const accessToken = optionalString(token.accessToken);
    const expiresAt = optionalString(token.expiresAt);
    const refreshToken = optionalString(token.refreshToken);
    if (accessToken) state.accessToken = accessToken;
    if (expiresAt) state.expiresAt = expiresAt;
    if (refreshToken) state.refreshToken = refreshToken;
    const ownerTenantId = optionalString(account.ownerTenantId);
    if (ownerTenantId) state.ownerTenantId = ownerTenantId;
    const recovery = recoveryMarkOf(token);
    if (recovery) state.recovery = recovery;
    const verifyAfter = optionalString(token.verifyAfter);
    if (verifyAfter) state.verifyAfter = verifyAfter;
    return state;
  }

  async save(
    appid: string,
    tokens: StoredAuthorizerTokens,
    refreshedAt: string,
    guard: { leaseOwner: string; replacedRefreshToken: string | undefined; releaseLease?: boolean },
  ): Promise<boolean> {
    const attributes = authorizerTokenAttributes(appid, tokens, refreshedAt);
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':owner': guard.leaseOwner };
    const sets = Object.entries(attributes).map(([name, value], index) => {
      names[`#a${index}`] = name;
      values[`:a${index}`] = value;
      return `#a${index} = :a${index}`;
    });
    names['#refreshToken'] = 'refreshToken';
    let refreshCondition = 'attribute_not_exists(#refreshToken)';
    if (guard.replacedRefreshToken !== undefined) {
      values[':replaced'] = guard.replacedRefreshToken;
      refreshCondition = '#refreshToken = :replaced';
    }
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              ConditionCheck: {
                TableName: this.table,
                Key: accountKey(appid),
                ConditionExpression: '#status = :active',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':active': 'active' },
              },
            },
            {
              Update: {
                TableName: this.table,
                Key: tokenKey(appid),
                // A token minted with the stored refresh token ends any recovery of it; a certain one, any verification.
                UpdateExpression: `SET ${sets.join(', ')} REMOVE ${guard.releaseLease ? 'leaseOwner, leaseUntil, ' : ''}${tokens.verifyAfter === undefined ? 'verifyAfter, ' : ''}${RECOVERY_ATTRIBUTES}`,
                ConditionExpression: `leaseOwner = :owner AND ${refreshCondition}`,
                ExpressionAttributeNames: names,
                ExpressionAttributeValues: values,
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (refusedByCondition(error)) return false;
      throw error;
    }
  }

  async expire(appid: string, used: string, at: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: tokenKey(appid),
          UpdateExpression: 'SET expiresAt = :at, expiredAt = :at',
          ConditionExpression: 'accessToken = :used',
          ExpressionAttributeValues: { ':at': at, ':used': used },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  leaseKey(appid: string): LeaseKey {
    return tokenKey(appid);
  }
}

/**
 * The status changes WeChat's answers cause, each one transaction on the ACCOUNT and TOKEN items,
 * conditional on the status that was read (a concurrent change is read again). Its account reads
 * are strongly consistent.
 */
export class DynamoAccountStatusMarks extends DynamoAccountReads implements StatusMarkStore {
  constructor(
    client: DynamoDBDocumentClient,
    table: string,
    private readonly attempts = 3,
  ) {
    super(client, table, { consistent: true });
  }

  /** From `active` or `reauthorization_required`: tokens and due index gone, data kept. */
  markRevoked(appid: string, at: string): Promise<AccountRecord | undefined> {
    return this.mark(appid, ['active', 'reauthorization_required'], (before) => [
      this.setStatus(appid, before, 'revoked', at, { revokedAt: at }),
      // A put rather than an update: the tokens, the due index and any refresher's lease all go,
      // so a refresh in flight cannot store a token for a revoked account.
      { Put: { TableName: this.table, Item: { ...tokenKey(appid), type: 'AuthorizerTokens', appid, droppedAt: at } } },
    ]);
  }

  /** From `active`: off the refresh schedule until an admin re-authorizes. */
  markReauthorizationRequired(appid: string, at: string): Promise<AccountRecord | undefined> {
    return this.mark(appid, ['active'], (before) => [
      this.setStatus(appid, before, 'reauthorization_required', at, {}),
      {
        Update: {
          TableName: this.table,
          Key: tokenKey(appid),
          UpdateExpression: `REMOVE gsi2pk, gsi2sk, ${RECOVERY_ATTRIBUTES}`,
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
    ]);
  }

  /**
   * From `reauthorization_required` back to `active` with `tokens` minted from the refresh token
   * WeChat lists (the reconciliation): the TOKEN item gets them and its due-index attributes, as a
   * refresh stores them. The account as it was, or undefined when it was no longer waiting.
   */
  markRestored(appid: string, tokens: AuthorizerTokens, at: string): Promise<AccountRecord | undefined> {
    const attributes = authorizerTokenAttributes(appid, tokens, at);
    const names = Object.fromEntries(Object.keys(attributes).map((name, index) => [`#a${index}`, name]));
    const values = Object.fromEntries(Object.values(attributes).map((value, index) => [`:a${index}`, value]));
    return this.mark(appid, ['reauthorization_required'], (before) => [
      this.setStatus(appid, before, 'active', at, {}),
      {
        Update: {
          TableName: this.table,
          Key: tokenKey(appid),
          UpdateExpression: `SET ${Object.keys(names)
            .map((name, index) => `${name} = :a${index}`)
            .join(', ')} REMOVE leaseOwner, leaseUntil, verifyAfter, ${RECOVERY_ATTRIBUTES}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      },
    ]);
  }

  /** The status of each of `appids` the hub holds (eventually consistent: the reconciliation re-checks in its writes). */
  async statusesOf(appids: readonly string[]): Promise<Map<string, AccountStatus>> {
    if (appids.length === 0) return new Map();
    const items = await batchGetAll(this.client, this.table, appids.map(accountKey), {
      projection: { expression: 'appid, #status', names: { '#status': 'status' } },
    });
    return new Map(items.map((item) => [String(item.appid), String(item.status) as AccountStatus]));
  }

  private async mark(appid: string, from: readonly AccountStatus[], transaction: (before: Item) => TransactItem[]): Promise<AccountRecord | undefined> {
    for (let attempt = 1; ; attempt++) {
      const result = await this.client.send(new GetCommand({ TableName: this.table, Key: accountKey(appid), ConsistentRead: true }));
      const before = result.Item;
      if (!before || !from.includes(String(before.status) as AccountStatus)) return undefined;
      try {
        await this.client.send(new TransactWriteCommand({ TransactItems: transaction(before) }));
        return accountFromItem(before);
      } catch (error) {
        if (!refusedByCondition(error) || attempt >= this.attempts) throw error;
      }
    }
  }

  private setStatus(appid: string, before: Item, status: AccountStatus, at: string, extra: Record<string, string>): TransactItem {
    const sets = ['#status = :status', 'updatedAt = :at', ...Object.keys(extra).map((name) => `${name} = :${name}`)];
    return {
      Update: {
        TableName: this.table,
        Key: accountKey(appid),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: '#status = :before',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':status': status,
          ':at': at,
          ':before': String(before.status),
          ...Object.fromEntries(Object.entries(extra).map(([name, value]) => [`:${name}`, value])),
        },
      },
    };
  }
}

/** The recovery mark on the TOKEN item: each change one conditional UpdateItem. */
export class DynamoRecoveryMarks implements RecoveryMarks {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async markPending(appid: string, at: string, staleBefore: string): Promise<'marked' | 'pending'> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: tokenKey(appid),
          // A renewed (stale) mark keeps its checkpoint.
          UpdateExpression: 'SET recoveryRequestedAt = :at, recoveryOffset = if_not_exists(recoveryOffset, :zero)',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(recoveryRequestedAt) OR recoveryRequestedAt < :staleBefore)',
          ExpressionAttributeValues: { ':at': at, ':zero': 0, ':staleBefore': staleBefore },
        }),
      );
      return 'marked';
    } catch (error) {
      if (isConditionFailure(error)) return 'pending';
      throw error;
    }
  }

  async checkpoint(appid: string, offset: number): Promise<void> {
    await this.onlyWhileMarked(appid, 'SET recoveryOffset = :offset', { ':offset': offset });
  }

  async clear(appid: string): Promise<void> {
    await this.onlyWhileMarked(appid, `REMOVE ${RECOVERY_ATTRIBUTES}`, undefined);
  }

  private async onlyWhileMarked(appid: string, update: string, values: Record<string, unknown> | undefined): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: tokenKey(appid),
          UpdateExpression: update,
          ConditionExpression: 'attribute_exists(recoveryRequestedAt)',
          ...(values ? { ExpressionAttributeValues: values } : {}),
        }),
      );
    } catch (error) {
      // The mark ended meanwhile (a stored token, a status change): nothing to record.
      if (!isConditionFailure(error)) throw error;
    }
  }
}
