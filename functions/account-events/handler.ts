/**
 * POST|GET /v1/wechat/accounts/{appid}/messages — the message-and-event URL (消息与事件接收URL,
 * configured as `…/v1/wechat/accounts/$APPID$/messages`): the release test's replies; every other
 * push stored in the message log and its outbox for the bus before the answer; follow and unfollow
 * events; auto-replies; `success`, an empty body, or an encrypted passive reply (WECHAT.md §14).
 */
import * as v from 'valibot';
import { handleAccountMessage } from '#shared/domain/messages/account-message.ts';
import { ValidationFailed } from '#shared/errors/domain-errors.ts';
import { appIdSchema, issuesOf } from '#shared/http/validation.ts';
import { parsePlaintext, wechatRoute } from '#shared/http/wechat-route.ts';
import { buildEncryptedReply, parseAccountMessage } from '#shared/wechat/messages.ts';
import { buildPassiveReply } from '#shared/wechat/passive-replies.ts';
import { parseXmlTree } from '#shared/wechat/xml.ts';
import { accountMessageDeps } from '#shared/wiring/messages.ts';

const deps = accountMessageDeps();

export const handler = wechatRoute(async ({ plaintext, key, crypto, query, event }) => {
  const path = v.safeParse(v.object({ appid: appIdSchema }), event.pathParameters ?? {});
  if (!path.success) throw new ValidationFailed(issuesOf('path', path.issues));
  const message = parsePlaintext(plaintext, parseAccountMessage);
  const answer = await handleAccountMessage(path.output.appid, message, deps, parsePlaintext(plaintext, parseXmlTree));
  if (answer.kind === 'empty') return { body: '' };
  if (answer.kind === 'success') return { body: 'success' };
  const now = Math.floor(Date.now() / 1000);
  const reply = answer.kind === 'passive' ? answer.reply : { type: 'text' as const, content: answer.content };
  const xml = buildPassiveReply({ toUserName: message.fromUserName, fromUserName: message.toUserName, createTime: now }, reply);
  const sealed = crypto.seal(xml, { timestamp: String(now), nonce: query.nonce, key });
  return { contentType: 'application/xml; charset=utf-8', body: buildEncryptedReply(sealed) };
});
