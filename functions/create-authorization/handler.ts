/**
 * POST /v1/authorizations — an authorization link (PC and mobile) for the admin's tenant, or to
 * re-authorize one account; `openPlatform` ('create' | 'none' | { openAppId }) and
 * `plaintextAuthorization` are carried to the callback (defaults there: 'create' and true for a new
 * binding; a re-authorization keeps the account's own).
 */
import * as v from 'valibot';
import { createAuthorizationLink } from '#shared/domain/binding/create-authorization.ts';
import { consoleRoute } from '#shared/http/console-route.ts';
import { appIdSchema } from '#shared/http/validation.ts';
import { createAuthorizationDeps } from '#shared/wiring/binding.ts';

const deps = createAuthorizationDeps();

const openPlatform = v.union(
  [v.picklist(['create', 'none']), v.strictObject({ openAppId: appIdSchema })],
  "must be 'create', 'none' or { openAppId } naming an open platform appid",
);
const body = v.optional(
  v.strictObject({
    appid: v.optional(appIdSchema),
    openPlatform: v.optional(openPlatform),
    plaintextAuthorization: v.optional(v.boolean('must be true or false')),
  }),
  {},
);

export const handler = consoleRoute({ who: 'admin', body }, async ({ caller, body }) => {
  const { appid, ...choices } = body;
  const link = await createAuthorizationLink({ tenantId: caller.tenantId, userId: caller.userId, ...(appid ? { appid } : {}), choices }, deps);
  return { status: 201, body: link };
});
