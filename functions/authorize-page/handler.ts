/**
 * GET /v1/wechat/authorize — the authorizeUrl of POST /v1/authorizations: a page on the hub's own
 * domain (WeChat's 授权发起页域名) that forwards the admin's browser to WeChat's consent page, rebuilt
 * from what the hub stored with the link (`authorization-page.ts`). No token: the state is the key.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import middy from '@middy/core';
import * as v from 'valibot';
import { config } from '#shared/config/config.ts';
import { authorizationPage } from '#shared/domain/binding/authorization-page.ts';
import { observability } from '#shared/http/middleware.ts';
import { logger } from '#shared/observability/powertools.ts';
import { authorizationPageDeps } from '#shared/wiring/binding.ts';
import { forwardPage, messagePage, type HtmlResponse } from '#functions/authorize-page/page.ts';

const deps = authorizationPageDeps();
// Only the state and the device are read: anything else in the query is ignored, never forwarded to.
const query = v.object({ state: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{16,64}$/)), device: v.optional(v.picklist(['pc', 'mobile']), 'pc') });

const failurePage: middy.MiddlewareObj<APIGatewayProxyEventV2, HtmlResponse> = {
  onError: (request) => {
    const error = request.error;
    logger.error('Authorization page failed', {
      error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error),
    });
    request.response = messagePage('failed', config().consoleUrl);
  },
};

export const handler = middy<APIGatewayProxyEventV2, HtmlResponse>()
  .use(observability())
  .use(failurePage)
  .handler(async (event) => {
    const parsed = v.safeParse(query, event.queryStringParameters ?? {});
    if (!parsed.success) return messagePage('invalid', config().consoleUrl);
    const outcome = await authorizationPage(parsed.output, deps);
    if (outcome.kind === 'forward') return forwardPage(outcome.wechatUrl);
    logger.warn('Authorization page for a link that is gone', { reason: outcome.reason });
    return messagePage('gone', config().consoleUrl);
  });
