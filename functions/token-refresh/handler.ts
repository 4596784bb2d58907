/**
 * Every 5 minutes: the ticket's health (`TicketAgeSeconds`: the time since the last push;
 * `api_start_push_ticket` after 30 minutes without one), the component token, then every authorizer
 * token due before the next run, at most `TOKEN_REFRESH_CONCURRENCY` at a time and within a time
 * budget (`domain/tokens/scheduled-refresh.ts`).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { config } from '#shared/config/config.ts';
import { runScheduledRefresh } from '#shared/domain/tokens/scheduled-refresh.ts';
import { scheduledJob } from '#shared/http/scheduled-job.ts';
import { recordCounts } from '#shared/observability/counts.ts';
import { logger, metrics } from '#shared/observability/powertools.ts';
import { scheduledRefreshDeps } from '#shared/wiring/tokens.ts';

// One table read of the component token per run instead of one per refresh (`scheduledRefreshDeps`).
const deps = scheduledRefreshDeps();

export const handler = scheduledJob(async ({ remainingMs }) => {
  const summary = await runScheduledRefresh({ ...deps, remainingMs, options: { concurrency: config().tokenRefreshConcurrency } });
  if (summary.ticketAgeSeconds !== null) metrics.addMetric('TicketAgeSeconds', MetricUnit.Seconds, summary.ticketAgeSeconds);
  recordCounts({
    PushTicketRestarts: summary.pushTicketRestarted,
    ComponentTokenFailures: summary.componentToken === 'failed',
    AuthorizerTokensDue: summary.due,
    AuthorizerTokensRefreshed: summary.refreshed,
    AuthorizerTokenRefreshesSkipped: summary.skipped,
    AccountsNeedingReauthorization: summary.reauthorizationRequired,
    AccountsRevoked: summary.revoked,
    TokenRefreshRunsCutShort: !summary.complete,
  });
  for (const [errcode, count] of Object.entries(summary.failures)) recordCounts({ AuthorizerTokenRefreshFailures: count }, { errcode });
  logger.info('Token refresh run', { ...summary, failed: Object.values(summary.failures).reduce((sum, n) => sum + n, 0) });
  // A run that could not even get the component token is a failed invocation (Lambda's error metric).
  if (summary.componentToken === 'failed') throw new Error(`The component token is unavailable: ${summary.componentError}`);
  return summary;
});
