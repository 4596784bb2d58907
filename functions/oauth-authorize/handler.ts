/**
 * GET /v1/oauth/{appid}/authorize — a product page sends a WeChat visitor here
 * (`?redirect_uri&state&scope`): `302` to WeChat's component web authorization page for the account
 * (WECHAT.md §11.2), or the error as JSON: 400 `validation_failed` / `redirect_not_allowed`, 404,
 * 422 `account_not_active` (`shared/domain/oauth/authorize.ts`). No token: the allowed origins of the
 * tenants holding the account decide where the visitor may return.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import middy from '@middy/core';
import * as v from 'valibot';
import { startWebAuthorization } from '#shared/domain/oauth/authorize.ts';
import type { JsonResponse } from '#shared/http/error-envelope.ts';
import { baseHttpStack } from '#shared/http/middleware.ts';
import { appIdSchema, validateParts } from '#shared/http/validation.ts';
import { startWebAuthorizationDeps } from '#shared/wiring/oauth.ts';

const deps = startWebAuthorizationDeps();

const params = v.strictObject({ appid: appIdSchema });
const query = v.object({
  redirect_uri: v.pipe(v.string(), v.minLength(1), v.maxLength(2048)),
  state: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(128))),
  scope: v.optional(v.picklist(['snsapi_base', 'snsapi_userinfo'])),
});

export const handler = middy<APIGatewayProxyEventV2, JsonResponse>()
  .use(baseHttpStack())
  .handler(async (event) => {
    const input = validateParts({ params, query }, { params: event.pathParameters ?? {}, query: event.queryStringParameters ?? {} });
    const { wechatUrl } = await startWebAuthorization(
      {
        appid: input.params.appid,
        redirectUri: input.query.redirect_uri,
        ...(input.query.state ? { state: input.query.state } : {}),
        ...(input.query.scope ? { scope: input.query.scope } : {}),
      },
      deps,
    );
    return { statusCode: 302, headers: { location: wechatUrl, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }, body: '' };
  });
