/**
 * A tenant's settings (API.md §3 ⁺): the operator's overrides over the deployment defaults (§4).
 *
 * Effective settings fall back to the defaults field by field: the quota is the tenant's own or
 * `TENANT_DEFAULT_ACCOUNT_QUOTA`; each field of the binding policy is the tenant's own or its `BIND_*`
 * default; a feature is on only when an operator turned it on. `bindingPolicy.source` is `tenant`
 * when at least one of the policy's fields is the tenant's own (the others then still follow the
 * defaults), `default` when none is. A tenant the hub knows nothing of (tenants are not registered:
 * their ids come from the tokens) answers the defaults with no owned accounts, and an operator may
 * set its settings before its first binding.
 *
 * A change (`PATCH`): `accountQuota` replaces the tenant's quota; `bindingPolicy` replaces the
 * tenant's whole policy (the fields it leaves out follow the defaults again; `null` or `{}` clears it
 * back to the defaults); `features` sets the features it names. A change that changes nothing writes
 * nothing; any other is written with its audit event (actor `operator:<sub>`, action
 * `tenant.settings_changed`, `details: { before, after }` holding the effective values of the changed
 * fields only) in one transaction, over the version it was computed from (a concurrent change → read
 * again and apply again).
 */
import type { OperatorCaller } from '#shared/auth/caller.ts';
import type { AuditEvent } from '#shared/domain/audit/audit-log.ts';
import {
  FEATURES,
  type BindingPolicyInput,
  type Feature,
  type StoredTenantSettings,
  type TenantDefaults,
  type TenantOverrides,
  type TenantSettings,
  type TenantSettingsReader,
  type TenantSettingsStore,
} from '#shared/domain/tenants/ports.ts';
import { DomainError } from '#shared/errors/domain-errors.ts';

/** Bounds of an operator's quota (API.md §3). */
export const MIN_ACCOUNT_QUOTA = 1;
export const MAX_ACCOUNT_QUOTA = 1000;

export const featureDisabled = (feature: Feature) =>
  new DomainError('feature_disabled', `Your organisation's plan does not include ${featureNames[feature]}. Ask your account manager to turn it on.`, {
    details: { feature },
  });

const featureNames: Record<Feature, string> = { wecom: 'WeCom (企业微信)' };

const POLICY_FIELDS = ['requireServiceAccount', 'requireVerified', 'requiredFuncIds'] as const;

/** The settings a tenant works with: its own where an operator set them, the defaults elsewhere. */
export function effectiveSettings(tenantId: string, stored: StoredTenantSettings, defaults: TenantDefaults): TenantSettings {
  const own = stored.bindingPolicy ?? {};
  const funcIds = own.requiredFuncIds ?? defaults.bindingPolicy.requiredFuncIds;
  return {
    tenantId,
    accountQuota: stored.accountQuota ?? defaults.accountQuota,
    ownedAccounts: stored.ownedAccounts,
    bindingPolicy: {
      requireServiceAccount: own.requireServiceAccount ?? defaults.bindingPolicy.requireServiceAccount,
      requireVerified: own.requireVerified ?? defaults.bindingPolicy.requireVerified,
      requiredFuncIds: [...new Set(funcIds)].sort((a, b) => a - b),
      source: POLICY_FIELDS.some((field) => own[field] !== undefined) ? 'tenant' : 'default',
    },
    features: Object.fromEntries(FEATURES.map((feature) => [feature, stored.features[feature] === true])) as Record<Feature, boolean>,
  };
}

export interface TenantSettingsDeps {
  store: TenantSettingsStore;
  defaults: TenantDefaults;
  now: () => Date;
}

/** The reader other areas use (binding's policy and quota, the WeCom routes' feature switch). */
export function tenantSettingsReader(deps: Pick<TenantSettingsDeps, 'store' | 'defaults'>): TenantSettingsReader {
  const read = async (tenantId: string) => effectiveSettings(tenantId, await deps.store.read(tenantId), deps.defaults);
  return {
    tenantSettings: read,
    featureEnabled: async (tenantId, feature) => (await read(tenantId)).features[feature],
  };
}

/** `featureDisabled` unless the tenant's plan includes the feature. */
export async function requireFeature(reader: Pick<TenantSettingsReader, 'featureEnabled'>, tenantId: string, feature: Feature): Promise<void> {
  if (!(await reader.featureEnabled(tenantId, feature))) throw featureDisabled(feature);
}

/** `GET /v1/tenant` (an admin, its own) and `GET /v1/operator/tenants/{tenantId}`. */
export async function getTenantSettings(tenantId: string, deps: Pick<TenantSettingsDeps, 'store' | 'defaults'>): Promise<TenantSettings> {
  return tenantSettingsReader(deps).tenantSettings(tenantId);
}

/** A PATCH body as validated: each field present is changed. */
export interface TenantSettingsChange {
  accountQuota?: number;
  bindingPolicy?: BindingPolicyInput | null;
  features?: Partial<Record<Feature, boolean>>;
}

/** Concurrent operator changes of one tenant: each retry reads the winner's version. */
const MAX_ATTEMPTS = 5;

/** `PATCH /v1/operator/tenants/{tenantId}`: applies the change, audited in that tenant's trail. */
export async function changeTenantSettings(
  operator: OperatorCaller,
  tenantId: string,
  change: TenantSettingsChange,
  deps: TenantSettingsDeps,
): Promise<TenantSettings> {
  for (let attempt = 1; ; attempt += 1) {
    const stored = await deps.store.read(tenantId);
    const next = applyChange(stored, change);
    const before = effectiveSettings(tenantId, stored, deps.defaults);
    const after = effectiveSettings(tenantId, { ...next, ownedAccounts: stored.ownedAccounts, version: stored.version }, deps.defaults);
    const changed = changedFields(stored, next);
    if (changed.length === 0) return before;
    const event: AuditEvent = {
      at: deps.now().toISOString(),
      actor: `operator:${operator.userId}`,
      action: 'tenant.settings_changed',
      details: {
        before: Object.fromEntries(changed.map((field) => [field, before[field]])),
        after: Object.fromEntries(changed.map((field) => [field, after[field]])),
      },
    };
    if ((await deps.store.write(tenantId, next, stored.version, event)) === 'written') return after;
    if (attempt >= MAX_ATTEMPTS) {
      throw new DomainError('try_again', 'The settings of this tenant are being changed by someone else. Try again.', { headers: { 'Retry-After': '1' } });
    }
  }
}

/** The tenant's overrides once the change is applied (see the header for each field's rule). */
export function applyChange(stored: StoredTenantSettings, change: TenantSettingsChange): TenantOverrides {
  const next: TenantOverrides = { features: { ...stored.features } };
  const quota = change.accountQuota ?? stored.accountQuota;
  if (quota !== undefined) next.accountQuota = quota;
  const policy = change.bindingPolicy === undefined ? stored.bindingPolicy : normalizePolicy(change.bindingPolicy);
  if (policy) next.bindingPolicy = policy;
  for (const feature of FEATURES) {
    const value = change.features?.[feature];
    if (value !== undefined) next.features[feature] = value;
  }
  return next;
}

/** The fields given, the permission sets once each in order; `undefined` when it sets nothing. */
function normalizePolicy(input: BindingPolicyInput | null): BindingPolicyInput | undefined {
  if (input === null) return undefined;
  const policy: BindingPolicyInput = {};
  if (input.requireServiceAccount !== undefined) policy.requireServiceAccount = input.requireServiceAccount;
  if (input.requireVerified !== undefined) policy.requireVerified = input.requireVerified;
  if (input.requiredFuncIds !== undefined) policy.requiredFuncIds = [...new Set(input.requiredFuncIds)].sort((a, b) => a - b);
  return Object.keys(policy).length > 0 ? policy : undefined;
}

type SettingField = 'accountQuota' | 'bindingPolicy' | 'features';

function changedFields(stored: StoredTenantSettings, next: TenantOverrides): SettingField[] {
  const fields: SettingField[] = [];
  if (stored.accountQuota !== next.accountQuota) fields.push('accountQuota');
  if (!samePolicy(stored.bindingPolicy, next.bindingPolicy)) fields.push('bindingPolicy');
  if (FEATURES.some((feature) => (stored.features[feature] ?? false) !== (next.features[feature] ?? false))) fields.push('features');
  return fields;
}

function samePolicy(a: BindingPolicyInput | undefined, b: BindingPolicyInput | undefined): boolean {
  return POLICY_FIELDS.every((field) => JSON.stringify(a?.[field]) === JSON.stringify(b?.[field]));
}
