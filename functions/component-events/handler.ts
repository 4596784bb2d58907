/**
 * POST|GET /v1/wechat/component — the authorization-event URL (授权事件接收URL): ticket and
 * authorization pushes, verified and decrypted by `wechatRoute`, answered `success`. Authorization
 * changes of accounts the hub holds are applied here (re-authorization, revocation); binding a new
 * account is the redirect callback's.
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
