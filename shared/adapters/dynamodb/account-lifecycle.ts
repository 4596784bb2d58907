/**
 * The account lifecycle in the table (keys: `account-keys.ts`; attribute names are the model's):
 * re-authorization by push, revocation, unbinding with its cascade, a recipient's release, the
 * open platform appid.
 *
 * | item | pk | sk | written here |
 * |---|---|---|---|
 * | account | `ACCOUNT#<appid>` | `ACCOUNT` | profile, `funcIds`, `status`, `revokedAt`, `unboundAt`, `openAppId`, `updatedAt` |
 * | authorizer tokens | `ACCOUNT#<appid>` | `TOKEN` | `refreshToken` / `authorizerTokenAttributes` at a re-authorization; deleted by unbinding |
 * | tenant link | `TENANT#<tenantId>` | `LINK#<appid>` | deleted by unbinding (owner) and release (recipient) |
 * | tenant settings | `TENANT#<tenantId>` | `TENANT` | `ownedCount − 1` and `defaultAppid` cleared by unbinding |
 * | department grant | `TENANT#<tenantId>` | `DEPT#<departmentId>#<appid>` | deleted with the link they hang on |
 *
 * Every change is one transaction whose conditions say "still as read" (the status, the owner, the
 * link's role, the tenant's default), so a concurrent re-authorization or DELETE makes it fail
 * (`changed`) instead of half-applying. An unbinding whose cascade does not fit one transaction
 * first deletes the cascade's items in transactions of their own, each carrying a check that the
 * change is still valid (the account revoked and the tenant's; for a release, the link still
 * shared), then runs the final one: a re-authorization before the first chunk deletes nothing.
 *
 * The cascade hooks (`unbindCascades`, `releaseCascades` of the options): what else an unbinding or
 * a recipient's release removes. The wiring hands in the sharing area's (`shared/wiring/accounts.ts`):
 * the rule is `shared/domain/sharing/cascades.ts` — shares, the recipients' links, community and
 * payment links, unused share codes — and `sharing-cascade.ts` turns it into items. A hook returns
 * deletions (or conditional updates) of its own items only, never of the items listed above, and may
 * throw a `DomainError` (e.g. `communities_still_linked`) to refuse.
 */
import { TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { accountKeys, authorizerTokenAttributes, dueShard, dueSortKey, profileAttributes } from '#shared/adapters/dynamodb/account-keys.ts';
import { DynamoAccountStatusMarks } from '#shared/adapters/dynamodb/authorizer-token-store.ts';
import { refusedByCondition } from '#shared/db/conditions.ts';
import { queryAll } from '#shared/db/query-all.ts';
import { TRANSACTION_LIMIT, type TransactItem } from '#shared/db/transactions.ts';
import type { AuthorizationChangeStore, Reauthorization } from '#shared/domain/accounts/authorization-changes.ts';
import type { TenantSettings } from '#shared/domain/accounts/model.ts';
import type { OpenPlatformStore } from '#shared/domain/accounts/open-platform.ts';
import type { UnbindStore, UnbindWriteResult } from '#shared/domain/accounts/unbind.ts';

export type { TransactItem };

/** What an owner's unbinding removes besides the account's own items. */
export interface UnbindCascade {
  itemsToRemove(appid: string): Promise<TransactItem[]>;
}

/** What a recipient's release of a shared account removes besides its link. */
export interface ReleaseCascade {
  itemsToRemove(tenantId: string, appid: string): Promise<TransactItem[]>;
}

type Item = Record<string, unknown>;

export interface AccountLifecycleOptions {
  unbindCascades?: readonly UnbindCascade[];
  releaseCascades?: readonly ReleaseCascade[];
  transactionLimit?: number;
}

/**
 * The account reads (strongly consistent) and the revocation mark are the status marks' (`authorizer-token-store.ts`);
 * the cascades are handed in by the wiring (`shared/wiring/accounts.ts`: the sharing area's).
 */
export class DynamoAccountLifecycle extends DynamoAccountStatusMarks implements AuthorizationChangeStore, UnbindStore, OpenPlatformStore {
  private readonly unbindHooks: readonly UnbindCascade[];
  private readonly releaseHooks: readonly ReleaseCascade[];
  private readonly transactionLimit: number;

  constructor(client: DynamoDBDocumentClient, table: string, options: AccountLifecycleOptions = {}) {
    super(client, table);
    this.unbindHooks = options.unbindCascades ?? [];
    this.releaseHooks = options.releaseCascades ?? [];
    this.transactionLimit = options.transactionLimit ?? TRANSACTION_LIMIT;
  }

  async applyReauthorization(appid: string, expectedStatus: 'active' | 'reauthorization_required', change: Reauthorization): Promise<boolean> {
    const { profile, at } = change;
    const { sets: profileSets, absent } = profileAttributes(profile);
    const accountSets: Item = { ...profileSets, status: 'active', updatedAt: at };

    let tokenSets: Item | undefined;
    if (change.tokens) tokenSets = authorizerTokenAttributes(appid, change.tokens, at);
    else if (change.refreshToken && expectedStatus === 'reauthorization_required') {
      // The access token of the refused authorization is worth nothing: refresh with the new refresh token at once.
      tokenSets = { refreshToken: change.refreshToken, expiresAt: at, gsi2pk: dueShard(appid), gsi2sk: dueSortKey(at, appid) };
    } else if (change.refreshToken) tokenSets = { refreshToken: change.refreshToken };

    const items = [
      update(this.table, { pk: accountKeys.accountPk(appid), sk: accountKeys.accountSk }, accountSets, absent, {
        expression: '#status = :expected',
        values: { ':expected': expectedStatus },
      }),
    ];
    if (tokenSets) items.push(update(this.table, { pk: accountKeys.accountPk(appid), sk: accountKeys.tokenSk }, tokenSets, []));
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
      return true;
    } catch (error) {
      if (refusedByCondition(error)) return false;
      throw error;
    }
  }

  async unbind(o: { tenantId: string; appid: string; at: string }): Promise<UnbindWriteResult> {
    const { tenantId, appid, at } = o;
    const tenant = await this.tenantSettings(tenantId);
    const cascade = [...(await this.grantsOfEveryLinkedTenant(appid))];
    for (const hook of this.unbindHooks) cascade.push(...(await hook.itemsToRemove(appid)));

    const stillRevoked = { expression: '#status = :revoked AND #ownerTenantId = :owner', values: { ':revoked': 'revoked', ':owner': tenantId } };
    const accountKey = { pk: accountKeys.accountPk(appid), sk: accountKeys.accountSk };
    const core: TransactItem[] = [
      update(this.table, accountKey, { status: 'unbound', unboundAt: at, updatedAt: at }, [], stillRevoked),
      {
        Delete: {
          TableName: this.table,
          Key: { pk: accountKeys.tenantPk(tenantId), sk: accountKeys.linkSk(appid) },
          ConditionExpression: '#role = :owner',
          ExpressionAttributeNames: { '#role': 'role' },
          ExpressionAttributeValues: { ':owner': 'owner' },
        },
      },
      { Delete: { TableName: this.table, Key: { pk: accountKeys.accountPk(appid), sk: accountKeys.tokenSk } } },
    ];
    if (tenant) core.push(this.giveBackQuotaSlot(tenantId, appid, tenant));
    const guard: TransactItem = {
      ConditionCheck: {
        TableName: this.table,
        Key: accountKey,
        ConditionExpression: stillRevoked.expression,
        ExpressionAttributeNames: { '#status': 'status', '#ownerTenantId': 'ownerTenantId' },
        ExpressionAttributeValues: stillRevoked.values,
      },
    };
    return this.write(core, cascade, guard);
  }

  async release(o: { tenantId: string; appid: string; at: string }): Promise<UnbindWriteResult> {
    const { tenantId, appid } = o;
    const cascade = [...(await this.grantsOf(tenantId, appid))];
    for (const hook of this.releaseHooks) cascade.push(...(await hook.itemsToRemove(tenantId, appid)));
    const stillShared = {
      TableName: this.table,
      Key: { pk: accountKeys.tenantPk(tenantId), sk: accountKeys.linkSk(appid) },
      ConditionExpression: '#role = :shared',
      ExpressionAttributeNames: { '#role': 'role' },
      ExpressionAttributeValues: { ':shared': 'shared' },
    };
    return this.write([{ Delete: { ...stillShared } }], cascade, { ConditionCheck: { ...stillShared } });
  }

  async saveOpenAppId(appid: string, openAppId: string, at: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: accountKeys.accountPk(appid), sk: accountKeys.accountSk },
        UpdateExpression: 'SET openAppId = :openAppId, updatedAt = :at',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':openAppId': openAppId, ':at': at },
      }),
    );
  }

  /** `ownedCount − 1`, and the default cleared if it was this account — both only if the tenant is as read. */
  private giveBackQuotaSlot(tenantId: string, appid: string, tenant: TenantSettings): TransactItem {
    const wasDefault = tenant.defaultAppid === appid;
    return {
      Update: {
        TableName: this.table,
        Key: { pk: accountKeys.tenantPk(tenantId), sk: accountKeys.tenantSk },
        UpdateExpression: `ADD ownedCount :minusOne${wasDefault ? ' REMOVE defaultAppid' : ''}`,
        ConditionExpression: wasDefault ? 'defaultAppid = :appid' : 'attribute_not_exists(defaultAppid) OR defaultAppid <> :appid',
        ExpressionAttributeValues: { ':minusOne': -1, ':appid': appid },
      },
    };
  }

  /** The department grants of the account in the owner's and every recipient's tenant. */
  private async grantsOfEveryLinkedTenant(appid: string): Promise<TransactItem[]> {
    const links = await queryAll(this.client, this.table, {
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :links',
      ExpressionAttributeValues: { ':links': accountKeys.linksOfAccount(appid) },
    });
    const tenants = links.map((item) => String(item.tenantId));
    const grants = await Promise.all(tenants.map((tenantId) => this.grantsOf(tenantId, appid)));
    return grants.flat();
  }

  private async grantsOf(tenantId: string, appid: string): Promise<TransactItem[]> {
    const grants = await queryAll(this.client, this.table, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :dept)',
      FilterExpression: 'appid = :appid',
      ExpressionAttributeValues: { ':pk': accountKeys.tenantPk(tenantId), ':dept': 'DEPT#', ':appid': appid },
      ProjectionExpression: 'pk, sk',
      ConsistentRead: true,
    });
    return grants.map((item): TransactItem => ({ Delete: { TableName: this.table, Key: { pk: item.pk, sk: item.sk } } }));
  }

  /**
   * One transaction when everything fits; otherwise the cascade first, in transactions of its own,
   * each with `guard` (the core's condition as a check) so that none lands once the change is no
   * longer valid.
   */
  private async write(core: TransactItem[], cascade: TransactItem[], guard: TransactItem): Promise<UnbindWriteResult> {
    try {
      if (core.length + cascade.length <= this.transactionLimit) {
        await this.client.send(new TransactWriteCommand({ TransactItems: [...core, ...cascade] }));
        return 'done';
      }
      const room = this.transactionLimit - 1;
      for (let start = 0; start < cascade.length; start += room) {
        await this.client.send(new TransactWriteCommand({ TransactItems: [guard, ...cascade.slice(start, start + room)] }));
      }
      await this.client.send(new TransactWriteCommand({ TransactItems: core }));
      return 'done';
    } catch (error) {
      if (refusedByCondition(error)) return 'changed';
      throw error;
    }
  }
}

/** An Update with every attribute name aliased (`status`, `role`, `type` are reserved words). */
function update(
  table: string,
  key: { pk: string; sk: string },
  sets: Item,
  removes: string[],
  condition?: { expression: string; values: Item },
): TransactItem {
  const names: Record<string, string> = {};
  const values: Item = { ...(condition?.values ?? {}) };
  const alias = (name: string) => {
    names[`#${name}`] = name;
    return `#${name}`;
  };
  const assignments = Object.entries(sets)
    .filter(([, value]) => value !== undefined)
    .map(([name, value], index) => {
      values[`:s${index}`] = value;
      return `${alias(name)} = :s${index}`;
    });
  const removals = removes.map(alias);
  for (const match of condition?.expression.matchAll(/#(\w+)/g) ?? []) alias(match[1]!);
  return {
    Update: {
      TableName: table,
      Key: key,
      UpdateExpression: [`SET ${assignments.join(', ')}`, ...(removals.length > 0 ? [`REMOVE ${removals.join(', ')}`] : [])].join(' '),
      ...(condition ? { ConditionExpression: condition.expression } : {}),
      ExpressionAttributeNames: names,
      ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
    },
  };
}
