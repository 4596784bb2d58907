/**
 * Authorizer tokens in the table (keys: `account-keys.ts`):
 *
 * | item | pk | sk | used here |
 * |---|---|---|---|
 * | account | `ACCOUNT#<appid>` | `ACCOUNT` | `status` read, and set by the status marks (`revokedAt`, `updatedAt`) |
 * | authorizer tokens | `ACCOUNT#<appid>` | `TOKEN` | `authorizerTokenAttributes` + the lease (`leaseOwner`, `leaseUntil`) |
 *
 * A read is one BatchGetItem of both items, strongly consistent. A refresh is stored by one
 * transaction: a condition check that the account is still active, and the TOKEN update conditional
 * on the lease and on the refresh token it replaced — so a refresher whose lease lapsed, an account
 * revoked meanwhile, or a re-authorization that stored a newer refresh token all win over it.
 * A revoked account's TOKEN item holds no token and no due-index attributes; an account that needs
 * re-authorization keeps its (useless) tokens but leaves the due index.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { accountKeys, authorizerTokenAttributes } from '#shared/adapters/dynamodb/account-keys.ts';
import { accountFromItem } from '#shared/adapters/dynamodb/account-store.ts';
import { DynamoAuditLog } from '#shared/adapters/dynamodb/audit-log.ts';
import { componentTokenService } from '#shared/adapters/dynamodb/component-store.ts';
import { DynamoLease } from '#shared/adapters/dynamodb/lease.ts';
import { wechatCredentials } from '#shared/config/wechat-credentials.ts';
import { db, tableName } from '#shared/db/client.ts';
import { auditedStatusChanges, type StatusMarkStore } from '#shared/domain/accounts/authorization-changes.ts';
import type { AccountRecord, AccountStatus, AuthorizerTokens } from '#shared/domain/accounts/model.ts';
import { AuthorizerTokenService } from '#shared/domain/tokens/authorizer-token.ts';
import type { AuthorizerTokenState, AuthorizerTokenStore } from '#shared/domain/tokens/authorizer-token-store.ts';
import type { LeaseKey } from '#shared/domain/tokens/lease.ts';
import type { TokenSource } from '#shared/wechat/api-types.ts';
import { wechatApiClient } from '#shared/wechat/api-client.ts';

type Item = Record<string, unknown>;

const accountKey = (appid: string) => ({ pk: accountKeys.accountPk(appid), sk: accountKeys.accountSk });
const tokenKey = (appid: string) => ({ pk: accountKeys.accountPk(appid), sk: accountKeys.tokenSk });

const optionalString = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** True when a transaction was cancelled by a failed condition or a concurrent transaction: nothing was written. */
export function cancelledByCondition(error: unknown): boolean {
  if (error instanceof Error && error.name === 'TransactionConflictException') return true;
  if (!(error instanceof TransactionCanceledException)) return false;
  const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
  return codes.some((code) => code === 'ConditionalCheckFailed' || code === 'TransactionConflict');
}

export class DynamoAuthorizerTokenStore implements AuthorizerTokenStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async read(appid: string): Promise<AuthorizerTokenState | undefined> {
    const result = await this.client.send(
      new BatchGetCommand({
        RequestItems: {
          [this.table]: {
            Keys: [accountKey(appid), tokenKey(appid)],
            ConsistentRead: true,
            ProjectionExpression: 'sk, #status, ownerTenantId, accessToken, expiresAt, refreshToken',
            ExpressionAttributeNames: { '#status': 'status' },
          },
        },
      }),
    );
    // Two small items never exceed BatchGet's limits, but the API allows it to hand keys back.
    let items = result.Responses?.[this.table] ?? [];
    if (Object.keys(result.UnprocessedKeys ?? {}).length > 0) {
      items = await Promise.all([this.get(accountKey(appid)), this.get(tokenKey(appid))]).then((found) => found.filter((i): i is Item => !!i));
    }
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
    return state;
  }

  async save(
    appid: string,
    tokens: AuthorizerTokens,
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
                UpdateExpression: `SET ${sets.join(', ')}${guard.releaseLease ? ' REMOVE leaseOwner, leaseUntil' : ''}`,
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
      if (cancelledByCondition(error)) return false;
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
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  leaseKey(appid: string): LeaseKey {
    return tokenKey(appid);
  }

  private async get(key: { pk: string; sk: string }): Promise<Item | undefined> {
    return (await this.client.send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }))).Item;
  }
}

/**
 * The status changes WeChat's answers cause, each one transaction on the ACCOUNT and TOKEN items,
 * conditional on the status that was read (a concurrent change is read again).
 */
export class DynamoAccountStatusMarks implements StatusMarkStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly attempts = 3,
  ) {}

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
          UpdateExpression: 'REMOVE gsi2pk, gsi2sk',
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
    ]);
  }

  private async mark(
    appid: string,
    from: readonly AccountStatus[],
    transaction: (before: Item) => NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>,
  ): Promise<AccountRecord | undefined> {
    for (let attempt = 1; ; attempt++) {
      const result = await this.client.send(new GetCommand({ TableName: this.table, Key: accountKey(appid), ConsistentRead: true }));
      const before = result.Item;
      if (!before || !from.includes(String(before.status) as AccountStatus)) return undefined;
      try {
        await this.client.send(new TransactWriteCommand({ TransactItems: transaction(before) }));
        return accountFromItem(before);
      } catch (error) {
        if (!cancelledByCondition(error) || attempt >= this.attempts) throw error;
      }
    }
  }

  private setStatus(appid: string, before: Item, status: AccountStatus, at: string, extra: Record<string, string>) {
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

let service: AuthorizerTokenService | undefined;

/**
 * The process-wide authorizer token service, wired to the table, WeChat (`WECHAT_API_BASE`), the
 * component token and the audit trail. Handlers use `authorizerTokens(appid)`; tests build their own.
 */
export function authorizerTokenService(): AuthorizerTokenService {
  service ??= new AuthorizerTokenService({
    store: new DynamoAuthorizerTokenStore(db(), tableName()),
    statusChanges: auditedStatusChanges(new DynamoAccountStatusMarks(db(), tableName()), new DynamoAuditLog(db(), tableName())),
    lease: new DynamoLease(db(), tableName()),
    api: wechatApiClient(),
    component: componentTokenService(),
    componentAppId: async () => (await wechatCredentials()).componentAppId,
  });
  return service;
}

/** The access token of one account, for the WeChat client (`TokenSource`). */
export function authorizerTokens(appid: string): TokenSource {
  return authorizerTokenService().forAccount(appid);
}
