/**
 * GET /v1/wecom/installed — where WeCom sends the admin's browser after the install
 * (`?auth_code=…&state=…`). Always a 302 to the console (`wecom=ok&corpId=…` or
 * `wecom=error&code=…`), never an error page. The single-use `state` ties it to a tenant and user
 * (`shared/domain/wecom/install.ts`).
 */
import * as v from 'valibot';
import { config } from '#shared/config/config.ts';
import { consoleInstallUrl, installRedirect, type InstallRedirect } from '#shared/domain/wecom/install.ts';
import { redirectRoute } from '#shared/http/redirect-route.ts';
import { installDeps } from '#shared/wiring/wecom.ts';

const deps = installDeps();

const query = v.object({
  state: v.pipe(v.string(), v.regex(/^[A-Za-z0-9]{1,128}$/)),
  auth_code: v.pipe(v.string(), v.minLength(1), v.maxLength(512)),
  expires_in: v.optional(v.pipe(v.string(), v.regex(/^\d{1,10}$/))),
});

export const handler = redirectRoute(
  {
    name: 'WeCom install callback',
    query,
    location: (outcome: InstallRedirect) => consoleInstallUrl(config().consoleUrl, outcome),
    invalid: { wecom: 'error', code: 'validation_failed' },
    failed: { wecom: 'error', code: 'internal_error' },
  },
  ({ query }) => installRedirect({ authCode: query.auth_code, state: query.state }, deps),
);
