/**
 * PUT /v1/accounts/{appid}/auto-replies (admin, owner) — `{ rules }` (at most 200, checked by
 * `autoRepliesBodySchema`) replaces every rule → `200 { rules, updatedAt }`. The message URL answers
 * with them from the next push on (`shared/domain/replies/auto-replies.ts`).
 */
import * as v from 'valibot';
import { replaceAutoReplies } from '#shared/domain/replies/auto-replies.ts';
import { autoRepliesBodySchema } from '#shared/domain/replies/auto-reply-rules.ts';
import { consoleRoute } from '#shared/http/console-route.ts';
import { appIdSchema, noQuery } from '#shared/http/validation.ts';
import { autoReplyConsoleDeps } from '#shared/wiring/replies.ts';

const deps = autoReplyConsoleDeps();
const params = v.strictObject({ appid: appIdSchema });

export const handler = consoleRoute({ who: 'admin', params, query: noQuery, body: autoRepliesBodySchema }, async ({ caller, params, body }) => ({
  status: 200,
  body: await replaceAutoReplies({ tenantId: caller.tenantId, userId: caller.userId, appid: params.appid, rules: body.rules }, deps),
}));
