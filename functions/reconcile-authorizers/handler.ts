/**
 * Daily: the hub's active accounts against WeChat's authorizer list — refresh tokens that differ are
 * repaired, accounts WeChat confirms it no longer authorizes are revoked
 * (`shared/domain/tokens/reconciliation.ts`). Reads the due index (gsi2, `DUE#0…15`), never Scans.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ScheduledEvent } from 'aws-lambda';
import { DynamoAuditLog } from '#shared/adapters/dynamodb/audit-log.ts';
import { DynamoAccountStatusMarks } from '#shared/adapters/dynamodb/authorizer-token-store.ts';
import { componentTokenService } from '#shared/adapters/dynamodb/component-store.ts';
import { DynamoDueIndex } from '#shared/adapters/dynamodb/token-due-index.ts';
import { wechatCredentials } from '#shared/config/wechat-credentials.ts';
import { db, tableName } from '#shared/db/client.ts';
import { auditedStatusChanges } from '#shared/domain/accounts/authorization-changes.ts';
import { reconcileAuthorizers, reconciliationWeChat, type ReconciliationSummary } from '#shared/domain/tokens/reconciliation.ts';
import { observed } from '#shared/http/middleware.ts';
import { logger, metrics } from '#shared/observability/powertools.ts';
import { wechatApiClient } from '#shared/wechat/api-client.ts';

const statusChanges = auditedStatusChanges(new DynamoAccountStatusMarks(db(), tableName()), new DynamoAuditLog(db(), tableName()));
const deps = {
  index: new DynamoDueIndex(db(), tableName()),
  wechat: reconciliationWeChat(wechatApiClient(), componentTokenService(), async () => (await wechatCredentials()).componentAppId),
  markRevoked: (appid: string, at: string) => statusChanges.markRevoked(appid, at),
};

export const handler = observed(async (_event: ScheduledEvent): Promise<ReconciliationSummary> => {
  const summary = await reconcileAuthorizers(deps);
  metrics.addMetric('ReconciledAccounts', MetricUnit.Count, summary.active);
  metrics.addMetric('ReconciliationRefreshTokensRepaired', MetricUnit.Count, summary.refreshTokensRepaired);
  metrics.addMetric('ReconciliationAccountsMissing', MetricUnit.Count, summary.missing);
  metrics.addMetric('ReconciliationAccountsRevoked', MetricUnit.Count, summary.revoked);
  metrics.addMetric('ReconciliationConfirmationFailures', MetricUnit.Count, summary.confirmationFailures);
  logger.info('Authorizer reconciliation', { ...summary });
  return summary;
});
