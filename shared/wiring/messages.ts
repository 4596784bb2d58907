/**
 * The message-and-event URL (消息与事件接收URL, `account-events`): follow events (the fans area's
 * `FollowEvents`) and the release test's messages.
 */
import { DynamoFollowEvents } from '#shared/adapters/dynamodb/follow-history.ts';
import { config } from '#shared/config/config.ts';
import { db, tableName } from '#shared/db/client.ts';
import { FollowEvents } from '#shared/domain/fans/follow-events.ts';
import type { AccountMessageDeps } from '#shared/domain/messages/account-message.ts';
import { WeChatApiClient } from '#shared/wechat/api-client.ts';
import { log } from '#shared/wiring/common.ts';
import { releaseTestQueue } from '#shared/wiring/release-test.ts';
import { authorizerTokens } from '#shared/wiring/tokens.ts';

export function accountMessageDeps(): AccountMessageDeps {
  // WeChat waits 5 s for the answer: the new follower's profile gets a short, bounded try of its own.
  const profileClient = new WeChatApiClient({ apiBase: config().wechatApiBase, timeoutMs: 1_500, retries: 1, backoffMs: 100 });
  return {
    follows: new FollowEvents({
      store: new DynamoFollowEvents(db(), tableName()),
      profile: (appid: string, openid: string) => profileClient.getUserInfo(authorizerTokens(appid), { openId: openid }),
      log: { warn: (message: string, extra?: object) => log.warn(message, { ...extra }) },
    }),
    releaseTestQueue: releaseTestQueue(),
  };
}
