/**
 * PUT /v1/departments/{departmentId}/accounts — `{ appids }` (at most 100, no repeats) replaces the
 * accounts the department's members may read (admin). Every appid must be an account the tenant
 * holds (owned or shared): otherwise 404 `not_found`, nothing changes, and `details.appids` lists
 * the ones the tenant does not hold (the caller's own input; whether another tenant holds them is
 * never said). Audited as `department.grants_changed` when the set changed. Concurrent PUTs of one
 * department never merge: the department ends with exactly one of their sets (a PUT that keeps losing
 * answers `503 try_again`, having changed nothing; `shared/domain/departments/grants.ts`).
 */
import * as v from 'valibot';
import { MAX_GRANTS_PER_DEPARTMENT } from '#shared/domain/departments/grants.ts';
import { consoleRoute } from '#shared/http/console-route.ts';
import { appIdSchema, noQuery } from '#shared/http/validation.ts';
import { departmentParams } from '#shared/domain/departments/schemas.ts';
import { departmentAccess } from '#shared/wiring/departments.ts';

const departments = departmentAccess();

const body = v.strictObject({
  appids: v.pipe(
    v.array(appIdSchema),
    v.maxLength(MAX_GRANTS_PER_DEPARTMENT, `must list at most ${MAX_GRANTS_PER_DEPARTMENT} accounts`),
    v.check((appids) => new Set(appids).size === appids.length, 'must not repeat an appid'),
  ),
});

export const handler = consoleRoute({ who: 'admin', params: departmentParams, query: noQuery, body }, async ({ caller, params, body }) => ({
  status: 200,
  body: await departments.replace(caller, params.departmentId, body.appids),
}));
