/**
 * Which auto-reply rule answers a push (API.md §3 `AutoReplyRule`, §2): the first enabled rule, in
 * list order, whose trigger matches; `default` rules only for a text message that no other rule
 * matched, wherever they stand in the list.
 *
 * - `subscribe`: a follow, plain or through a QR code (`EventKey` `qrscene_…`);
 * - `keyword`: a text message whose content, trimmed and lower-cased, equals (`exact`) or contains
 *   (`contains`) one of the keywords, trimmed and lower-cased;
 * - `click`: a `CLICK` event whose `EventKey` is the rule's key, exactly;
 * - `scan`: a `SCAN` event (`EventKey` = the scene) or a QR follow (`EventKey` = `qrscene_<scene>`),
 *   of the rule's scene or, without one, of any scene;
 * - `default`: any other text message.
 */
import type { AutoReplyRule, AutoReplyTrigger } from '#shared/domain/replies/auto-reply-rules.ts';
import type { AccountMessage } from '#shared/wechat/messages.ts';

const QR_FOLLOW_PREFIX = 'qrscene_';

const normalized = (text: string): string => text.trim().toLowerCase();

/** The scene of a QR scan or QR follow; undefined for every other push. */
function sceneOf(message: AccountMessage): string | undefined {
  if (message.kind !== 'event') return undefined;
  if (message.event === 'SCAN') return message.eventKey ?? '';
  if (message.event === 'subscribe' && message.eventKey?.startsWith(QR_FOLLOW_PREFIX)) return message.eventKey.slice(QR_FOLLOW_PREFIX.length);
  return undefined;
}

export function triggerMatches(trigger: AutoReplyTrigger, message: AccountMessage): boolean {
  switch (trigger.type) {
    case 'subscribe':
      return message.kind === 'event' && message.event === 'subscribe';
    case 'keyword': {
      if (message.kind !== 'text') return false;
      const content = normalized(message.content);
      return trigger.keywords.some((keyword) => (trigger.match === 'exact' ? content === normalized(keyword) : content.includes(normalized(keyword))));
    }
    case 'click':
      return message.kind === 'event' && message.event === 'CLICK' && message.eventKey === trigger.eventKey;
    case 'scan': {
      const scene = sceneOf(message);
      return scene !== undefined && (trigger.scene === undefined || trigger.scene === scene);
    }
    case 'default':
      return message.kind === 'text';
  }
}

/** The rule that answers `message`, if any. */
export function matchingRule(rules: readonly AutoReplyRule[], message: AccountMessage): AutoReplyRule | undefined {
  const enabled = rules.filter((rule) => rule.enabled !== false);
  return (
    enabled.find((rule) => rule.trigger.type !== 'default' && triggerMatches(rule.trigger, message)) ??
    enabled.find((rule) => rule.trigger.type === 'default' && triggerMatches(rule.trigger, message))
  );
}
