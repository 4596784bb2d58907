/**
 * GET /v1/contacts/{unionid} (owner; a member only for its departments' accounts) — the tenant's
 * followers with this unionid across the accounts it owns, each with its own openid and
 * subscription; `accounts` is empty when there is none. With an installed WeCom corp and a link of
 * the unionid, `wecom: { corpId, externalUserId?, pendingId?, followUsers }` (API.md §7).
 */
import * as v from 'valibot';
import { consoleRoute } from '#shared/http/console-route.ts';
import { noQuery } from '#shared/http/validation.ts';
import { contactWithWeCom } from '#shared/wiring/wecom.ts';

const contacts = contactWithWeCom();
const params = v.strictObject({
  unionid: v.pipe(v.string(), v.regex(/^[0-9A-Za-z_-]{1,64}$/, 'must be a WeChat unionid')),
});

export const handler = consoleRoute({ who: 'any', params, query: noQuery }, async ({ caller, params }) => ({
  status: 200,
  body: await contacts.contact(caller, params.unionid),
}));
