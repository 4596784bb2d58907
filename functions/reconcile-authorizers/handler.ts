/**
 * Daily: the hub's active accounts against WeChat's authorizer list — refresh tokens that differ are
 * repaired, accounts WeChat confirms it no longer authorizes are revoked
 * (`shared/domain/tokens/reconciliation.ts`). Reads the due index (gsi2, `DUE#0…15`), never Scans.
 */
import { DynamoAuditLog } from '#shared/adapters/dynamodb/audit-log.ts';
import { DynamoAccountStatusMarks } from '#shared/adapters/dynamodb/authorizer-token-store.ts';
import { componentTokenService } from '#shared/adapters/dynamodb/component-store.ts';
import { DynamoDueIndex } from '#shared/adapters/dynamodb/token-due-index.ts';
import { wechatCredentials } from '#shared/config/wechat-credentials.ts';
import { db, tableName } from '#shared/db/client.ts';
import { auditedStatusChanges } from '#shared/domain/accounts/authorization-changes.ts';
import { reconcileAuthorizers, reconciliationWeChat } from '#shared/domain/tokens/reconciliation.ts';
import { scheduledJob } from '#shared/http/scheduled-job.ts';
import { recordCounts } from '#shared/observability/counts.ts';
import { logger } from '#shared/observability/powertools.ts';
import { wechatApiClient } from '#shared/wechat/api-client.ts';

const statusChanges = auditedStatusChanges(new DynamoAccountStatusMarks(db(), tableName()), new DynamoAuditLog(db(), tableName()));
const deps = {
  index: new DynamoDueIndex(db(), tableName()),
  wechat: reconciliationWeChat(wechatApiClient(), componentTokenService(), async () => (await wechatCredentials()).componentAppId),
  markRevoked: (appid: string, at: string) => statusChanges.markRevoked(appid, at),
};

export const handler = scheduledJob(async () => {
  const summary = await reconcileAuthorizers(deps);
  recordCounts({
    ReconciledAccounts: summary.active,
    ReconciliationRefreshTokensRepaired: summary.refreshTokensRepaired,
    ReconciliationAccountsMissing: summary.missing,
    ReconciliationAccountsRevoked: summary.revoked,
    ReconciliationConfirmationFailures: summary.confirmationFailures,
  });
  logger.info('Authorizer reconciliation', { ...summary });
  return summary;
});
