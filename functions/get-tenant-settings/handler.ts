/**
 * GET /v1/tenant — the caller's own tenant settings (admin): quota, owned accounts, binding policy
 * and features, each the tenant's own or the deployment default (`shared/domain/tenants/settings.ts`).
 */
import { getTenantSettings } from '#shared/domain/tenants/settings.ts';
import { consoleRoute } from '#shared/http/console-route.ts';
import { noQuery } from '#shared/http/validation.ts';
import { tenantSettingsDeps } from '#shared/wiring/tenants.ts';

const deps = tenantSettingsDeps();

export const handler = consoleRoute({ who: 'admin', query: noQuery }, async ({ caller }) => ({
  status: 200,
  body: await getTenantSettings(caller.tenantId, deps),
}));
