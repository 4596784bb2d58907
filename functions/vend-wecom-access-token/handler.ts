/**
 * GET /v1/internal/wecom/corps/{corpId}/access-token — IAM-authorized: an installed corp's current
 * access token (the app's corp token) and its expiry for the product's other services; never the
 * permanent code. `404` for an unknown corp, `422 account_not_active` once it uninstalled the app.
 */
import * as v from 'valibot';
import { mappingWeComErrors } from '#shared/domain/wecom/errors.ts';
import { internalRoute } from '#shared/http/internal-route.ts';
import { logger } from '#shared/observability/powertools.ts';
import { wecomTokenService } from '#shared/wiring/wecom.ts';

const tokens = wecomTokenService();

const params = v.strictObject({ corpId: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a WeCom corp id')) });

export const handler = internalRoute({ params }, async ({ callerArn, params }) => {
  logger.appendKeys({ callerArn });
  return { status: 200, body: await mappingWeComErrors(() => tokens.corpToken(params.corpId)) };
});
