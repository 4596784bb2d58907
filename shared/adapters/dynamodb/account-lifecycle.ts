/**
 * The account lifecycle in the table (keys: `account-keys.ts`; attribute names are the model's):
 * re-authorization by push, revocation, unbinding with its cascade, a recipient's release, the
 * open platform appid.
 *
 * | item | pk | sk | written here |
 * |---|---|---|---|
 * | account | `ACCOUNT#<appid>` | `ACCOUNT` | profile, `funcIds`, `status`, `revokedAt`, `unboundAt`, `openAppId`, `openPlatform` (the open-platform step's outcome), `updatedAt` |
 * | authorizer tokens | `ACCOUNT#<appid>` | `TOKEN` | `refreshToken` / `authorizerTokenAttributes` at a re-authorization; deleted by unbinding |
 * | tenant link | `TENANT#<tenantId>` | `LINK#<appid>` | deleted by unbinding (owner) and release (recipient) |
 * | tenant settings | `TENANT#<tenantId>` | `TENANT` | `ownedCount − 1` and `defaultAppid` cleared by unbinding |
 * | department grant | `TENANT#<tenantId>` | `DEPT#<departmentId>#<appid>` | read (`grantKeysOf`, the one query of a tenant's grants of an account) and deleted by the grants' cascade hook |
 *
 * Unbinding (`shared/domain/accounts/unbind.ts`): `startUnbinding` is one conditional update
 * (`revoked` and the tenant's → `unbinding`); `completeUnbinding` reads the cascade, deletes it in
 * transactions of at most the limit, each with a check that the account is still `unbinding` and the
 * tenant's (a run left behind by a faster one then writes nothing), reads it again, and once what is
 * left fits one transaction with the final items (account `unbound`, owner's link, tokens, quota slot
 * and default) writes them together. A refused chunk (a concurrent run, a community unlinked
 * meanwhile) only sends it round again. A release is one transaction when it fits; otherwise its
 * cascade first, each chunk checking that the link is still shared, then the link.
 *
 * The cascade hooks (`unbindCascades`, `releaseCascades` of the options): what else an unbinding or
 * a recipient's release removes. The wiring hands in the department grants' (the rule is
 * `grantsUnbindingTakes` / `grantsReleaseTakes` of `unbind.ts`, turned into items by
 * `grantRemovalItems` here) and then the sharing area's (`shared/domain/sharing/cascades.ts`, items by
 * `sharing-cascade.ts`). A hook returns deletions (or conditional updates) of its own items only,
 * never of the items listed above, read from what is still there (each pass of an unbinding reads
 * them again, until what is left fits the final transaction), and may throw a `DomainError` (e.g.
 * `communities_still_linked`) to refuse. Items are deleted in the order the hooks return them, and a
 * hook returns an item found through another item before that item (grants before the links they
 * are found through), so a run that dies between two chunks leaves nothing that the next read of
 * the cascade cannot find.
 */
import { TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { accountKeys, authorizerTokenAttributes, dueShard, dueSortKey, profileAttributes } from '#shared/adapters/dynamodb/account-keys.ts';
import { DynamoAccountStatusMarks } from '#shared/adapters/dynamodb/authorizer-token-store.ts';
import { isConditionFailure, refusedByCondition } from '#shared/db/conditions.ts';
import { queryAll } from '#shared/db/query-all.ts';
import { TRANSACTION_LIMIT, type TransactItem } from '#shared/db/transactions.ts';
import type { AuthorizationChangeStore, Reauthorization } from '#shared/domain/accounts/authorization-changes.ts';
import type { OpenPlatformRecord, TenantSettings } from '#shared/domain/accounts/model.ts';
import type { OpenPlatformStore } from '#shared/domain/accounts/open-platform.ts';
import type { CompletionResult, GrantCascadeReads, GrantRemoval, UnbindStore, UnbindWriteResult } from '#shared/domain/accounts/unbind.ts';

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
  /** Reads of the cascade (rounds) an unbinding may take before it gives up to its continuation. */
  rounds?: number;
}

/** Rounds of an unbinding's cascade: the chunks, the final transaction, and a few refused by concurrent runs. */
const UNBINDING_ROUNDS = 6;

/**
 * The account reads (strongly consistent) and the revocation mark are the status marks' (`authorizer-token-store.ts`);
 * the cascades are handed in by the wiring (`shared/wiring/accounts.ts`: the sharing area's).
 */
export class DynamoAccountLifecycle extends DynamoAccountStatusMarks implements AuthorizationChangeStore, UnbindStore, OpenPlatformStore {
  private readonly unbindHooks: readonly UnbindCascade[];
  private readonly releaseHooks: readonly ReleaseCascade[];
  private readonly transactionLimit: number;
  private readonly rounds: number;

  constructor(client: DynamoDBDocumentClient, table: string, options: AccountLifecycleOptions = {}) {
    super(client, table);
    this.unbindHooks = options.unbindCascades ?? [];
    this.releaseHooks = options.releaseCascades ?? [];
    this.transactionLimit = options.transactionLimit ?? TRANSACTION_LIMIT;
    this.rounds = options.rounds ?? UNBINDING_ROUNDS;
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

  async startUnbinding(o: { tenantId: string; appid: string; at: string }): Promise<UnbindWriteResult> {
    const { tenantId, appid, at } = o;
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: accountKeys.accountPk(appid), sk: accountKeys.accountSk },
          UpdateExpression: 'SET #status = :unbinding, updatedAt = :at',
          ConditionExpression: '#status = :revoked AND ownerTenantId = :owner',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':unbinding': 'unbinding', ':revoked': 'revoked', ':owner': tenantId, ':at': at },
        }),
      );
      return 'done';
    } catch (error) {
      if (refusedByCondition(error)) return 'changed';
      throw error;
    }
  }

  async completeUnbinding(o: { tenantId: string; appid: string; at: string }): Promise<CompletionResult> {
    const { tenantId, appid, at } = o;
    const accountKey = { pk: accountKeys.accountPk(appid), sk: accountKeys.accountSk };
    const stillUnbinding = { expression: '#status = :unbinding AND #ownerTenantId = :owner', values: { ':unbinding': 'unbinding', ':owner': tenantId } };
    const guard: TransactItem = {
      ConditionCheck: {
        TableName: this.table,
        Key: accountKey,
        ConditionExpression: stillUnbinding.expression,
        ExpressionAttributeNames: { '#status': 'status', '#ownerTenantId': 'ownerTenantId' },
        ExpressionAttributeValues: stillUnbinding.values,
      },
    };
    for (let round = 1; round <= this.rounds; round++) {
      const account = await this.account(appid);
      if (!account || account.status !== 'unbinding' || account.ownerTenantId !== tenantId) return 'not_unbinding';
      const cascade: TransactItem[] = [];
      for (const hook of this.unbindHooks) cascade.push(...(await hook.itemsToRemove(appid)));
      const tenant = await this.tenantSettings(tenantId);
      const final: TransactItem[] = [
        update(this.table, accountKey, { status: 'unbound', unboundAt: at, updatedAt: at }, [], stillUnbinding),
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
      if (tenant) final.push(this.giveBackQuotaSlot(tenantId, appid, tenant));
      try {
        if (final.length + cascade.length <= this.transactionLimit) {
          await this.client.send(new TransactWriteCommand({ TransactItems: [...final, ...cascade] }));
          return 'done';
        }
        const room = this.transactionLimit - 1;
        for (let start = 0; start < cascade.length; start += room) {
          await this.client.send(new TransactWriteCommand({ TransactItems: [guard, ...cascade.slice(start, start + room)] }));
        }
      } catch (error) {
        // Another run, a community unlinked meanwhile, a default changed: read again and go on.
        if (!refusedByCondition(error)) throw error;
      }
    }
    throw new Error(`The unbinding of ${appid} kept changing over ${this.rounds} rounds; its continuation finishes it.`);
  }

  async release(o: { tenantId: string; appid: string; at: string }): Promise<UnbindWriteResult> {
    const { tenantId, appid } = o;
    const cascade: TransactItem[] = [];
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

  async saveOpenPlatform(appid: string, tenantId: string, record: OpenPlatformRecord | undefined, at: string): Promise<'saved' | 'account_changed'> {
    const bound = record?.status === 'bound' && record.openAppId ? record.openAppId : undefined;
    const set = ['updatedAt = :at', ...(record ? ['openPlatform = :record'] : []), ...(bound ? ['openAppId = :openAppId'] : [])];
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: accountKeys.accountPk(appid), sk: accountKeys.accountSk },
          UpdateExpression: `SET ${set.join(', ')}${record ? '' : ' REMOVE openPlatform'}`,
          // Only while the tenant still owns it: an unbinding or a takeover meanwhile wins.
          ConditionExpression: 'attribute_exists(pk) AND ownerTenantId = :tenantId AND #status <> :unbound',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':at': at,
            ':tenantId': tenantId,
            ':unbound': 'unbound',
            ...(record ? { ':record': record } : {}),
            ...(bound ? { ':openAppId': bound } : {}),
          },
        }),
      );
      return 'saved';
    } catch (error) {
      if (isConditionFailure(error)) return 'account_changed';
      throw error;
    }
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

  /**
   * A release: one transaction when everything fits; otherwise the cascade first, in transactions of
   * its own, each with `guard` (the core's condition as a check) so that none lands once the release
   * is no longer valid.
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

/** The department grants a tenant holds on an account, as keys: the one query of them (the release, a revoked share, the unbinding's cascade). */
export async function grantKeysOf(client: DynamoDBDocumentClient, table: string, tenantId: string, appid: string): Promise<{ pk: string; sk: string }[]> {
  const items = await queryAll(client, table, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :dept)',
    FilterExpression: 'appid = :appid',
    ExpressionAttributeValues: { ':pk': accountKeys.tenantPk(tenantId), ':dept': 'DEPT#', ':appid': appid },
    ProjectionExpression: 'pk, sk',
    ConsistentRead: true,
  });
  return items.map((item) => ({ pk: String(item.pk), sk: String(item.sk) }));
}

/** What the grant rule of an unbinding or a release reads (`grantsUnbindingTakes`, `grantsReleaseTakes`). */
export class DynamoGrantCascadeReads implements GrantCascadeReads {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async linkedTenants(appid: string): Promise<string[]> {
    const links = await queryAll(this.client, this.table, {
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :links',
      ExpressionAttributeValues: { ':links': accountKeys.linksOfAccount(appid) },
    });
    return links.map((item) => String(item.tenantId));
  }

  async grantedDepartments(tenantId: string, appid: string): Promise<string[]> {
    const suffix = `#${appid}`;
    return (await grantKeysOf(this.client, this.table, tenantId, appid)).map((key) => key.sk.slice('DEPT#'.length, key.sk.length - suffix.length));
  }
}

/** The deletions of the grants the rule decided, for the lifecycle's transactions. */
export function grantRemovalItems(table: string, appid: string, removals: readonly GrantRemoval[]): TransactItem[] {
  return removals.map(({ tenantId, departmentId }): TransactItem => ({
    Delete: { TableName: table, Key: { pk: accountKeys.tenantPk(tenantId), sk: accountKeys.grantSk(departmentId, appid) } },
  }));
}

/** An Update with every attribute name aliased (`status`, `role`, `type` are reserved words). */
function update(table: string, key: { pk: string; sk: string }, sets: Item, removes: string[], condition?: { expression: string; values: Item }): TransactItem {
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
