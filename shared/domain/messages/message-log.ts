/**
 * The message log (API.md §2, §6): every verified push of an account a tenant holds is stored under
 * its eventId for 30 days, with its outbox entry for the bus, before WeChat gets its answer. A retry
 * of the same push (same eventId) stores and publishes nothing new. An account no tenant holds (never
 * bound, or `unbound`) logs nothing; the release-test accounts never get here (`account-message.ts`).
 */
import type { WeChatPush } from '#shared/domain/events/model.ts';
import type { MessageLog, PushAudience } from '#shared/domain/messages/ports.ts';
import { toWeChatPush } from '#shared/domain/messages/wechat-push.ts';
import type { XmlObject } from '#shared/wechat/xml.ts';

export const MESSAGE_LOG_DAYS = 30;

export interface PushLogDeps {
  log: MessageLog;
  audience: PushAudience;
  now: () => Date;
}

export type PushLogOutcome = { kind: 'recorded' | 'duplicate'; push: WeChatPush } | { kind: 'not_held' };

export async function logPush(appid: string, fields: XmlObject, deps: PushLogDeps, extra: { autoReplyRuleId?: string } = {}): Promise<PushLogOutcome> {
  const openid = typeof fields.FromUserName === 'string' ? fields.FromUserName : '';
  const [holders, unionid] = await Promise.all([deps.audience.holders(appid), openid ? deps.audience.unionidOf(appid, openid) : Promise.resolve(undefined)]);
  if (!holders) return { kind: 'not_held' };
  const now = deps.now();
  const push = toWeChatPush(appid, fields, {
    holders,
    receivedAt: now.toISOString(),
    ...(unionid ? { unionid } : {}),
    ...(extra.autoReplyRuleId ? { autoReplyRuleId: extra.autoReplyRuleId } : {}),
  });
  const expiresAt = Math.floor(now.getTime() / 1000) + MESSAGE_LOG_DAYS * 86_400;
  return { kind: await deps.log.record(push, expiresAt), push };
}
