import { beforeAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { METRICS_NAMESPACE } from '#infra/hub-function.ts';
import { TICKET_STALE_AFTER_SECONDS } from '#infra/hub-stack.ts';
import { synthHub, type Synthesized } from '#test/infra/support/synth.ts';

describe('the ticket health alarm', () => {
  let synthesized: Synthesized;

  beforeAll(() => {
    // Prepare / Act
    synthesized = synthHub();
  });

  it('fires when the scheduled refresh reports a ticket older than 30 minutes, or reports nothing', () => {
    // Assess
    synthesized.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: METRICS_NAMESPACE,
      MetricName: 'TicketAgeSeconds',
      Dimensions: [{ Name: 'service', Value: 'token-refresh' }],
      Statistic: 'Maximum',
      Threshold: TICKET_STALE_AFTER_SECONDS,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'breaching',
      AlarmDescription: Match.stringLikeRegexp('component_verify_ticket'),
    });
  });

  it('is left out of a stack without the scheduled refresh', () => {
    // Prepare
    const withoutRefresh = synthHub({ functions: [] });

    // Act
    const alarms = withoutRefresh.template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'TicketAgeSeconds' } });

    // Assess
    expect(Object.keys(alarms)).toEqual([]);
  });
});
