/**
 * GET /v1/operator/tenants/{tenantId} — any tenant's settings (operator). A tenant the hub knows
 * nothing of answers the deployment defaults with no owned accounts (`shared/domain/tenants/settings.ts`).
 */
import { getTenantSettings } from '#shared/domain/tenants/settings.ts';
import { tenantIdParams } from '#shared/domain/tenants/schemas.ts';
import { consoleRoute } from '#shared/http/console-route.ts';
import { noQuery } from '#shared/http/validation.ts';
import { tenantSettingsDeps } from '#shared/wiring/tenants.ts';

const deps = tenantSettingsDeps();

export const handler = consoleRoute({ who: 'operator', params: tenantIdParams, query: noQuery }, async ({ params }) => ({
  status: 200,
  body: await getTenantSettings(params.tenantId, deps),
}));
