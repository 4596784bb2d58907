/**
 * GET /v1/oauth/callback — WeChat's redirect after the visitor (`?code&state&appid`; no `code` when
 * they refused). Always a 302 (`redirectRoute`): to the product's page with `code` (one-time, for
 * its back end) or `error`, and its state; when no page is known (unknown, used or expired state) to
 * `CONSOLE_URL?oauth=error&code=oauth_state_invalid` (`shared/domain/oauth/callback.ts`).
 */
import * as v from 'valibot';
import { config } from '#shared/config/config.ts';
import { completeWebAuthorization, type CallbackOutcome } from '#shared/domain/oauth/callback.ts';
import { redirectRoute } from '#shared/http/redirect-route.ts';
import { completeWebAuthorizationDeps } from '#shared/wiring/oauth.ts';

const deps = completeWebAuthorizationDeps();

const query = v.object({
  state: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{16,64}$/)),
  code: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(512))),
  appid: v.optional(v.pipe(v.string(), v.maxLength(64))),
});

const nowhere = (code: string): string => `${config().consoleUrl}?${new URLSearchParams({ oauth: 'error', code })}`;

export const handler = redirectRoute(
  {
    name: 'Web authorization callback',
    query,
    location: (outcome: CallbackOutcome | { kind: 'failed' }) =>
      outcome.kind === 'page' ? outcome.location : nowhere(outcome.kind === 'lost' ? 'oauth_state_invalid' : 'internal_error'),
    invalid: { kind: 'lost' },
    failed: { kind: 'failed' },
  },
  async ({ query }) =>
    completeWebAuthorization(
      { state: query.state, ...(query.code !== undefined ? { code: query.code } : {}), ...(query.appid !== undefined ? { appid: query.appid } : {}) },
      deps,
    ),
);
