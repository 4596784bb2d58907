/**
 * The HTTP API (API Gateway v2) in front of the functions. Each catalogue route is wired with the
 * authorizer its `auth` kind asks for:
 * - `jwt`: the gateway verifies the console's bearer token (issuer + audience) before the function runs;
 * - `wechat`: none, because WeChat cannot send a token; the handler verifies WeChat's signature;
 * - `iam`: SigV4, for the product's other services.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { Route, RouteAuth } from '#infra/catalogue.ts';
import { acknowledgeWeChatRoute } from '#infra/nag-suppressions.ts';

export const THROTTLE = { rateLimit: 200, burstLimit: 400 } as const;

export interface HubApiProps {
  /** Who issues console tokens and for which audience. */
  readonly jwt: { readonly issuer: string; readonly audience: string[] };
  readonly customDomain?: { readonly domainName: string; readonly certificateArn: string };
  readonly consoleOrigin?: string;
}

/**
 * One line per request, as JSON. Deliberately no query string and no headers: WeChat's redirect
 * carries `auth_code` in the query and console calls carry bearer tokens.
 */
const accessLogFormat = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    sourceIp: '$context.identity.sourceIp',
    routeKey: '$context.routeKey',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    responseLatency: '$context.responseLatency',
    integrationLatency: '$context.integrationLatency',
    integrationError: '$context.integrationErrorMessage',
    authorizerError: '$context.authorizer.error',
  }),
);

export class HubApi extends Construct {
  readonly httpApi: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly accessLogs: logs.LogGroup;
  /** Host name WeChat and browsers use: the custom domain when there is one. */
  readonly host: string;
  readonly domainName?: apigw.DomainName;
  private readonly authorizers: Record<Exclude<RouteAuth, 'wechat'>, apigw.IHttpRouteAuthorizer>;
  private readonly integrations = new Map<lambda.IFunction, HttpLambdaIntegration>();

  constructor(scope: Construct, id: string, props: HubApiProps) {
    super(scope, id);
    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      description: 'oa-hub: WeChat pushes and callbacks, console API, internal token API',
      createDefaultStage: false,
      ...(props.consoleOrigin
        ? {
            corsPreflight: {
              allowOrigins: [props.consoleOrigin],
              allowMethods: [
                apigw.CorsHttpMethod.GET,
                apigw.CorsHttpMethod.POST,
                apigw.CorsHttpMethod.PUT,
                apigw.CorsHttpMethod.PATCH,
                apigw.CorsHttpMethod.DELETE,
              ],
              allowHeaders: ['authorization', 'content-type'],
              maxAge: Duration.hours(1),
            },
          }
        : {}),
    });

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { ...THROTTLE },
      accessLogSettings: { destination: new apigw.LogGroupLogDestination(this.accessLogs), format: accessLogFormat },
    });

    if (props.customDomain) {
      this.domainName = new apigw.DomainName(this, 'DomainName', {
        domainName: props.customDomain.domainName,
        certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', props.customDomain.certificateArn),
      });
      new apigw.ApiMapping(this, 'ApiMapping', { api: this.httpApi, domainName: this.domainName, stage: this.stage });
      this.host = props.customDomain.domainName;
    } else {
      this.host = `${this.httpApi.apiId}.execute-api.${this.httpApi.stack.region}.${this.httpApi.stack.urlSuffix}`;
    }

    this.authorizers = {
      jwt: new HttpJwtAuthorizer('ConsoleJwt', props.jwt.issuer, { jwtAudience: props.jwt.audience }),
      iam: new HttpIamAuthorizer(),
    };
  }

  /** `https://<host>`, without a trailing slash. */
  get baseUrl(): string {
    return `https://${this.host}`;
  }

  /** Routes `route` to `fn`; `functionName` (the catalogue name) names the integration. */
  addRoute(functionName: string, route: Route, fn: lambda.IFunction): void {
    let integration = this.integrations.get(fn);
    if (!integration) {
      integration = new HttpLambdaIntegration(`${functionName}-integration`, fn);
      this.integrations.set(fn, integration);
    }
    const routes = this.httpApi.addRoutes({
      path: route.path,
      methods: [apigw.HttpMethod[route.method]],
      integration,
      authorizer: route.auth === 'wechat' ? new apigw.HttpNoneAuthorizer() : this.authorizers[route.auth],
    });
    if (route.auth === 'wechat') routes.forEach(acknowledgeWeChatRoute);
  }
}
