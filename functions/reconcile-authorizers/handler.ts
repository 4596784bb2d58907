/**
 * Daily: the hub's active accounts against WeChat's authorizer list — refresh tokens that differ are
 * repaired, accounts WeChat confirms it no longer authorizes are revoked
 * (`shared/domain/tokens/reconciliation.ts`). Reads the due index (gsi2, `DUE#0…15`), never Scans.
 */
import { reconcileAuthorizers } from '#shared/domain/tokens/reconciliation.ts';
import { scheduledJob } from '#shared/http/scheduled-job.ts';
import { recordCounts } from '#shared/observability/counts.ts';
import { logger } from '#shared/observability/powertools.ts';
import { reconciliationDeps } from '#shared/wiring/tokens.ts';

const deps = reconciliationDeps();

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
