/**
 * What the hub does with a verified message or event pushed to an account's message URL
 * (`/v1/wechat/accounts/{appid}/messages`). The release-test accounts are answered first and never
 * reach tenant logic (nor the message log: API.md §2). For every other account the auto-reply rules
 * are matched first (`shared/domain/replies/`, a read), then the push is stored in the message log with
 * its outbox entry for the bus and the rule that answered (`message-log.ts`: before WeChat gets its
 * answer, once per eventId), then follow and unfollow events go to the follower use cases. The first
 * rule that matches gives a passive reply; with none WeChat gets `success` (it then stops retrying).
 */
import { answerReleaseTest, isReleaseTestAccount, type ReleaseTestFollowUp } from '#shared/domain/release-test/release-test.ts';
import { logPush, type PushLogDeps } from '#shared/domain/messages/message-log.ts';
import type { AccountMessage } from '#shared/wechat/messages.ts';
import type { PassiveReply } from '#shared/wechat/passive-replies.ts';
import type { XmlObject } from '#shared/wechat/xml.ts';

export interface FollowEvent {
  appid: string;
  openid: string;
  event: 'subscribe' | 'unsubscribe';
  /** WeChat's CreateTime (unix seconds): with the openid, the key WeChat's retries repeat. */
  createTime: number;
  eventKey?: string;
}

export interface FollowEventSink {
  /** Applies the event once; a retry of the same event (same openid and CreateTime) changes nothing. */
  accept(event: FollowEvent): Promise<void>;
}

/** The reply step: the account's auto-reply that answers the push, with the id of its rule (the push's `autoReplyRuleId`). */
export interface AutoReplyStep {
  replyTo(appid: string, message: AccountMessage): Promise<{ ruleId: string; reply: PassiveReply } | undefined>;
}

export interface AccountMessageDeps {
  follows: FollowEventSink;
  releaseTestQueue: { enqueue(job: ReleaseTestFollowUp): Promise<void> };
  autoReplies: AutoReplyStep;
  /** The message log and outbox (absent: nothing is logged nor published). */
  pushLog?: PushLogDeps;
}

/** What to answer WeChat: `success`, an empty body, or a passive reply (sealed by the caller). */
export type AccountMessageAnswer =
  { kind: 'success' } | { kind: 'empty' } | { kind: 'passive_text'; content: string } | { kind: 'passive'; reply: PassiveReply; autoReplyRuleId: string };

/** `fields`: every element of the decrypted XML (`parseXmlTree`), for the message log. */
export async function handleAccountMessage(
  appid: string,
  message: AccountMessage,
  deps: AccountMessageDeps,
  fields?: XmlObject,
): Promise<AccountMessageAnswer> {
  if (isReleaseTestAccount(appid, message.toUserName)) {
    const answer = answerReleaseTest(appid, message);
    if (answer.kind === 'empty' && answer.followUp) await deps.releaseTestQueue.enqueue(answer.followUp);
    return answer.kind === 'empty' ? { kind: 'empty' } : answer;
  }
  const autoReply = await deps.autoReplies.replyTo(appid, message);
  if (fields && deps.pushLog) await logPush(appid, fields, deps.pushLog, autoReply ? { autoReplyRuleId: autoReply.ruleId } : {});
  if (message.kind === 'event' && (message.event === 'subscribe' || message.event === 'unsubscribe')) {
    await deps.follows.accept({
      appid,
      openid: message.fromUserName,
      event: message.event,
      createTime: message.createTime,
      ...(message.eventKey ? { eventKey: message.eventKey } : {}),
    });
  }
  return autoReply ? { kind: 'passive', reply: autoReply.reply, autoReplyRuleId: autoReply.ruleId } : { kind: 'success' };
}
