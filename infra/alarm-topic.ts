/**
 * Where the stack's alarms go: one SNS topic that every CloudWatch alarm of the stack notifies, on
 * ALARM and on OK (so a page also hears when it is over). Context `oa-hub:alarmEmail` subscribes an
 * address (AWS sends it a confirmation mail first); other subscribers (chat, paging) attach to the
 * `AlarmTopicArn` output.
 */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct, type IConstruct } from 'constructs';
import { acknowledgeAlarmTopicEncryption } from '#infra/nag-suppressions.ts';

export interface AlarmTopicProps {
  /** Subscribed by e-mail when set (`oa-hub:alarmEmail`). */
  readonly email?: string;
}

export class AlarmTopic extends Construct {
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: AlarmTopicProps = {}) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'oa-hub alarms',
      // Publishing and subscribing only over TLS (a topic policy denying aws:SecureTransport=false).
      enforceSSL: true,
    });
    acknowledgeAlarmTopicEncryption(this.topic);
    if (props.email) this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));
  }

  /** Every CloudWatch alarm under `scope` notifies the topic when it fires and when it recovers. */
  notifyFrom(scope: IConstruct): cloudwatch.Alarm[] {
    const alarms = scope.node.findAll().filter((construct): construct is cloudwatch.Alarm => construct instanceof cloudwatch.Alarm);
    const action = new cloudwatchActions.SnsAction(this.topic);
    for (const alarm of alarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    return alarms;
  }
}
