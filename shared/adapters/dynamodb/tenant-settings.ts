/**
 * A tenant's settings on the table: the tenant settings item the binding transaction keeps its count
 * on (`account-keys.ts`, `account-store.ts`), so the quota an operator sets is the one the binding's
 * quota condition reads in the same item.
 *
 * | item | pk | sk | attributes written here |
 * |---|---|---|---|
 * | tenant settings | `TENANT#<tenantId>` | `TENANT` | `quota` (the operator's quota), `bindingPolicy` (a map of the fields the operator set), `features` (map), `settingsVersion`; `ownedCount` only when absent |
 * | audit event | `TENANT#<tenantId>#AUDIT` | `<ISO time>#<random>` | the change's event (`audit-log.ts` keys) |
 *
 * An operator's change and its audit event are one transaction, conditioned on `settingsVersion`
 * being the one the change was computed from (absent for version 0).
 */
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import { auditKeys } from '#shared/adapters/dynamodb/audit-log.ts';
import { cancellationCodes, isTransactionCancelled } from '#shared/db/conditions.ts';
import type { AuditEvent } from '#shared/domain/audit/audit-log.ts';
import {
  FEATURES,
  type BindingPolicyInput,
  type Feature,
  type StoredTenantSettings,
  type TenantOverrides,
  type TenantSettingsStore,
} from '#shared/domain/tenants/ports.ts';

type Item = Record<string, unknown>;

export function storedTenantSettingsFromItem(item: Item | undefined): StoredTenantSettings {
  const stored: StoredTenantSettings = {
    features: {},
    ownedAccounts: Math.max(0, Number(item?.ownedCount ?? 0)),
    version: Number(item?.settingsVersion ?? 0),
  };
  if (typeof item?.quota === 'number') stored.accountQuota = item.quota;
  const policy = policyFromItem(item?.bindingPolicy);
  if (policy) stored.bindingPolicy = policy;
  const features = item?.features;
  if (features && typeof features === 'object') {
    for (const feature of FEATURES) {
      const value = (features as Record<string, unknown>)[feature];
      if (typeof value === 'boolean') stored.features[feature as Feature] = value;
    }
  }
  return stored;
}

function policyFromItem(value: unknown): BindingPolicyInput | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const map = value as Record<string, unknown>;
  const policy: BindingPolicyInput = {};
  if (typeof map.requireServiceAccount === 'boolean') policy.requireServiceAccount = map.requireServiceAccount;
  if (typeof map.requireVerified === 'boolean') policy.requireVerified = map.requireVerified;
  if (Array.isArray(map.requiredFuncIds)) policy.requiredFuncIds = map.requiredFuncIds.map(Number);
  return Object.keys(policy).length > 0 ? policy : undefined;
}

export class DynamoTenantSettings implements TenantSettingsStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async read(tenantId: string): Promise<StoredTenantSettings> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: accountKeys.tenantPk(tenantId), sk: accountKeys.tenantSk }, ConsistentRead: true }),
    );
    return storedTenantSettingsFromItem(result.Item);
  }

  async write(tenantId: string, overrides: TenantOverrides, expectedVersion: number, audit: AuditEvent): Promise<'written' | 'changed'> {
    const values: Item = {
      ':type': 'TenantSettings',
      ':tenantId': tenantId,
      ':zero': 0,
      ':features': { ...overrides.features },
      ':next': expectedVersion + 1,
    };
    const set = ['#type = :type', 'tenantId = :tenantId', 'ownedCount = if_not_exists(ownedCount, :zero)', 'features = :features', 'settingsVersion = :next'];
    const remove: string[] = [];
    if (overrides.accountQuota === undefined) remove.push('quota');
    else {
      set.push('quota = :quota');
      values[':quota'] = overrides.accountQuota;
    }
    if (overrides.bindingPolicy === undefined) remove.push('bindingPolicy');
    else {
      set.push('bindingPolicy = :policy');
      values[':policy'] = { ...overrides.bindingPolicy };
    }
    let condition = 'attribute_not_exists(settingsVersion)';
    if (expectedVersion > 0) {
      condition = 'settingsVersion = :expected';
      values[':expected'] = expectedVersion;
    }
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.table,
                Key: { pk: accountKeys.tenantPk(tenantId), sk: accountKeys.tenantSk },
                UpdateExpression: `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
                ConditionExpression: condition,
                ExpressionAttributeNames: { '#type': 'type' },
                ExpressionAttributeValues: values,
              },
            },
            {
              Put: {
                TableName: this.table,
                Item: { pk: auditKeys.pk(tenantId), sk: auditKeys.sk(audit.at), type: 'AuditEvent', ...audit },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );
      return 'written';
    } catch (error) {
      if (error instanceof Error && error.name === 'TransactionConflictException') return 'changed';
      if (isTransactionCancelled(error) && cancellationCodes(error).some((code) => code === 'ConditionalCheckFailed' || code === 'TransactionConflict')) {
        return 'changed';
      }
      throw error;
    }
  }
}
