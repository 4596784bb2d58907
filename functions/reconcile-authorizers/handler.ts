/**
 * Daily: the hub's active accounts against WeChat's authorizer list — refresh tokens that differ are
 * repaired, accounts WeChat confirms it no longer authorizes are revoked
 * (`shared/domain/tokens/reconciliation.ts`). Reads the due index (gsi2, `DUE#0…15`), never Scans.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ScheduledEvent } from 'aws-lambda';
import { reconcileAuthorizers, type ReconciliationSummary } from '#shared/domain/tokens/reconciliation.ts';
import { observed } from '#shared/http/middleware.ts';
import { logger, metrics } from '#shared/observability/powertools.ts';
import { reconciliationDeps } from '#shared/wiring/tokens.ts';

const deps = reconciliationDeps();

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
