/**
 * GET /v1/internal/accounts/{appid}/access-token — IAM-authorized (SigV4 in AWS; a local service
 * token locally, shaped like the IAM authorizer context): the account's current access token and its
 * expiry for the product's other services, audited by calling service in the owner's trail
 * (`shared/domain/tokens/token-vending.ts`).
 */
import * as v from 'valibot';
import { callingService, vendAccessToken } from '#shared/domain/tokens/token-vending.ts';
import { internalRoute } from '#shared/http/internal-route.ts';
import { appIdSchema } from '#shared/http/validation.ts';
import { logger } from '#shared/observability/powertools.ts';
import { vendingDeps } from '#shared/wiring/tokens.ts';

const deps = vendingDeps();

export const handler = internalRoute({ params: v.strictObject({ appid: appIdSchema }) }, async ({ callerArn, params }) => {
  const service = callingService(callerArn);
  // The ARN (with the platform's AWS account id) goes to the operator's logs, never to the tenant's audit trail.
  logger.appendKeys({ callerService: service.name, callerArn: service.arn });
  return { status: 200, body: await vendAccessToken(params.appid, service, deps) };
});
