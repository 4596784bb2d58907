/**
 * A verified push as the bus and the message log carry it (API.md §6 `WeChatPush`): the eventId
 * that makes WeChat's retries one occurrence, the common fields lifted out, and every other element
 * of the decrypted XML under `fields` by WeChat's name (nested elements as objects, repeated ones as
 * arrays, numbers as the strings WeChat sent).
 */
import { createHash } from 'node:crypto';
import type { WeChatPush } from '#shared/domain/events/model.ts';
import type { PushHolders, PushType } from '#shared/domain/messages/ports.ts';
import type { XmlObject } from '#shared/wechat/xml.ts';

/** Lifted out of `fields` into the push's own properties. */
const LIFTED = new Set(['FromUserName', 'CreateTime', 'MsgType', 'Event', 'EventKey']);

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** API.md §6: `msg:<appid>:<MsgId>` for a message; `evt:` + SHA-256 hex of appid|FromUserName|CreateTime|Event|EventKey for an event (and a message without MsgId). */
export function eventIdOf(appid: string, fields: XmlObject): string {
  const msgType = text(fields.MsgType);
  const msgId = text(fields.MsgId)?.trim();
  if (msgType !== 'event' && msgId) return `msg:${appid}:${msgId}`;
  const parts = [appid, text(fields.FromUserName) ?? '', text(fields.CreateTime)?.trim() ?? '', text(fields.Event) ?? '', text(fields.EventKey) ?? ''];
  return `evt:${createHash('sha256').update(parts.join('|'), 'utf8').digest('hex')}`;
}

export const pushTypeOf = (push: Pick<WeChatPush, 'msgType'>): PushType => (push.msgType === 'event' ? 'event' : 'message');

export function toWeChatPush(
  appid: string,
  fields: XmlObject,
  context: { holders: PushHolders; unionid?: string; receivedAt: string; autoReplyRuleId?: string },
): WeChatPush {
  const rest: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) if (!LIFTED.has(name)) rest[name] = value;
  const event = text(fields.Event);
  const eventKey = text(fields.EventKey);
  return {
    eventId: eventIdOf(appid, fields),
    appid,
    ownerTenantId: context.holders.ownerTenantId,
    sharedTenantIds: [...context.holders.sharedTenantIds].sort(),
    openid: text(fields.FromUserName) ?? '',
    ...(context.unionid ? { unionid: context.unionid } : {}),
    msgType: text(fields.MsgType) ?? '',
    ...(event ? { event } : {}),
    ...(eventKey ? { eventKey } : {}),
    createTime: Number(text(fields.CreateTime)?.trim() ?? 0),
    receivedAt: context.receivedAt,
    fields: rest,
    ...(context.autoReplyRuleId ? { autoReplyRuleId: context.autoReplyRuleId } : {}),
  };
}
