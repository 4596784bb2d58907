/**
 * PATCH /v1/operator/tenants/{tenantId} — `{ accountQuota?, bindingPolicy?, features? }` changes a
 * tenant's settings (operator); audited in that tenant's trail as `operator:<sub>` in the same
 * transaction (`shared/domain/tenants/settings.ts`). A body that fails its schema changes nothing.
 */
import { changeTenantSettings } from '#shared/domain/tenants/settings.ts';
import { tenantIdParams, tenantSettingsPatch } from '#shared/domain/tenants/schemas.ts';
import { consoleRoute } from '#shared/http/console-route.ts';
import { noQuery } from '#shared/http/validation.ts';
import { tenantSettingsDeps } from '#shared/wiring/tenants.ts';

const deps = tenantSettingsDeps();

export const handler = consoleRoute(
  { who: 'operator', params: tenantIdParams, query: noQuery, body: tenantSettingsPatch },
  async ({ caller, params, body }) => ({ status: 200, body: await changeTenantSettings(caller, params.tenantId, body, deps) }),
);
