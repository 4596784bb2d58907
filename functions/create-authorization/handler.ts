/** POST /v1/authorizations — an authorization link (PC and mobile) for the admin's tenant, or to re-authorize one account. */
import * as v from 'valibot';
import { createAuthorizationLink } from '#shared/domain/binding/create-authorization.ts';
import { consoleRoute } from '#shared/http/console-route.ts';
import { appIdSchema } from '#shared/http/validation.ts';
import { createAuthorizationDeps } from '#shared/wiring/binding.ts';

const deps = createAuthorizationDeps();

const body = v.optional(v.strictObject({ appid: v.optional(appIdSchema) }), {});

export const handler = consoleRoute({ who: 'admin', body }, async ({ caller, body }) => {
  const link = await createAuthorizationLink({ tenantId: caller.tenantId, userId: caller.userId, ...(body.appid ? { appid: body.appid } : {}) }, deps);
  return { status: 201, body: link };
});
