/**
 * GET /v1/accounts/{appid}/auto-replies (admin, owner) → `200 { rules, updatedAt? }`: the account's
 * auto-reply rules in their order (no `updatedAt` before the first PUT).
 */
import * as v from 'valibot';
import { readAutoReplies } from '#shared/domain/replies/auto-replies.ts';
import { consoleRoute } from '#shared/http/console-route.ts';
import { appIdSchema, noQuery } from '#shared/http/validation.ts';
import { autoReplyConsoleDeps } from '#shared/wiring/replies.ts';

const deps = autoReplyConsoleDeps();
const params = v.strictObject({ appid: appIdSchema });

export const handler = consoleRoute({ who: 'admin', params, query: noQuery }, async ({ caller, params }) => ({
  status: 200,
  body: await readAutoReplies({ tenantId: caller.tenantId, appid: params.appid }, deps),
}));
