/**
 * Daily: the hub's accounts (every one not unbound) against WeChat's authorizer list — refresh tokens
 * that differ are repaired, accounts waiting for a re-authorization that WeChat still lists go back to
 * active, active accounts WeChat confirms it no longer authorizes are revoked
 * (`shared/domain/tokens/reconciliation.ts`). Reads the due index (gsi2, `DUE#0…15`) and BatchGets
 * the listed accounts that are not active, never Scans.
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
  metrics.addMetric('ReconciliationAccountsReactivated', MetricUnit.Count, summary.reactivated);
  logger.info('Authorizer reconciliation', { ...summary });
  return summary;
});
