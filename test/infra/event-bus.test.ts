/**
 * Issue 13: the event bus, its outputs, the outbox stream to `event-publisher`, the grants and the
 * alarms when publishing falls behind (API.md §6; `infra/event-bus.ts`).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { hubFunctions } from '#infra/catalogue.ts';
import { synthHub, type Synthesized } from '#test/infra/support/synth.ts';
import { functionLogicalId, functionProperties, resourcesOf, statementsOfFunction } from '#test/infra/support/template.ts';

const busRef = (synthesized: Synthesized) => ({ Ref: synthesized.stack.getLogicalId(synthesized.stack.events.bus.node.defaultChild as never) });

describe('the event bus of the default stack', () => {
  let synthesized: Synthesized;

  beforeAll(() => {
    // Prepare / Act
    synthesized = synthHub();
  });

  it('creates the bus oa-hub-events and outputs its name and ARN', () => {
    // Assess
    synthesized.template.hasResourceProperties('AWS::Events::EventBus', { Name: 'oa-hub-events' });
    synthesized.template.hasOutput('EventBusName', { Value: busRef(synthesized) });
    synthesized.template.hasOutput('EventBusArn', { Value: { 'Fn::GetAtt': [busRef(synthesized).Ref, 'Arn'] } });
  });

  it('streams the new images of the table', () => {
    // Assess
    synthesized.template.hasResourceProperties('AWS::DynamoDB::Table', { StreamSpecification: { StreamViewType: 'NEW_IMAGE' } });
  });

  it('feeds only new outbox items to event-publisher, in order, bisecting failures, with an on-failure queue', () => {
    // Assess
    synthesized.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionLogicalId(synthesized.stack, 'event-publisher') },
      StartingPosition: 'TRIM_HORIZON',
      ParallelizationFactor: 1,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRecordAgeInSeconds: 86_400,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT'], dynamodb: { NewImage: { pk: { S: [{ prefix: 'OUTBOX#' }] } } } }) }] },
    });
  });

  it('lets only the outbox publishers put events, and only on this bus, with EVENT_BUS_NAME', () => {
    for (const fn of hubFunctions) {
      // Act
      const puts = statementsOfFunction(synthesized.stack, synthesized.template, fn.name).filter((statement) =>
        (Array.isArray(statement.Action) ? statement.Action : [statement.Action]).includes('events:PutEvents'),
      );
      const variables = functionProperties(synthesized.stack, synthesized.template, fn.name).Environment.Variables;
      // Assess
      expect({ fn: fn.name, puts: puts.length > 0, bus: 'EVENT_BUS_NAME' in variables }).toEqual({
        fn: fn.name,
        puts: fn.publishesOutbox === true,
        bus: fn.publishesOutbox === true,
      });
      for (const statement of puts) expect(statement.Resource).toEqual({ 'Fn::GetAtt': [busRef(synthesized).Ref, 'Arn'] });
    }
  });

  it('alarms when publishing falls behind: the stream iterator age, the oldest pending entry, and failed batches', () => {
    // Act
    const alarms = Object.values(resourcesOf(synthesized.template)).filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm');
    const metricNames = alarms.map((alarm) => alarm.Properties?.MetricName);
    // Assess
    expect(metricNames).toEqual(expect.arrayContaining(['IteratorAge', 'OutboxOldestPendingSeconds', 'ApproximateNumberOfMessagesVisible']));
    const pending = alarms.find((alarm) => alarm.Properties?.MetricName === 'OutboxOldestPendingSeconds')!;
    expect(pending.Properties?.TreatMissingData).toBe('breaching');
  });
});
