/**
 * Daily: the hub's accounts (every one not unbound) against WeChat's authorizer list — refresh tokens
 * that differ are repaired, accounts waiting for a re-authorization that WeChat still lists go back to
 * active, active accounts WeChat confirms it no longer authorizes are revoked
 * (`shared/domain/tokens/reconciliation.ts`). Reads the due index (gsi2, `DUE#0…15`) and BatchGets
 * the listed accounts that are not active, never Scans.
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
    ReconciliationAccountsReactivated: summary.reactivated,
  });
  logger.info('Authorizer reconciliation', { ...summary });
  return summary;
});
