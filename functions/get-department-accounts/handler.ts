/** GET /v1/departments/{departmentId}/accounts — the accounts granted to one department (admin). */
import { departmentParams } from '#shared/domain/departments/schemas.ts';
import { consoleRoute } from '#shared/http/console-route.ts';
import { noQuery } from '#shared/http/validation.ts';
import { departmentAccess } from '#shared/wiring/departments.ts';

const departments = departmentAccess();

export const handler = consoleRoute({ who: 'admin', params: departmentParams, query: noQuery }, async ({ caller, params }) => ({
  status: 200,
  body: await departments.read(caller, params.departmentId),
}));
