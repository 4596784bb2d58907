/**
 * What the account use cases need from storage, as small interfaces; the DynamoDB adapters
 * (`shared/adapters/dynamodb/account-store.ts`, `account-queries.ts`, `account-lifecycle.ts`)
 * implement them and the unit tests replace them. "Read an account" is declared here once
 * (`AccountReads`); every area's store that needs it extends it.
 */
import type { AccountRecord, TenantLink, TenantSettings } from '#shared/domain/accounts/model.ts';

/** `consistent`: a strongly consistent read, for the answer to a write that must show what it wrote. */
export interface ReadOptions {
  consistent?: boolean;
}

/** The account, a tenant's link to it, and the tenant's settings: one item each. */
export interface AccountReads {
  account(appid: string, read?: ReadOptions): Promise<AccountRecord | undefined>;
  link(tenantId: string, appid: string, read?: ReadOptions): Promise<TenantLink | undefined>;
  tenantSettings(tenantId: string, read?: ReadOptions): Promise<TenantSettings | undefined>;
}

/**
 * The permission sets a tenant's effective binding policy requires (its own `requiredFuncIds` where an
 * operator set them, the `BIND_REQUIRED_FUNC_IDS` default elsewhere: `shared/domain/tenants/`), which an
 * account's `missingPermissions` is judged against. A fixed list stands for it where every tenant
 * requires the same (tests; routes that show no account view).
 */
export type RequiredFuncIds = readonly number[] | ((tenantId: string) => Promise<readonly number[]>);

/** The list `required` gives for `tenantId`. */
export const requiredFuncIdsOf = async (required: RequiredFuncIds, tenantId: string): Promise<readonly number[]> =>
  typeof required === 'function' ? required(tenantId) : required;

/** What the console's reads need besides single items. */
export interface AccountDirectory extends AccountReads {
  /** Every link of the tenant (owned and shared). */
  linksOf(tenantId: string): Promise<TenantLink[]>;
  /** The accounts that exist among `appids`, by appid. */
  accounts(appids: readonly string[]): Promise<Map<string, AccountRecord>>;
}

/** Department grants, as the visibility rule reads them. */
export interface GrantLookup {
  /** The appids granted to any of `departmentIds` (exact ids). */
  grantedToAny(tenantId: string, departmentIds: readonly string[]): Promise<Set<string>>;
  /** Whether `appid` is granted to any of `departmentIds`. */
  isGrantedToAny(tenantId: string, departmentIds: readonly string[], appid: string): Promise<boolean>;
}

/** Where the status marks that WeChat's answers cause are stored. */
export interface StatusMarkStore {
  /** `revoked`, tokens dropped, off the refresh schedule; the account as it was, or undefined when nothing changed. */
  markRevoked(appid: string, at: string): Promise<AccountRecord | undefined>;
  /** `reauthorization_required`, off the refresh schedule; the account as it was, or undefined when nothing changed. */
  markReauthorizationRequired(appid: string, at: string): Promise<AccountRecord | undefined>;
}
