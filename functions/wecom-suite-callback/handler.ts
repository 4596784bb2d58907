/**
 * POST|GET /v1/wecom/suite — the suite's 指令回调 and 数据回调 URL — and POST|GET /v1/wecom/system —
 * the provider's 系统事件接收URL (`register_corp`). Verified and decrypted by `wecomRoute`; answered
 * `success` once the push is stored (`shared/domain/wecom/suite-push.ts`): the `suite_ticket` itself,
 * every other event as a pending item queued for `wecom-events-worker`. No WeCom call runs here.
 */
import { handleSuitePush } from '#shared/domain/wecom/suite-push.ts';
import { wecomRoute } from '#shared/http/wecom-route.ts';
import { logger } from '#shared/observability/powertools.ts';
import { isKnownCorp, suitePushDeps } from '#shared/wiring/wecom.ts';

const deps = suitePushDeps();

export const handler = wecomRoute(
  async (push) => {
    const outcome = await handleSuitePush(push, deps);
    logger.info('WeCom push handled', { infoType: push.infoType, outcome });
  },
  { isKnownCorp },
);
