/**
 * The event bus (API.md §6) and the way the outbox reaches it, "nothing lost" by construction:
 *
 * - the EventBridge bus `EVENT_BUS_NAME` (default `oa-hub-events`; outputs `EventBusName`, `EventBusArn`);
 * - the table's stream (new images) → `event-publisher` (the catalogue's `publishesOutbox` function),
 *   filtered to INSERTs of `OUTBOX#` items, in order per shard (parallelization 1), partial batch
 *   failures reported, bisected on error, retried for up to 24 h; a batch that still fails goes to
 *   the on-failure queue as a pointer — the entry itself stays in the table, pending;
 * - every 5 minutes the same function sweeps entries pending for more than 2 minutes onto the bus
 *   (what the stream could not publish) and reports `OutboxOldestPendingSeconds`;
 * - alarms (all on the stack's SNS alarm topic): publishing falls behind (the stream's iterator age
 *   over 2 minutes, or an entry pending over 10 minutes — missing data breaches: the sweep stopped),
 *   and anything in the on-failure queue.
 *
 * Grants: `events:PutEvents` on this bus only, `EVENT_BUS_NAME` with it; the stream read by the
 * event source mapping's own grant. Subscribers are the product's: their own rules on this bus.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, type HubLambda } from '#infra/hub-function.ts';
import { acknowledgeOutboxFailureQueue } from '#infra/nag-suppressions.ts';

export const DEFAULT_EVENT_BUS_NAME = 'oa-hub-events';
/** The outbox items' partition key prefix (`shared/adapters/dynamodb/event-outbox.ts`). */
export const OUTBOX_ITEM_PREFIX = 'OUTBOX#';
export const PUBLISH_LAG_ALARM_SECONDS = 120;
export const PENDING_ALARM_SECONDS = 600;

export interface HubEventBusProps {
  readonly table: dynamodb.Table;
  readonly busName?: string;
  /** The catalogue's `publishesOutbox` functions. */
  readonly publishers: readonly HubLambda[];
}

export class HubEventBus extends Construct {
  readonly bus: events.EventBus;
  readonly failureQueue: sqs.Queue;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: HubEventBusProps) {
    super(scope, id);
    this.bus = new events.EventBus(this, 'Bus', {
      eventBusName: props.busName ?? DEFAULT_EVENT_BUS_NAME,
      description: 'oa-hub: WeChat messages and events, account lifecycle (API.md §6)',
    });
    this.failureQueue = new sqs.Queue(this, 'PublishFailures', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    acknowledgeOutboxFailureQueue(this.failureQueue);
    this.alarms.push(
      this.failureQueue
        .metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM })
        .createAlarm(this, 'PublishFailuresAlarm', {
          alarmDescription: 'Outbox stream batches failed for 24 h and were set aside (the entries stay pending in the table; the sweep keeps trying)',
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
    );

    for (const publisher of props.publishers) {
      this.bus.grantPutEventsTo(publisher.fn);
      publisher.fn.addEnvironment('EVENT_BUS_NAME', this.bus.eventBusName);
      publisher.fn.addEventSource(
        new DynamoEventSource(props.table, {
          startingPosition: lambda.StartingPosition.TRIM_HORIZON,
          batchSize: 10,
          parallelizationFactor: 1,
          bisectBatchOnError: true,
          reportBatchItemFailures: true,
          retryAttempts: 100,
          maxRecordAge: Duration.hours(24),
          onFailure: new SqsDlq(this.failureQueue),
          filters: [
            lambda.FilterCriteria.filter({
              eventName: lambda.FilterRule.isEqual('INSERT'),
              dynamodb: { NewImage: { pk: { S: lambda.FilterRule.beginsWith(OUTBOX_ITEM_PREFIX) } } },
            }),
          ],
        }),
      );
      this.alarms.push(
        publisher.fn
          .metric('IteratorAge', { statistic: cloudwatch.Stats.MAXIMUM, period: Duration.minutes(1) })
          .createAlarm(this, `PublishLagAlarm-${publisher.spec.name}`, {
            alarmDescription: `Publishing to the event bus falls behind: ${publisher.spec.name} reads outbox entries more than ${PUBLISH_LAG_ALARM_SECONDS} s old`,
            threshold: PUBLISH_LAG_ALARM_SECONDS * 1000,
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluationPeriods: 3,
            treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          }),
        new cloudwatch.Metric({
          namespace: METRICS_NAMESPACE,
          metricName: 'OutboxOldestPendingSeconds',
          dimensionsMap: { service: publisher.spec.name },
          statistic: cloudwatch.Stats.MAXIMUM,
          period: Duration.minutes(5),
        }).createAlarm(this, `PendingAlarm-${publisher.spec.name}`, {
          alarmDescription: `An event has waited in the outbox for more than ${PENDING_ALARM_SECONDS / 60} minutes (or the sweep stopped reporting): check the bus and ${publisher.spec.name}`,
          threshold: PENDING_ALARM_SECONDS,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 2,
          datapointsToAlarm: 2,
          treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        }),
      );
    }
  }
}
