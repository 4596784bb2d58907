/**
 * Checks that hold for any catalogue: every function, route, queue and schedule in it is wired the way
 * its entry says, with nothing more granted than it declares. Run against the real catalogue and
 * against a fixture catalogue that uses every feature.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import type { CfnElement } from 'aws-cdk-lib';
import type { HubFunction, HubQueue } from '#infra/catalogue.ts';
import { queueUrlVariable } from '#infra/catalogue.ts';
import { deployedQueues } from '#infra/hub-stack.ts';
import { synthHub, type Synthesized } from '#test/infra/support/synth.ts';
import { actionsOfFunction, functionLogicalId, functionProperties, resourcesOf, tableLogicalId } from '#test/infra/support/template.ts';

const tableWriteActions = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
const tableReadActions = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:BatchGetItem'];

const expectedAuthorization = { jwt: 'JWT', wechat: 'NONE', iam: 'AWS_IAM' } as const;

export function describeCatalogueWiring(label: string, catalogue: { functions: readonly HubFunction[]; queues: readonly HubQueue[]; fixture: boolean }) {
  describe(`${label}: every catalogue entry is wired as declared`, () => {
    let synthesized: Synthesized;

    beforeAll(() => {
      // Prepare / Act: one synth for the whole file.
      synthesized = synthHub(catalogue.fixture ? { functions: catalogue.functions, queues: catalogue.queues } : {});
    });

    const routes = catalogue.functions.flatMap((fn) => (fn.routes ?? []).map((route) => ({ fn, route })));
    const queues = deployedQueues(catalogue.functions, catalogue.queues);

    it.each(catalogue.functions.map((fn) => [fn.name, fn] as const))(
      'deploys %s on nodejs22.x arm64 with active tracing and its Powertools service name',
      (_name, fn) => {
        // Assess
        const props = functionProperties(synthesized.stack, synthesized.template, fn.name);
        expect(props.Runtime).toBe('nodejs22.x');
        expect(props.Architectures).toEqual(['arm64']);
        expect(props.TracingConfig).toEqual({ Mode: 'Active' });
        expect(props.Handler).toBe('index.handler');
        expect(props.Environment.Variables).toMatchObject({
          POWERTOOLS_SERVICE_NAME: fn.name,
          POWERTOOLS_METRICS_NAMESPACE: 'oa-hub',
          TABLE_NAME: { Ref: tableLogicalId(synthesized.stack) },
        });
        if (fn.timeoutSeconds) expect(props.Timeout).toBe(fn.timeoutSeconds);
        if (fn.memoryMb) expect(props.MemorySize).toBe(fn.memoryMb);
      },
    );

    it.each(catalogue.functions.map((fn) => [fn.name, fn] as const))('gives %s exactly the table access it declares', (_name, fn) => {
      // Act
      const actions = actionsOfFunction(synthesized.stack, synthesized.template, fn.name);
      // Assess
      const reads = tableReadActions.filter((action) => actions.includes(action));
      const writes = tableWriteActions.filter((action) => actions.includes(action));
      expect(reads.length > 0).toBe(fn.table !== 'write');
      expect(writes.length > 0).toBe(fn.table !== 'read');
    });

    it.each(catalogue.functions.map((fn) => [fn.name, fn] as const))('lets %s read the WeChat secret only if it declares so', (_name, fn) => {
      // Act
      const actions = actionsOfFunction(synthesized.stack, synthesized.template, fn.name);
      const variables = functionProperties(synthesized.stack, synthesized.template, fn.name).Environment.Variables;
      // Assess
      expect(actions.some((action) => action.startsWith('secretsmanager:'))).toBe(fn.readsWeChatSecret || (fn.readsWeComSecret ?? false));
      expect('WECHAT_SECRET_ARN' in variables).toBe(fn.readsWeChatSecret);
    });

    it.each(catalogue.functions.map((fn) => [fn.name, fn] as const))('lets %s read the WeCom secret and use its key only if it declares so', (_name, fn) => {
      // Act
      const actions = actionsOfFunction(synthesized.stack, synthesized.template, fn.name);
      const variables = functionProperties(synthesized.stack, synthesized.template, fn.name).Environment.Variables;
      // Assess
      expect('WECOM_SECRET_ARN' in variables).toBe(fn.readsWeComSecret ?? false);
      expect(actions.some((action) => action.startsWith('kms:'))).toBe(fn.usesWeComKey ?? false);
      expect('WECOM_KMS_KEY_ID' in variables).toBe(fn.usesWeComKey ?? false);
    });

    it.each(catalogue.functions.map((fn) => [fn.name, fn] as const))('lets %s send only to the queues it names', (_name, fn) => {
      // Act
      const actions = actionsOfFunction(synthesized.stack, synthesized.template, fn.name);
      const variables = functionProperties(synthesized.stack, synthesized.template, fn.name).Environment.Variables;
      // Assess
      // An outbox publisher also sends its stream's failed batches to the on-failure queue (`infra/event-bus.ts`).
      expect(actions.includes('sqs:SendMessage')).toBe((fn.sendsTo ?? []).length > 0 || fn.publishesOutbox === true);
      for (const queueName of fn.sendsTo ?? []) {
        const queue = synthesized.stack.queues.get(queueName)!.queue;
        expect(variables[queueUrlVariable(queueName)]).toEqual({ Ref: synthesized.stack.getLogicalId(queue.node.defaultChild as CfnElement) });
      }
    });

    it.each(catalogue.functions.map((fn) => [fn.name, fn] as const))('runs %s in the egress VPC exactly when it calls WeChat', (_name, fn) => {
      // Assess
      const props = functionProperties(synthesized.stack, synthesized.template, fn.name);
      expect(props.VpcConfig !== undefined).toBe(fn.callsWeChat);
    });

    it('grants no service-wide or global wildcard action anywhere', () => {
      // Act
      const actions = Object.values(resourcesOf(synthesized.template))
        .filter((resource) => resource.Type === 'AWS::IAM::Policy')
        .flatMap((resource) => (resource.Properties!.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement)
        .flatMap((statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]));
      // Assess
      expect(actions.length).toBeGreaterThan(0);
      expect(actions.filter((action) => action === '*' || action.endsWith(':*'))).toEqual([]);
    });

    it.each(routes.map(({ fn, route }) => [`${route.method} ${route.path}`, route.auth, fn.name] as const))(
      'routes %s (%s) with the matching authorization to %s',
      (routeKey, auth, name) => {
        // Assess
        synthesized.template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
          RouteKey: routeKey,
          AuthorizationType: expectedAuthorization[auth],
          ...(auth === 'jwt' ? { AuthorizerId: { Ref: Match.anyValue() } } : { AuthorizerId: Match.absent() }),
          Target: Match.anyValue(),
        });
        const routeResource = Object.values(resourcesOf(synthesized.template)).find(
          (resource) => resource.Type === 'AWS::ApiGatewayV2::Route' && resource.Properties!.RouteKey === routeKey,
        )!;
        const integrationId = JSON.stringify(routeResource.Properties!.Target).match(/"Ref":"([^"]+)"/)![1]!;
        const integrationResource = resourcesOf(synthesized.template)[integrationId]!;
        expect(JSON.stringify(integrationResource.Properties!.IntegrationUri)).toContain(functionLogicalId(synthesized.stack, name));
      },
    );

    it('has exactly one route per catalogue route', () => {
      // Assess
      synthesized.template.resourceCountIs('AWS::ApiGatewayV2::Route', routes.length);
    });

    it.each(queues.map((queue) => [queue.name, queue] as const))(
      'gives the %s queue a dead-letter queue after its receive count, SSL only, SQS-managed encryption',
      (_name, spec) => {
        // Prepare
        const workQueue = synthesized.stack.queues.get(spec.name)!;
        const dlqId = synthesized.stack.getLogicalId(workQueue.deadLetterQueue.node.defaultChild as CfnElement);
        const queueId = synthesized.stack.getLogicalId(workQueue.queue.node.defaultChild as CfnElement);
        const resources = resourcesOf(synthesized.template);
        // Assess
        expect(resources[queueId]!.Properties).toMatchObject({
          VisibilityTimeout: spec.visibilityTimeoutSeconds,
          SqsManagedSseEnabled: true,
          RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: spec.maxReceiveCount },
        });
        expect(resources[dlqId]!.Properties).toMatchObject({ SqsManagedSseEnabled: true });
        for (const id of [queueId, dlqId]) {
          synthesized.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
            Queues: [{ Ref: id }],
            PolicyDocument: {
              Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
            },
          });
        }
      },
    );

    it.each(queues.map((queue) => [queue.name, queue] as const))('alarms as soon as a message lands in the %s dead-letter queue', (_name, spec) => {
      // Prepare
      const dlq = synthesized.stack.queues.get(spec.name)!.deadLetterQueue;
      const dlqId = synthesized.stack.getLogicalId(dlq.node.defaultChild as CfnElement);
      // Assess
      synthesized.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Namespace: 'AWS/SQS',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
      });
    });

    const consumed = queues.filter((queue) => catalogue.functions.some((fn) => fn.name === queue.consumer));
    it.each(consumed.map((queue) => [queue.name, queue.consumer, queue] as const))(
      'feeds the %s queue to %s with its batch size, partial batch failures and bounded concurrency',
      (_name, consumer, spec) => {
        // Prepare
        const queue = synthesized.stack.queues.get(spec.name)!.queue;
        // Assess
        synthesized.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
          EventSourceArn: { 'Fn::GetAtt': [synthesized.stack.getLogicalId(queue.node.defaultChild as CfnElement), 'Arn'] },
          FunctionName: { Ref: functionLogicalId(synthesized.stack, consumer) },
          BatchSize: spec.batchSize,
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          ScalingConfig: { MaximumConcurrency: spec.maxConcurrency },
        });
      },
    );

    it('creates one event source per consumed queue and one per outbox publisher, and no other', () => {
      // Assess
      synthesized.template.resourceCountIs('AWS::Lambda::EventSourceMapping', consumed.length + catalogue.functions.filter((fn) => fn.publishesOutbox).length);
    });

    const scheduled = catalogue.functions.filter((fn) => fn.schedule);
    it.each(scheduled.map((fn) => [fn.name, fn] as const))('runs %s on its schedule', (_name, fn) => {
      // Assess
      synthesized.template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: fn.schedule,
        State: 'ENABLED',
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [functionLogicalId(synthesized.stack, fn.name), 'Arn'] } })],
      });
    });

    it('creates one schedule per scheduled function and no other', () => {
      // Assess
      synthesized.template.resourceCountIs('AWS::Events::Rule', scheduled.length);
    });
  });
}
