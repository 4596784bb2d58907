/**
 * POST|GET /v1/wechat/component — the authorization-event URL (授权事件接收URL): ticket and
 * authorization pushes, verified and decrypted by `wechatRoute`, answered `success`.
 */
import { handleComponentPush, type AuthorizationReactions } from '#shared/domain/authorization/component-push.ts';
import { DynamoAuthorizationEvents } from '#shared/adapters/dynamodb/authorization-events.ts';
import { componentTokenService } from '#shared/adapters/dynamodb/component-store.ts';
import { db, tableName } from '#shared/db/client.ts';
import { parsePlaintext, wechatRoute } from '#shared/http/wechat-route.ts';
import { logger } from '#shared/observability/powertools.ts';
import { parseComponentPush } from '#shared/wechat/messages.ts';

/**
 * Until the binding use cases take these over, an authorization change is recorded (event + code)
 * and nothing else: the redirect callback is what binds an account.
 */
const recordOnly: AuthorizationReactions = {
  authorized: async () => undefined,
  unauthorized: async () => undefined,
};

const deps = {
  tickets: componentTokenService(),
  events: new DynamoAuthorizationEvents(db(), tableName()),
  reactions: recordOnly,
  now: () => new Date(),
};

export const handler = wechatRoute(async ({ plaintext }) => {
  const push = parsePlaintext(plaintext, parseComponentPush);
  const outcome = await handleComponentPush(push, deps);
  logger.info('Component push handled', { infoType: push.infoType, outcome });
  return { body: 'success' };
});
