/**
 * Scheduled every 5 minutes: the ticket's health (`TicketAgeSeconds`, `api_start_push_ticket` when
 * none arrived for 30 minutes), the component token, then every authorizer token due before the
 * next run, with bounded concurrency and a time budget (`shared/domain/tokens/scheduled-refresh.ts`).
 * `TOKEN_REFRESH_CONCURRENCY` (default 32, parsed with the rest of the configuration) bounds the
 * refreshes in flight.
 */
import type { Context, ScheduledEvent } from 'aws-lambda';
import middy from '@middy/core';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoAuditLog } from '#shared/adapters/dynamodb/audit-log.ts';
import { DynamoAccountStatusMarks, DynamoAuthorizerTokenStore } from '#shared/adapters/dynamodb/authorizer-token-store.ts';
import { componentTokenService } from '#shared/adapters/dynamodb/component-store.ts';
import { DynamoLease } from '#shared/adapters/dynamodb/lease.ts';
import { DynamoDueIndex } from '#shared/adapters/dynamodb/token-due-index.ts';
import { config } from '#shared/config/config.ts';
import { wechatCredentials } from '#shared/config/wechat-credentials.ts';
import { db, tableName } from '#shared/db/client.ts';
import { auditedStatusChanges } from '#shared/domain/accounts/authorization-changes.ts';
import { AuthorizerTokenService } from '#shared/domain/tokens/authorizer-token.ts';
import { ReusedComponentToken } from '#shared/domain/tokens/reused-component-token.ts';
import { runScheduledRefresh, type ScheduledRefreshSummary } from '#shared/domain/tokens/scheduled-refresh.ts';
import { observability } from '#shared/http/middleware.ts';
import { logger, metrics } from '#shared/observability/powertools.ts';
import { wechatApiClient } from '#shared/wechat/api-client.ts';

const component = componentTokenService();
const tokens = new AuthorizerTokenService({
  store: new DynamoAuthorizerTokenStore(db(), tableName()),
  statusChanges: auditedStatusChanges(new DynamoAccountStatusMarks(db(), tableName()), new DynamoAuditLog(db(), tableName())),
  lease: new DynamoLease(db(), tableName()),
  api: wechatApiClient(),
  // One table read of the component token per run instead of one per refresh.
  component: new ReusedComponentToken(component),
  componentAppId: async () => (await wechatCredentials()).componentAppId,
});
const index = new DynamoDueIndex(db(), tableName());

function recordMetrics(summary: ScheduledRefreshSummary): void {
  if (summary.ticketAgeSeconds !== null) metrics.addMetric('TicketAgeSeconds', MetricUnit.Seconds, summary.ticketAgeSeconds);
  if (summary.pushTicketRestarted) metrics.addMetric('PushTicketRestarts', MetricUnit.Count, 1);
  if (summary.componentToken === 'failed') metrics.addMetric('ComponentTokenFailures', MetricUnit.Count, 1);
  metrics.addMetric('AuthorizerTokensDue', MetricUnit.Count, summary.due);
  metrics.addMetric('AuthorizerTokensRefreshed', MetricUnit.Count, summary.refreshed);
  metrics.addMetric('AuthorizerTokenRefreshesSkipped', MetricUnit.Count, summary.skipped);
  metrics.addMetric('AccountsNeedingReauthorization', MetricUnit.Count, summary.reauthorizationRequired);
  metrics.addMetric('AccountsRevoked', MetricUnit.Count, summary.revoked);
  if (!summary.complete) metrics.addMetric('TokenRefreshRunsCutShort', MetricUnit.Count, 1);
  for (const [errcode, count] of Object.entries(summary.failures)) {
    const failure = metrics.singleMetric();
    failure.addDimension('errcode', errcode);
    failure.addMetric('AuthorizerTokenRefreshFailures', MetricUnit.Count, count);
  }
}

export const handler = middy<ScheduledEvent, ScheduledRefreshSummary>()
  .use(observability() as unknown as middy.MiddlewareObj<ScheduledEvent, ScheduledRefreshSummary>[])
  .handler(async (_event: ScheduledEvent, context: Context) => {
    const summary = await runScheduledRefresh({
      component,
      index,
      tokens,
      remainingMs: () => context.getRemainingTimeInMillis(),
      options: { concurrency: config().tokenRefreshConcurrency },
    });
    recordMetrics(summary);
    const failed = Object.values(summary.failures).reduce((sum, n) => sum + n, 0);
    logger.info('Token refresh run', { ...summary, failed });
    // A run that could not even get the component token is a failed invocation (Lambda's error metric).
    if (summary.componentToken === 'failed') throw new Error(`The component token is unavailable: ${summary.componentError}`);
    return summary;
  });
