/**
 * POST|GET /v1/wechat/component — the authorization-event URL (授权事件接收URL): ticket and
 * authorization pushes, verified and decrypted by `wechatRoute`, answered `success` once they are
 * stored (`shared/domain/authorization/component-push.ts`): no WeChat call runs before the answer.
 * `unauthorized` is applied here (one conditional write); `authorized` / `updateauthorized` go to the
 * `authorization-push` queue, whose worker re-reads the account. Binding a new account is the
 * redirect callback's.
 */
import { handleComponentPush } from '#shared/domain/authorization/component-push.ts';
import { parsePlaintext, wechatRoute } from '#shared/http/wechat-route.ts';
import { logger } from '#shared/observability/powertools.ts';
import { parseComponentPush } from '#shared/wechat/messages.ts';
import { componentPushDeps } from '#shared/wiring/authorization.ts';

const deps = componentPushDeps();

export const handler = wechatRoute(async ({ plaintext }) => {
  const push = parsePlaintext(plaintext, parseComponentPush);
  const outcome = await handleComponentPush(push, deps);
  logger.info('Component push handled', { infoType: push.infoType, outcome });
  return { body: 'success' };
});
