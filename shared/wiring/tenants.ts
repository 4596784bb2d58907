/**
 * The tenants area wired to the table and the deployment's defaults (`TENANT_DEFAULT_ACCOUNT_QUOTA`,
 * `BIND_*`): the settings routes (`GET /v1/tenant`, `GET/PATCH /v1/operator/tenants/{tenantId}`) and
 * `tenantSettingsReader()`, the port other areas read a tenant's effective settings through (the
 * binding callback's policy and quota; `featureEnabled(tenantId, 'wecom')` for the WeCom routes), and
 * `tenantRequiredFuncIds`, the permission sets a tenant's effective policy requires (the accounts'
 * `missingPermissions`, in the account reads and a share's redemption).
 */
import { DynamoTenantSettings } from '#shared/adapters/dynamodb/tenant-settings.ts';
import { config } from '#shared/config/config.ts';
import { db, tableName } from '#shared/db/client.ts';
import type { RequiredFuncIds } from '#shared/domain/accounts/ports.ts';
import type { TenantDefaults, TenantSettingsReader } from '#shared/domain/tenants/ports.ts';
import { tenantSettingsReader as readerOf, type TenantSettingsDeps } from '#shared/domain/tenants/settings.ts';
import { now } from '#shared/wiring/common.ts';

/** The deployment's defaults, from the configuration parsed at cold start. */
export const tenantDefaults = (): TenantDefaults => ({ accountQuota: config().defaultAccountQuota, bindingPolicy: config().bindingPolicy });

/** The settings routes. */
export function tenantSettingsDeps(): TenantSettingsDeps {
  return { store: new DynamoTenantSettings(db(), tableName()), defaults: tenantDefaults(), now };
}

/** A tenant's effective settings, for other areas. */
export function tenantSettingsReader(): TenantSettingsReader {
  return readerOf({ store: new DynamoTenantSettings(db(), tableName()), defaults: tenantDefaults() });
}

/** The permission sets the tenant's effective binding policy requires. */
export function tenantRequiredFuncIds(reader: TenantSettingsReader = tenantSettingsReader()): RequiredFuncIds {
  return async (tenantId) => (await reader.tenantSettings(tenantId)).bindingPolicy.requiredFuncIds;
}
