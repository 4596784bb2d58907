/**
 * GET /v1/internal/accounts/{appid}/access-token — IAM-authorized (SigV4 in AWS; a local service
 * token locally, shaped like the IAM authorizer context): the account's current access token and its
 * expiry for the product's other services, audited by calling service in the owner's trail
 * (`shared/domain/tokens/token-vending.ts`).
 */
import * as v from 'valibot';
import { DynamoAccountStore } from '#shared/adapters/dynamodb/account-store.ts';
import { DynamoAuditLog } from '#shared/adapters/dynamodb/audit-log.ts';
import { authorizerTokenService } from '#shared/adapters/dynamodb/authorizer-token-store.ts';
import { db, tableName } from '#shared/db/client.ts';
import { callingService, vendAccessToken } from '#shared/domain/tokens/token-vending.ts';
import { internalRoute } from '#shared/http/internal-route.ts';
import { appIdSchema } from '#shared/http/validation.ts';
import { logger } from '#shared/observability/powertools.ts';

const accounts = new DynamoAccountStore(db(), tableName());
const deps = {
  tokens: authorizerTokenService(),
  ownerOf: async (appid: string) => (await accounts.getAccount(appid))?.ownerTenantId,
  audit: new DynamoAuditLog(db(), tableName()),
};

export const handler = internalRoute({ params: v.strictObject({ appid: appIdSchema }) }, async ({ callerArn, params }) => {
  const service = callingService(callerArn);
  // The ARN (with the platform's AWS account id) goes to the operator's logs, never to the tenant's audit trail.
  logger.appendKeys({ callerService: service.name, callerArn: service.arn });
  return { status: 200, body: await vendAccessToken(params.appid, service, deps) };
});
