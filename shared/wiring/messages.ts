/**
 * The message-and-event URL (消息与事件接收URL, `account-events`): follow events (the fans area's
 * `FollowEvents`), the release test's messages and the auto-replies (the replies area's responder).
 */
import type { AccountMessageDeps } from '#shared/domain/messages/account-message.ts';
import { followEvents } from '#shared/wiring/fans.ts';
import { releaseTestQueue } from '#shared/wiring/release-test.ts';
import { autoReplyResponder } from '#shared/wiring/replies.ts';

export function accountMessageDeps(): AccountMessageDeps {
  return { follows: followEvents(), releaseTestQueue: releaseTestQueue(), autoReplies: autoReplyResponder() };
}
