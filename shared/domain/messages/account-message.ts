/**
 * What the hub does with a verified message or event pushed to an account's message URL
 * (`/v1/wechat/accounts/{appid}/messages`). The release-test accounts are answered first and never
 * reach tenant logic (nor the message log: API.md §2). For every other account the push is first
 * stored in the message log with its outbox entry for the bus (`message-log.ts`: before WeChat gets
 * its answer, once per eventId), then follow and unfollow events go to the follower use cases, and
 * everything is acknowledged with `success` (WeChat then stops retrying).
 */
import { answerReleaseTest, isReleaseTestAccount, type ReleaseTestFollowUp } from '#shared/domain/release-test/release-test.ts';
import { logPush, type PushLogDeps } from '#shared/domain/messages/message-log.ts';
import type { AccountMessage } from '#shared/wechat/messages.ts';
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

export interface AccountMessageDeps {
  follows: FollowEventSink;
  releaseTestQueue: { enqueue(job: ReleaseTestFollowUp): Promise<void> };
  /** The message log and outbox (absent: nothing is logged nor published). */
  pushLog?: PushLogDeps;
}

/** What to answer WeChat: `success`, an empty body, or a passive text reply (sealed by the caller). */
export type AccountMessageAnswer = { kind: 'success' } | { kind: 'empty' } | { kind: 'passive_text'; content: string };

/** `fields`: every element of the decrypted XML (`parseXmlTree`), for the message log. */
export async function handleAccountMessage(appid: string, message: AccountMessage, deps: AccountMessageDeps, fields?: XmlObject): Promise<AccountMessageAnswer> {
  if (isReleaseTestAccount(appid, message.toUserName)) {
    const answer = answerReleaseTest(appid, message);
    if (answer.kind === 'empty' && answer.followUp) await deps.releaseTestQueue.enqueue(answer.followUp);
    return answer.kind === 'empty' ? { kind: 'empty' } : answer;
  }
  if (fields && deps.pushLog) await logPush(appid, fields, deps.pushLog);
  if (message.kind === 'event' && (message.event === 'subscribe' || message.event === 'unsubscribe')) {
    await deps.follows.accept({
      appid,
      openid: message.fromUserName,
      event: message.event,
      createTime: message.createTime,
      ...(message.eventKey ? { eventKey: message.eventKey } : {}),
    });
  }
  return { kind: 'success' };
}
