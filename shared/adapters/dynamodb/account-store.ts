/**
 * The account store: the single-item reads binding needs and the binding transaction. Keys follow
 * `account-keys.ts`; attribute names are the model's field names (`shared/domain/accounts/model.ts`),
 * so every reader maps an item the same way (`accountFromItem`, `linkFromItem`, `tenantSettingsFromItem`).
 *
 * | item | pk | sk | written here |
 * |---|---|---|---|
 * | account | `ACCOUNT#<appid>` | `ACCOUNT` | profile, `funcIds`, `status`, `ownerTenantId`, `authorizedAt`, `updatedAt`; gsi1 `USERNAME#<gh_…>` |
 * | authorizer tokens | `ACCOUNT#<appid>` | `TOKEN` | `authorizerTokenAttributes` (lease attributes left alone) |
 * | owner link | `TENANT#<tenantId>` | `LINK#<appid>` | `role = owner`, `linkedAt`, `plaintextAuthorization` (the binding's choice, default true); gsi1 `ACCOUNT#<appid>#LINKS` / `owner#<tenantId>` |
 * | tenant settings | `TENANT#<tenantId>` | `TENANT` | `ownedCount` (+1 per new binding) |
 *
 * The invariants live in the transaction's conditions, never in a read before it:
 * - one active owner: the account item is written only if it is still as the plan saw it
 *   (absent / owned by this tenant and not unbound / the same ended binding, same `updatedAt`);
 * - the quota: the tenant's `ownedCount` grows only while it is below `quota` (or the default).
 * Re-authorization updates in place: `linkedAt` and the link's settings stay (`plaintextAuthorization`
 * changes only when the re-authorization asked for a value), the count does not move.
 * A takeover of an ended binding removes the previous owner's link in the same transaction, and
 * gives back its quota slot if the binding was only `revoked` (unbinding gives it back itself).
 */
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { accountKeys, authorizerTokenAttributes, profileAttributes } from '#shared/adapters/dynamodb/account-keys.ts';
import { cancellationCodes, isTransactionCancelled } from '#shared/db/conditions.ts';
import type { TransactItem } from '#shared/db/transactions.ts';
import type { AccountRecord, AccountStatus, LinkRole, TenantLink, TenantSettings } from '#shared/domain/accounts/model.ts';
import type { AccountReads, ReadOptions } from '#shared/domain/accounts/ports.ts';
import type { AccountStore, BindingWrite, BindingWriteResult } from '#shared/domain/binding/ports.ts';

type Item = Record<string, unknown>;

const optionalString = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

export function accountFromItem(item: Item): AccountRecord {
  const account: AccountRecord = {
    appid: String(item.appid),
    userName: String(item.userName ?? ''),
    nickname: String(item.nickname ?? ''),
    serviceTypeId: Number(item.serviceTypeId ?? 0),
    verifyTypeId: Number(item.verifyTypeId ?? -1),
    openPay: item.openPay === true,
    funcIds: Array.isArray(item.funcIds) ? item.funcIds.map(Number) : [],
    status: String(item.status) as AccountStatus,
    ownerTenantId: String(item.ownerTenantId),
    authorizedAt: String(item.authorizedAt),
    updatedAt: String(item.updatedAt),
  };
  for (const field of ['headImg', 'principalName', 'alias', 'revokedAt', 'unboundAt', 'openAppId'] as const) {
    const value = optionalString(item[field]);
    if (value) account[field] = value;
  }
  if (item.fans && typeof item.fans === 'object') account.fans = item.fans as NonNullable<AccountRecord['fans']>;
  if (item.openPlatform && typeof item.openPlatform === 'object') account.openPlatform = item.openPlatform as NonNullable<AccountRecord['openPlatform']>;
  return account;
}

export function linkFromItem(item: Item): TenantLink {
  const link: TenantLink = {
    tenantId: String(item.tenantId),
    appid: String(item.appid),
    role: String(item.role) as LinkRole,
    linkedAt: String(item.linkedAt),
    plaintextAuthorization: item.plaintextAuthorization === true,
  };
  if (typeof item.includePayment === 'boolean') link.includePayment = item.includePayment;
  return link;
}

export function tenantSettingsFromItem(item: Item): TenantSettings {
  const settings: TenantSettings = {
    tenantId: String(item.tenantId),
    ownedCount: Number(item.ownedCount ?? 0),
  };
  if (typeof item.quota === 'number') settings.quota = item.quota;
  const defaultAppid = optionalString(item.defaultAppid);
  if (defaultAppid) settings.defaultAppid = defaultAppid;
  return settings;
}

/**
 * "Read an account" on the table, the one way every adapter does it: the ACCOUNT item, the tenant's
 * link, the tenant's settings, each one GetItem. `defaults` says how an adapter's reads go unless
 * the caller asks otherwise (the binding and lifecycle stores read strongly consistent).
 */
export class DynamoAccountReads implements AccountReads {
  constructor(
    protected readonly client: DynamoDBDocumentClient,
    protected readonly table: string,
    private readonly defaults: ReadOptions = {},
  ) {}

  async account(appid: string, read: ReadOptions = {}): Promise<AccountRecord | undefined> {
    const item = await this.getItem(accountKeys.accountPk(appid), accountKeys.accountSk, read);
    return item ? accountFromItem(item) : undefined;
  }

  async link(tenantId: string, appid: string, read: ReadOptions = {}): Promise<TenantLink | undefined> {
    const item = await this.getItem(accountKeys.tenantPk(tenantId), accountKeys.linkSk(appid), read);
    return item ? linkFromItem(item) : undefined;
  }

  async tenantSettings(tenantId: string, read: ReadOptions = {}): Promise<TenantSettings | undefined> {
    const item = await this.getItem(accountKeys.tenantPk(tenantId), accountKeys.tenantSk, read);
    return item ? tenantSettingsFromItem(item) : undefined;
  }

  protected async getItem(pk: string, sk: string, read: ReadOptions = {}): Promise<Item | undefined> {
    const consistent = read.consistent ?? this.defaults.consistent ?? false;
    const result = await this.client.send(new GetCommand({ TableName: this.table, Key: { pk, sk }, ...(consistent ? { ConsistentRead: true } : {}) }));
    return result.Item;
  }
}

/** Builds an expression with every attribute name aliased (`status`, `role`, `type`, `ttl` are reserved words). */
class Expression {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};

  name(attribute: string): string {
    const alias = `#${attribute}`;
    this.names[alias] = attribute;
    return alias;
  }

  value(value: unknown): string {
    const placeholder = `:v${Object.keys(this.values).length}`;
    this.values[placeholder] = value;
    return placeholder;
  }

  sets(attributes: Item): string[] {
    return Object.entries(attributes)
      .filter(([, value]) => value !== undefined)
      .map(([attribute, value]) => `${this.name(attribute)} = ${this.value(value)}`);
  }
}

function updateOf(
  table: string,
  key: { pk: string; sk: string },
  build: (e: Expression) => { set: string[]; remove?: string[]; condition?: string },
): TransactItem {
  const e = new Expression();
  const { set, remove = [], condition } = build(e);
  const update = [`SET ${set.join(', ')}`, ...(remove.length > 0 ? [`REMOVE ${remove.join(', ')}`] : [])].join(' ');
  return {
    Update: {
      TableName: table,
      Key: key,
      UpdateExpression: update,
      ...(condition ? { ConditionExpression: condition } : {}),
      ExpressionAttributeNames: e.names,
      ...(Object.keys(e.values).length > 0 ? { ExpressionAttributeValues: e.values } : {}),
    },
  };
}

/** Positions in the transaction whose failed condition means something to the use case. */
const ACCOUNT_INDEX = 0;

/** The binding's store: strongly consistent reads (the plan is made from the latest state) and the binding transaction. */
export class DynamoAccountStore extends DynamoAccountReads implements AccountStore {
  constructor(client: DynamoDBDocumentClient, table: string) {
    super(client, table, { consistent: true });
  }

  async writeBinding(write: BindingWrite): Promise<BindingWriteResult> {
    const items = this.bindingTransaction(write);
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items.map(({ item }) => item) }));
      return 'written';
    } catch (error) {
      if (error instanceof Error && error.name === 'TransactionConflictException') return 'contended';
      if (!isTransactionCancelled(error)) throw error;
      const codes = cancellationCodes(error);
      const failedRole = (role: 'account' | 'quota') => items.some(({ role: r }, index) => r === role && codes[index] === 'ConditionalCheckFailed');
      if (failedRole('account')) return 'account_changed';
      if (failedRole('quota')) return 'quota_exceeded';
      if (codes.includes('TransactionConflict')) return 'contended';
      throw error;
    }
  }

  private bindingTransaction(write: BindingWrite): { item: TransactItem; role?: 'account' | 'quota' }[] {
    const { tenantId, plan, profile, tokens, at } = write;
    const appid = profile.appid;
    const items: { item: TransactItem; role?: 'account' | 'quota' }[] = [];

    items[ACCOUNT_INDEX] = {
      role: 'account',
      item: updateOf(this.table, { pk: accountKeys.accountPk(appid), sk: accountKeys.accountSk }, (e) => {
        const { sets: profileSets, absent } = profileAttributes(profile);
        const set = e.sets({
          type: 'Account',
          appid,
          ...profileSets,
          status: 'active',
          ownerTenantId: tenantId,
          authorizedAt: at,
          updatedAt: at,
        });
        const remove = [...absent.map((attribute) => e.name(attribute)), e.name('revokedAt'), e.name('unboundAt')];
        const owner = e.name('ownerTenantId');
        const status = e.name('status');
        let condition: string;
        if (plan.kind === 'new') condition = `attribute_not_exists(${e.name('pk')})`;
        // Never re-activates an account its owner is unbinding (`unbind.ts`): that only moves on to `unbound`.
        else if (plan.kind === 'reauthorize')
          condition = `${owner} = ${e.value(tenantId)} AND ${status} <> ${e.value('unbound')} AND ${status} <> ${e.value('unbinding')}`;
        else
          condition = `${owner} = ${e.value(plan.previous.ownerTenantId)} AND ${status} = ${e.value(plan.previous.status)} AND ${e.name('updatedAt')} = ${e.value(plan.previous.updatedAt)}`;
        return { set, remove, condition };
      }),
    };

    items.push({
      item: updateOf(this.table, { pk: accountKeys.accountPk(appid), sk: accountKeys.tokenSk }, (e) => ({
        set: e.sets(authorizerTokenAttributes(appid, tokens, at)),
      })),
    });

    const linkKey = { pk: accountKeys.tenantPk(tenantId), sk: accountKeys.linkSk(appid) };
    const linkIndex = { gsi1pk: accountKeys.linksOfAccount(appid), gsi1sk: accountKeys.linkGsiSk('owner', tenantId) };
    if (plan.kind === 'reauthorize') {
      items.push({
        item: updateOf(this.table, linkKey, (e) => ({
          set: [
            ...e.sets({ type: 'TenantLink', tenantId, appid, role: 'owner', ...linkIndex }),
            `${e.name('linkedAt')} = if_not_exists(${e.name('linkedAt')}, ${e.value(at)})`,
            // The binding's choice when it made one; otherwise the link keeps its own.
            write.plaintextAuthorization === undefined
              ? `${e.name('plaintextAuthorization')} = if_not_exists(${e.name('plaintextAuthorization')}, ${e.value(true)})`
              : `${e.name('plaintextAuthorization')} = ${e.value(write.plaintextAuthorization)}`,
          ],
        })),
      });
      return items;
    }

    items.push({
      item: {
        Put: {
          TableName: this.table,
          Item: {
            ...linkKey,
            type: 'TenantLink',
            tenantId,
            appid,
            role: 'owner',
            linkedAt: at,
            plaintextAuthorization: write.plaintextAuthorization ?? true,
            ...linkIndex,
          },
        },
      },
    });
    items.push({ role: 'quota', item: this.takeQuotaSlot(tenantId, write.defaultQuota) });

    if (plan.kind === 'takeover' && plan.previous.ownerTenantId !== tenantId) {
      const previousOwner = plan.previous.ownerTenantId;
      items.push({ item: { Delete: { TableName: this.table, Key: { pk: accountKeys.tenantPk(previousOwner), sk: accountKeys.linkSk(appid) } } } });
      if (plan.previous.status === 'revoked') {
        items.push({
          item: {
            Update: {
              TableName: this.table,
              Key: { pk: accountKeys.tenantPk(previousOwner), sk: accountKeys.tenantSk },
              UpdateExpression: 'ADD #ownedCount :minusOne',
              ExpressionAttributeNames: { '#ownedCount': 'ownedCount' },
              ExpressionAttributeValues: { ':minusOne': -1 },
            },
          },
        });
      }
    }
    return items;
  }

  /** `ownedCount + 1`, only while the tenant is below its own quota, or the default one when it has none. */
  private takeQuotaSlot(tenantId: string, defaultQuota: number): TransactItem {
    return updateOf(this.table, { pk: accountKeys.tenantPk(tenantId), sk: accountKeys.tenantSk }, (e) => {
      const count = e.name('ownedCount');
      const quota = e.name('quota');
      const zero = e.value(0);
      const set = [...e.sets({ type: 'TenantSettings', tenantId }), `${count} = if_not_exists(${count}, ${zero}) + ${e.value(1)}`];
      const underDefault = defaultQuota > 0 ? `(attribute_not_exists(${count}) OR ${count} < ${e.value(defaultQuota)})` : `${count} < ${e.value(defaultQuota)}`;
      const underOwn = `((attribute_not_exists(${count}) AND ${quota} > ${zero}) OR ${count} < ${quota})`;
      const condition = `(attribute_not_exists(${quota}) AND ${underDefault}) OR (attribute_exists(${quota}) AND ${underOwn})`;
      return { set, condition };
    });
  }
}
