/**
 * PATCH /v1/accounts/{appid} — `{ isDefault?, plaintextAuthorization? }`, at least one (admin).
 * `isDefault: true` makes it the tenant's only default; `false` clears the default only when it is
 * this account. 404 `not_found` when the tenant holds no link to the account (including one that an
 * unbind removes while this request runs). Audited as `settings.changed` when something changed.
 */
import * as v from 'valibot';
import { consoleRoute } from '#shared/http/console-route.ts';
import { appIdSchema, noQuery } from '#shared/http/validation.ts';
import { accountSettings } from '#shared/wiring/accounts.ts';

const settings = accountSettings();

const params = v.strictObject({ appid: appIdSchema });

const body = v.pipe(
  v.strictObject({
    isDefault: v.optional(v.boolean()),
    plaintextAuthorization: v.optional(v.boolean()),
  }),
  v.check((change) => change.isDefault !== undefined || change.plaintextAuthorization !== undefined, 'must set isDefault or plaintextAuthorization'),
);

export const handler = consoleRoute({ who: 'admin', params, query: noQuery, body }, async ({ caller, params, body }) => ({
  status: 200,
  body: await settings.update(caller, params.appid, body),
}));
