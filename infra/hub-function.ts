/**
 * One hub Lambda function with the project's defaults fixed in one place (runtime, architecture,
 * ESM bundle, tracing, logs, Powertools), and `bind*` methods that grant access to a resource and
 * hand its name to the code in one call, so a grant and its environment variable cannot drift apart.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { handlerEntry, lambdaBundle, lockFile, projectRoot, tsconfigFile } from '#infra/bundling.ts';
import { queueUrlVariable, type HubFunction, type TableAccess } from '#infra/catalogue.ts';
import { acknowledgeFunctionFindings, acknowledgeTableIndexAccess } from '#infra/nag-suppressions.ts';
import type { WeComSuite } from '#infra/wecom-suite.ts';

export const DEFAULT_TIMEOUT_SECONDS = 15;
export const DEFAULT_MEMORY_MB = 512;
export const METRICS_NAMESPACE = 'oa-hub';
export const LOG_RETENTION = logs.RetentionDays.ONE_MONTH;

export interface HubLambdaProps {
  /** The function's catalogue entry. */
  readonly spec: HubFunction;
  /** Variables every function gets (public URL, console URL, binding policy …). */
  readonly environment?: Readonly<Record<string, string>>;
  /** Set for functions that call WeChat: they egress through the NAT gateways' whitelisted IPs. */
  readonly egress?: { readonly vpc: ec2.IVpc; readonly subnets: ec2.SubnetSelection };
  /** Defaults to `functions/<name>/handler.ts`; tests point catalogue fixtures elsewhere. */
  readonly entry?: string;
}

export class HubLambda extends Construct {
  readonly spec: HubFunction;
  readonly fn: nodejs.NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: HubLambdaProps) {
    super(scope, id);
    const { spec } = props;
    this.spec = spec;

    // An explicit log group (instead of `logRetention`) keeps retention without the custom resource
    // Lambda that `logRetention` deploys.
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: LOG_RETENTION,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // An own role instead of AWSLambdaBasicExecutionRole, whose logs:* grant reaches every log group
    // of the account: this one may only write to the function's own log group.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `oa-hub ${spec.name}`,
    });
    this.logGroup.grantWrite(this.role);
    if (props.egress) {
      this.role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole'));
    }

    this.fn = new nodejs.NodejsFunction(this, 'Function', {
      role: this.role,
      description: spec.description.slice(0, 256),
      entry: props.entry ?? handlerEntry(spec.name),
      handler: 'handler',
      projectRoot,
      depsLockFilePath: lockFile,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: Duration.seconds(spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS),
      memorySize: spec.memoryMb ?? DEFAULT_MEMORY_MB,
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: spec.name,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        // Stack traces point into the TypeScript sources instead of the minified bundle.
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: lambdaBundle.target,
        mainFields: [...lambdaBundle.mainFields],
        banner: lambdaBundle.banner,
        minify: lambdaBundle.minify,
        sourceMap: lambdaBundle.sourcemap,
        externalModules: [...lambdaBundle.externalModules],
        logLevel: nodejs.LogLevel.WARNING satisfies `${typeof lambdaBundle.logLevel}`,
        tsconfig: tsconfigFile,
      },
      ...(props.egress ? { vpc: props.egress.vpc, vpcSubnets: props.egress.subnets } : {}),
    });
    acknowledgeFunctionFindings(this.fn, this.role, Boolean(props.egress));
  }

  /** The narrowest table grant for the access the catalogue declares, plus `TABLE_NAME`. */
  bindTable(table: dynamodb.ITable, access: TableAccess): this {
    const grants: Record<TableAccess, () => void> = {
      read: () => table.grantReadData(this.fn),
      write: () => table.grantWriteData(this.fn),
      readwrite: () => table.grantReadWriteData(this.fn),
    };
    grants[access]();
    if (table instanceof dynamodb.Table) acknowledgeTableIndexAccess(this.role, table);
    this.fn.addEnvironment('TABLE_NAME', table.tableName);
    return this;
  }

  /** SendMessage on one work queue, plus `<NAME>_QUEUE_URL`. */
  bindQueueForSending(queueName: string, queue: sqs.IQueue): this {
    queue.grantSendMessages(this.fn);
    this.fn.addEnvironment(queueUrlVariable(queueName), queue.queueUrl);
    return this;
  }

  /** Read access to the component credentials, plus `WECHAT_SECRET_ARN`. */
  bindWeChatSecret(secret: secretsmanager.ISecret): this {
    secret.grantRead(this.fn);
    this.fn.addEnvironment('WECHAT_SECRET_ARN', secret.secretArn);
    return this;
  }

  /** Read access to the WeCom suite's credentials, plus `WECOM_SECRET_ARN`. */
  bindWeComSecret(secret: secretsmanager.ISecret): this {
    secret.grantRead(this.fn);
    this.fn.addEnvironment('WECOM_SECRET_ARN', secret.secretArn);
    return this;
  }

  /** Sealing and opening WeCom secrets with the suite's KMS key (`WeComSuite.grantSealing`), plus `WECOM_KMS_KEY_ID`. */
  bindWeComKey(suite: WeComSuite): this {
    suite.grantSealing(this.fn);
    this.fn.addEnvironment('WECOM_KMS_KEY_ID', suite.key.keyArn);
    return this;
  }
}
