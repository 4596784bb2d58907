/**
 * The cdk-nag (AwsSolutions) findings this stack accepts, each with the reason, in one place so a
 * reviewer sees every exception together. cdk-nag 3 runs as a CDK policy-validation plugin, so an
 * acknowledgement is `Validations.of(construct).acknowledge(...)` with the id the report prints
 * (`<pack>::<rule>[<finding>]`), scoped to the one construct it is about.
 */
import { Names, Stack, Validations } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';

const acknowledge = (scope: IConstruct, rule: string, reason: string) =>
  Validations.of(scope).acknowledge({ id: `AwsSolutions::AwsSolutions-${rule}`, reason });

export function acknowledgeFunctionFindings(fn: lambda.Function, role: iam.Role, inVpc: boolean): void {
  acknowledge(
    fn,
    'L1',
    'The runtime is pinned to nodejs22.x on purpose (DESIGN.md §5): the bundles target node22 and the ' +
      'dependencies are verified on it. Moving to a newer runtime is a deliberate change of infra/hub-function.ts.',
  );
  acknowledge(role, 'IAM5[Resource::*]', 'X-Ray active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions.');
  if (inVpc) {
    acknowledge(
      role,
      'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
      'A function in a VPC needs ec2:Create/Describe/DeleteNetworkInterface for its ENIs, which support no ' +
        'resource-level scoping; the AWS managed policy is the one Lambda documents for exactly this.',
    );
  }
}

/** Read/write grants on the table include its indexes (`<table arn>/index/*`): the GSI queries. */
export function acknowledgeTableIndexAccess(role: iam.Role, table: dynamodb.Table): void {
  const cfnTable = table.node.defaultChild as dynamodb.CfnTable;
  // A role in a nested function stack reads the table's ARN from the parameter CDK names after it.
  const tableArn = Stack.of(role) === Stack.of(table) ? `${Stack.of(table).getLogicalId(cfnTable)}.Arn` : `referenceto${Names.nodeUniqueId(cfnTable.node)}Arn`;
  acknowledge(
    role,
    `IAM5[Resource::<${tableArn}>/index/*]`,
    'The wildcard is limited to the indexes of the hub table (gsi1, gsi2), which the access patterns query.',
  );
}

export function acknowledgeWeChatSecretRotation(secret: secretsmanager.Secret): void {
  acknowledge(
    secret,
    'SMG4',
    'The component secret, message token and EncodingAESKey are issued in WeChat’s Open Platform console and ' +
      'can only be changed there; Secrets Manager cannot rotate them. A key change is covered by previousAesKey.',
  );
}

export function acknowledgeWeComSecretRotation(secret: secretsmanager.Secret): void {
  acknowledge(
    secret,
    'SMG4',
    'The WeCom suite secret, callback Token and EncodingAESKey (and the provider secret) are issued in WeCom’s ' +
      '服务商管理后台 and can only be changed there; Secrets Manager cannot rotate them.',
  );
}

export function acknowledgeConsoleUserPool(userPool: cognito.UserPool): void {
  acknowledge(
    userPool,
    'COG2',
    'The default console pool offers TOTP MFA (optional); tenants with their own IdP replace the pool with ' +
      'oa-hub:jwtIssuer, and an operator can make MFA required without a code change.',
  );
  acknowledge(
    userPool,
    'COG8',
    'The Plus feature plan is billed per active user; the default pool is a starting point that most tenants ' +
      'replace with their own identity provider (oa-hub:jwtIssuer). Operators can upgrade the plan in place.',
  );
}

export function acknowledgeWeChatRoute(route: apigw.HttpRoute): void {
  acknowledge(
    route,
    'APIG4',
    'WeChat calls this route and cannot send a bearer token or SigV4; the handler verifies WeChat’s ' +
      'signature / msg_signature (constant time) before it reads anything.',
  );
}

export function acknowledgeAlarmTopicEncryption(topic: sns.Topic): void {
  acknowledge(
    topic,
    'SNS2',
    'The alarm topic carries only alarm names, states and metric values, nothing of tenants or WeChat. CloudWatch ' +
      'cannot publish to a topic encrypted with the AWS managed SNS key, and a customer managed key (billed monthly, ' +
      'with a key policy for cloudwatch.amazonaws.com) would protect nothing secret. Publishing requires TLS (SNS3).',
  );
}

export function acknowledgeOutboxFailureQueue(queue: sqs.Queue): void {
  acknowledge(
    queue,
    'SQS3',
    'This queue is itself the on-failure destination of the outbox stream (it receives pointers to stream batches ' +
      'that failed for 24 h, the entries stay in the table); a dead-letter queue of a dead-letter queue would add nothing. ' +
      'Anything in it raises an alarm.',
  );
}
