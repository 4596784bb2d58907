/**
 * POST /v1/internal/accounts/{appid}/jssdk-config — `{ url }` (the page URL, without `#…`): the
 * `wx.config` values `{ appId, timestamp, nonceStr, signature }` of an active account (IAM;
 * `shared/domain/oauth/jssdk.ts`). The `jsapi_ticket` behind the signature is never returned.
 */
import * as v from 'valibot';
import { jsSdkConfig } from '#shared/domain/oauth/jssdk.ts';
import { internalRoute } from '#shared/http/internal-route.ts';
import { appIdSchema } from '#shared/http/validation.ts';
import { jsSdkDeps } from '#shared/wiring/oauth.ts';

const deps = jsSdkDeps();

const body = v.strictObject({
  url: v.pipe(v.string(), v.maxLength(2048), v.regex(/^https?:\/\/[^#\s]+$/, 'must be the absolute http(s) URL of the page, without #…')),
});

export const handler = internalRoute({ params: v.strictObject({ appid: appIdSchema }), body }, async ({ params, body }) => ({
  status: 200,
  body: await jsSdkConfig(params.appid, body.url, deps),
}));
