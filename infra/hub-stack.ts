/**
 * The oa-hub stack, driven entirely by the catalogue (`infra/catalogue.ts`) and the table description
 * (`infra/table.ts`): adding a catalogue entry and its `functions/<name>/handler.ts` is all a new
 * function takes. Nothing in here names a particular function. The functions go into nested stacks by
 * group (`functionGroupOf`, below) so that no stack nears CloudFormation's 500 resources.
 */
import { CfnOutput, Duration, Fn, NestedStack, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { AlarmTopic } from '#infra/alarm-topic.ts';
import { activeQueues, hubFunctions, hubQueues, type HubFunction, type HubQueue } from '#infra/catalogue.ts';
import { cognitoClaims, ConsoleUsers } from '#infra/console-users.ts';
import { EgressNetwork } from '#infra/egress-network.ts';
import { HubEventBus } from '#infra/event-bus.ts';
import { HubApi } from '#infra/hub-api.ts';
import { DEFAULT_TIMEOUT_SECONDS, HubLambda, METRICS_NAMESPACE } from '#infra/hub-function.ts';
import { HubTable } from '#infra/hub-table.ts';
import { acknowledgeWeChatSecretRotation } from '#infra/nag-suppressions.ts';
import { hubStackOptions, type HubStackOptions } from '#infra/stack-options.ts';
import { WeComSuite } from '#infra/wecom-suite.ts';
import { WorkQueue } from '#infra/work-queue.ts';

export const STACK_NAME = 'OaHub';

/** The function that reports `TicketAgeSeconds` (WECHAT.md §8: alert when no ticket came for 30 minutes). */
export const TICKET_HEALTH_FUNCTION = 'token-refresh';
export const TICKET_STALE_AFTER_SECONDS = 30 * 60;

/** The shape operators put into the secret after deploy (API.md §4). */
const secretTemplate = { componentAppId: '', componentSecret: '', token: '', aesKey: '' };

export interface HubStackProps extends StackProps {
  /** Defaults to the CDK context (`oa-hub:*`). */
  readonly options?: HubStackOptions;
  readonly functions?: readonly HubFunction[];
  readonly queues?: readonly HubQueue[];
  /** Where a function's handler lives; defaults to `functions/<name>/handler.ts`. */
  readonly entryOf?: (fn: HubFunction) => string;
}

/**
 * Queues that someone in the catalogue uses: consumed (an event source) or sent to. A producer may
 * land before its consumer; its messages then wait in the queue until the consumer is deployed.
 */
export function deployedQueues(functions: readonly HubFunction[], queues: readonly HubQueue[]): HubQueue[] {
  for (const fn of functions) {
    for (const name of fn.sendsTo ?? []) {
      if (!queues.some((queue) => queue.name === name)) {
        throw new Error(`Function ${fn.name} sends to "${name}", which is not a queue in infra/catalogue.ts`);
      }
    }
  }
  return activeQueues(functions, queues);
}

/**
 * CloudFormation allows 500 resources per stack and each function brings 4 to 8 (function, role,
 * policy, log group; security group, event source mapping, schedule…) and 3 per route: the functions live in nested
 * stacks, one per group, so that no stack comes near the limit. The stateful resources (table, queues,
 * secrets, keys, bus, user pool), the VPC, the HTTP API with its routes and the alarms stay in the
 * parent, under the logical ids they always had. A group is derived from the catalogue entry, never
 * from its position, so adding a function never moves another one to a different stack.
 */
export type FunctionGroup = 'WeCom' | 'WeChat' | 'Hub';

export function functionGroupOf(fn: HubFunction): FunctionGroup {
  if (fn.name.includes('wecom')) return 'WeCom';
  if (fn.callsWeChat) return 'WeChat';
  return 'Hub';
}

/** The nested stack holding one group's functions (`Functions<Group>` in the parent). */
export class FunctionStack extends NestedStack {
  constructor(
    scope: Construct,
    readonly group: FunctionGroup,
  ) {
    super(scope, `Functions${group}`, { description: `oa-hub: the ${group} group's functions (infra/hub-stack.ts functionGroupOf)` });
  }
}

export class HubStack extends Stack {
  readonly table: HubTable;
  readonly api: HubApi;
  readonly secret: secretsmanager.Secret;
  readonly queues = new Map<string, WorkQueue>();
  readonly functions = new Map<string, HubLambda>();
  /** The nested stacks the functions live in, by group (`functionGroupOf`). */
  readonly functionStacks = new Map<FunctionGroup, FunctionStack>();
  readonly egress?: EgressNetwork;
  readonly consoleUsers?: ConsoleUsers;
  readonly ticketAgeAlarm?: cloudwatch.Alarm;
  readonly alarms: AlarmTopic;
  readonly events: HubEventBus;
  /** The WeCom suite's secret and KMS key, when a catalogue function reads the one or uses the other. */
  readonly wecom?: WeComSuite;

  constructor(scope: Construct, id: string, props: HubStackProps = {}) {
    super(scope, id, { description: 'oa-hub: WeChat Open Platform third-party platform (第三方平台)', ...props });
    const options = props.options ?? hubStackOptions(this.node);
    const functions = props.functions ?? hubFunctions;
    const queues = deployedQueues(functions, props.queues ?? hubQueues);

    this.table = new HubTable(this, 'Hub');

    this.secret = new secretsmanager.Secret(this, 'WeChatComponentSecret', {
      description:
        'oa-hub WeChat component credentials. Replace the value with JSON ' +
        '{"componentAppId":"wx…","componentSecret":"…","token":"…","aesKey":"<43 chars>","previousAesKey":"<optional, during a key rotation>"} ' +
        'from the Open Platform console (开发资料).',
      // Only the empty shape is in the template; the generated filler makes an unfilled secret fail
      // validation at cold start instead of looking like a real secret.
      generateSecretString: {
        secretStringTemplate: JSON.stringify(secretTemplate),
        generateStringKey: 'placeholder',
        excludePunctuation: true,
      },
    });

    acknowledgeWeChatSecretRotation(this.secret);

    if (functions.some((fn) => fn.readsWeComSecret || fn.usesWeComKey)) this.wecom = new WeComSuite(this, 'WeCom');

    for (const spec of queues) this.queues.set(spec.name, new WorkQueue(this, `Queue-${spec.name}`, spec));

    if (!options.jwt) this.consoleUsers = new ConsoleUsers(this, 'ConsoleUsers');
    const jwt = options.jwt ?? { issuer: this.consoleUsers!.issuer, audience: [this.consoleUsers!.client.userPoolClientId] };
    this.api = new HubApi(this, 'Api', {
      jwt,
      ...(options.customDomain ? { customDomain: options.customDomain } : {}),
      ...(options.consoleOrigin ? { consoleOrigin: options.consoleOrigin } : {}),
    });

    const needsEgress = options.natEgress && functions.some((fn) => fn.callsWeChat);
    if (needsEgress) this.egress = new EgressNetwork(this, 'Egress');

    const publicBaseUrl = this.api.baseUrl;
    const environment: Record<string, string> = {
      PUBLIC_BASE_URL: publicBaseUrl,
      CONSOLE_URL: options.consoleUrl ?? `${publicBaseUrl}/console`,
      ...(this.consoleUsers ? cognitoClaims : {}),
      ...options.environment,
    };

    for (const spec of functions) {
      const group = this.functionStackOf(spec);
      const hubLambda = new HubLambda(group, `Fn-${spec.name}`, {
        spec,
        environment,
        ...(props.entryOf ? { entry: props.entryOf(spec) } : {}),
        ...(spec.callsWeChat && this.egress ? { egress: { vpc: this.egress.vpc, subnets: this.egress.functionSubnets } } : {}),
      });
      hubLambda.bindTable(this.table.table, spec.table);
      for (const queueName of spec.sendsTo ?? []) hubLambda.bindQueueForSending(queueName, this.queues.get(queueName)!.queue);
      if (spec.readsWeChatSecret) hubLambda.bindWeChatSecret(this.secret);
      if (spec.readsWeComSecret) hubLambda.bindWeComSecret(this.wecom!.secret);
      if (spec.usesWeComKey) hubLambda.bindWeComKey(this.wecom!);
      for (const route of spec.routes ?? []) this.api.addRoute(spec.name, route, hubLambda.fn);
      if (spec.schedule) {
        new events.Rule(group, `Schedule-${spec.name}`, {
          description: `Runs ${spec.name} on ${spec.schedule}`,
          schedule: events.Schedule.expression(spec.schedule),
          targets: [new targets.LambdaFunction(hubLambda.fn, { retryAttempts: 2 })],
        });
      }
      this.functions.set(spec.name, hubLambda);
    }

    for (const workQueue of this.queues.values()) {
      const consumer = this.functions.get(workQueue.spec.consumer);
      if (!consumer) continue;
      const timeout = consumer.spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
      if (timeout > workQueue.spec.visibilityTimeoutSeconds) {
        // A message would reappear while its first delivery is still being worked on.
        throw new Error(
          `Queue ${workQueue.spec.name}: visibility timeout ${workQueue.spec.visibilityTimeoutSeconds}s is shorter than ` +
            `its consumer ${consumer.spec.name}'s timeout ${timeout}s`,
        );
      }
      consumer.fn.addEventSource(
        new SqsEventSource(workQueue.queue, {
          batchSize: workQueue.spec.batchSize,
          reportBatchItemFailures: true,
          maxConcurrency: workQueue.spec.maxConcurrency,
        }),
      );
    }

    if (this.functions.has(TICKET_HEALTH_FUNCTION)) this.ticketAgeAlarm = this.addTicketAgeAlarm();

    this.events = new HubEventBus(this, 'Events', {
      table: this.table.table,
      ...(options.environment?.EVENT_BUS_NAME ? { busName: options.environment.EVENT_BUS_NAME } : {}),
      publishers: [...this.functions.values()].filter((fn) => fn.spec.publishesOutbox),
    });

    // Last, so that every alarm above (ticket age, each dead-letter queue) notifies it.
    this.alarms = new AlarmTopic(this, 'Alarms', options.alarmEmail ? { email: options.alarmEmail } : {});
    this.alarms.notifyFrom(this);

    this.addOutputs(publicBaseUrl);
  }

  private functionStackOf(fn: HubFunction): FunctionStack {
    const group = functionGroupOf(fn);
    let stack = this.functionStacks.get(group);
    if (!stack) {
      stack = new FunctionStack(this, group);
      this.functionStacks.set(group, stack);
    }
    return stack;
  }

  /**
   * WeChat pushes a ticket every 10 minutes; none for 30 means the component token cannot be
   * renewed for long (the scheduled refresh has asked WeChat to resume by then). No data at all
   * means the refresh itself stopped running: that breaches too.
   */
  private addTicketAgeAlarm(): cloudwatch.Alarm {
    const ticketAge = new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: 'TicketAgeSeconds',
      dimensionsMap: { service: TICKET_HEALTH_FUNCTION },
      statistic: cloudwatch.Stats.MAXIMUM,
      period: Duration.minutes(5),
    });
    return ticketAge.createAlarm(this, 'TicketAgeAlarm', {
      alarmDescription: `No component_verify_ticket for more than ${TICKET_STALE_AFTER_SECONDS / 60} minutes (or no ticket health reported): check the authorization-event URL answers "success"`,
      threshold: TICKET_STALE_AFTER_SECONDS,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
  }

  private addOutputs(publicBaseUrl: string): void {
    const output = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    output('ApiUrl', publicBaseUrl, 'The hub’s public base URL (PUBLIC_BASE_URL)');
    output('AuthorizationEventUrl', `${publicBaseUrl}/v1/wechat/component`, 'Open Platform console: 授权事件接收URL');
    output('MessageUrl', `${publicBaseUrl}/v1/wechat/accounts/$APPID$/messages`, 'Open Platform console: 消息与事件接收URL');
    output(
      'AuthorizationPageDomain',
      this.api.host,
      'Open Platform console: 授权发起页域名, exactly this host (the custom domain when oa-hub:domainName is set): authorizeUrl pages (/v1/wechat/authorize) and the redirect_uri are served here',
    );
    output(
      'WebAuthorizationDomain',
      this.api.host,
      'Open Platform console: 公众号开发域名 (up to 3 hosts, ;-separated), which is also every authorized account’s JS接口安全域名: this host, where WeChat returns web-authorization visitors (/v1/oauth/callback); add the hosts of the product pages that use the JS-SDK',
    );
    output(
      'WhitelistIps',
      this.egress
        ? Fn.join(';', this.egress.whitelistIps())
        : 'Egress is not fixed (oa-hub:natEgress=false or no function calls WeChat): WeChat will answer 61004',
      'Open Platform console: 白名单IP地址列表 (the NAT gateways’ Elastic IPs)',
    );
    output('TableName', this.table.table.tableName, 'The DynamoDB table');
    output('WeChatSecretArn', this.secret.secretArn, 'Put the component credentials (JSON) into this secret');
    output(
      'EventBusName',
      this.events.bus.eventBusName,
      'The EventBridge bus every WeChat push and lifecycle event is published to (API.md §6): subscribe with your own rules',
    );
    output('EventBusArn', this.events.bus.eventBusArn, 'ARN of the event bus');
    output('AlarmTopicArn', this.alarms.topic.topicArn, 'SNS topic every alarm notifies (oa-hub:alarmEmail subscribes an address)');
    if (this.wecom) this.addWeComOutputs(publicBaseUrl);
    if (this.consoleUsers) {
      output('UserPoolId', this.consoleUsers.userPool.userPoolId, 'Cognito user pool of console users');
      output('UserPoolClientId', this.consoleUsers.client.userPoolClientId, 'App client the console signs in with');
    }
  }

  /** The values WeCom's 服务商管理后台 asks for (WECOM.md §8 step 1), and where the suite's credentials go. */
  private addWeComOutputs(publicBaseUrl: string): void {
    const wecom = this.wecom!;
    const output = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    output('WeComCommandCallbackUrl', `${publicBaseUrl}/v1/wecom/suite`, 'WeCom 服务商管理后台, the app’s 回调配置: 指令回调URL');
    output(
      'WeComDataCallbackUrl',
      `${publicBaseUrl}/v1/wecom/suite?corpid=$CORPID$`,
      'WeCom 服务商管理后台, the app’s 回调配置: 数据回调URL (WeCom replaces $CORPID$; same Token and EncodingAESKey as the 指令回调)',
    );
    output(
      'WeComSystemEventUrl',
      `${publicBaseUrl}/v1/wecom/system`,
      'WeCom 服务商管理后台, 通用开发参数: 系统事件接收URL (register_corp for 注册并关联; its own Token and EncodingAESKey)',
    );
    output(
      'WeComInstallRedirectDomain',
      this.api.host,
      'WeCom 服务商管理后台, the app’s 授权配置: 安装完成回调域名, exactly this host: the install link comes from here and WeCom returns the admin to /v1/wecom/installed on it',
    );
    output(
      'WeComTrustedDomain',
      this.api.host,
      'WeCom 服务商管理后台, the app’s 网页授权及JS-SDK: 可信域名, this host (add the product pages’ hosts that open inside WeCom)',
    );
    output(
      'WeComWhitelistIps',
      this.egress ? Fn.join(';', this.egress.whitelistIps()) : 'Egress is not fixed (oa-hub:natEgress=false): WeCom will answer 60020',
      'WeCom 服务商管理后台, 服务商信息: IP白名单 (the same NAT Elastic IPs as WhitelistIps: WeCom calls egress through them too)',
    );
    output('WeComSecretArn', wecom.secret.secretArn, 'Put the WeCom suite credentials (JSON) into this secret');
    output('WeComKmsKeyArn', wecom.key.keyArn, 'The KMS key sealing WeCom permanent codes and mini-program secrets (retained when the stack is deleted)');
  }
}
