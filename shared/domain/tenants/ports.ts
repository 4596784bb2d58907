/**
 * The tenants area (API.md §3 ⁺ operator routes, `GET /v1/tenant`, `TenantSettings`): what an
 * operator sets for one tenant — its account quota, its binding policy, its features — over the
 * deployment's defaults (API.md §4). The DynamoDB adapter (`shared/adapters/dynamodb/tenant-settings.ts`)
 * implements `TenantSettingsStore`; other areas read a tenant's effective settings through
 * `TenantSettingsReader` (`shared/wiring/tenants.ts` `tenantSettingsReader()`).
 */
import type { AuditEvent } from '#shared/domain/audit/audit-log.ts';

/** Features an operator switches per tenant; each is off unless the operator turned it on. */
export const FEATURES = ['wecom'] as const;
export type Feature = (typeof FEATURES)[number];

/** The binding policy as the callback applies it (`shared/domain/binding/binding-policy.ts`). */
export interface BindingPolicy {
  requireServiceAccount: boolean;
  requireVerified: boolean;
  requiredFuncIds: readonly number[];
}

/** What an operator sets of a policy: each field it leaves out follows the deployment default. */
export type BindingPolicyInput = Partial<BindingPolicy>;

/** The deployment's defaults (`BIND_*`, `TENANT_DEFAULT_ACCOUNT_QUOTA`); every feature defaults to off. */
export interface TenantDefaults {
  accountQuota: number;
  bindingPolicy: BindingPolicy;
}

/** What the table holds for a tenant: only what an operator set, and the binding's count of owned accounts. */
export interface StoredTenantSettings {
  accountQuota?: number;
  /** Absent, or at least one field: an empty policy is stored as none. */
  bindingPolicy?: BindingPolicyInput;
  features: Partial<Record<Feature, boolean>>;
  /** The owned accounts holding a quota slot (the count the binding's quota condition reads). */
  ownedAccounts: number;
  /** Grows by one with every operator change: a change is written only over the version it was made from. */
  version: number;
}

/** The operator-set fields after a change, written whole (a field absent here is removed). */
export interface TenantOverrides {
  accountQuota?: number;
  bindingPolicy?: BindingPolicyInput;
  features: Partial<Record<Feature, boolean>>;
}

export interface TenantSettingsStore {
  /** Strongly consistent; a tenant nothing is stored for reads as no overrides, no accounts, version 0. */
  read(tenantId: string): Promise<StoredTenantSettings>;
  /**
   * Writes `overrides` and appends `audit` to the tenant's trail in one transaction, only while the
   * tenant's version is still `expectedVersion`: `changed` (nothing written) when another change came first.
   */
  write(tenantId: string, overrides: TenantOverrides, expectedVersion: number, audit: AuditEvent): Promise<'written' | 'changed'>;
}

/** API.md §3 `TenantSettings`. */
export interface TenantSettings {
  tenantId: string;
  accountQuota: number;
  ownedAccounts: number;
  bindingPolicy: BindingPolicy & { requiredFuncIds: number[]; source: 'tenant' | 'default' };
  features: Record<Feature, boolean>;
}

/** The port other areas read a tenant's effective settings through (binding, WeCom). */
export interface TenantSettingsReader {
  tenantSettings(tenantId: string): Promise<TenantSettings>;
  featureEnabled(tenantId: string, feature: Feature): Promise<boolean>;
}
