import { beforeAll, describe, expect, it } from 'vitest';
import { Capture, Match } from 'aws-cdk-lib/assertions';
import { hubFunctions } from '#infra/catalogue.ts';
import { globalIndexes, tableKeys } from '#infra/table.ts';
import { synthHub, type Synthesized } from '#test/infra/support/synth.ts';
import { allPolicyStatements, actionsOf, functionProperties, resourcesOf } from '#test/infra/support/template.ts';

describe('the default stack (Cognito, NAT egress, execute-api URL)', () => {
  let synthesized: Synthesized;

  beforeAll(() => {
    // Prepare / Act
    synthesized = synthHub();
  });

  it('has exactly one table, keyed by pk/sk strings, with every GSI projecting all attributes', () => {
    // Assess
    synthesized.template.resourceCountIs('AWS::DynamoDB::Table', 1);
    synthesized.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: tableKeys.partitionKey, KeyType: 'HASH' },
        { AttributeName: tableKeys.sortKey, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: tableKeys.partitionKey, AttributeType: 'S' },
        { AttributeName: tableKeys.sortKey, AttributeType: 'S' },
      ]),
      GlobalSecondaryIndexes: globalIndexes.map((index) => ({
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    });
  });

  it('expires items by the ttl attribute, bills on demand, recovers to a point in time and encrypts with the AWS-managed key', () => {
    // Assess
    synthesized.template.hasResourceProperties('AWS::DynamoDB::Table', {
      TimeToLiveSpecification: { AttributeName: tableKeys.ttlAttribute, Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      // SSEEnabled without a key of our own is the AWS-managed key (aws/dynamodb).
      SSESpecification: { SSEEnabled: true, KMSMasterKeyId: Match.absent() },
      DeletionProtectionEnabled: true,
    });
  });

  it('keeps the table when the stack is deleted or the table replaced', () => {
    // Assess
    synthesized.template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('creates the WeChat secret with a description and no credential values in the template', () => {
    // Prepare
    const template = new Capture();
    // Act
    synthesized.template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Description: Match.stringLikeRegexp('componentAppId.*componentSecret.*token.*aesKey'),
      GenerateSecretString: { SecretStringTemplate: template },
      SecretString: Match.absent(),
    });
    // Assess
    const shape = JSON.parse(template.asString()) as Record<string, string>;
    expect(Object.values(shape).every((value) => value === '')).toBe(true);
  });

  it('passes the secret ARN only to functions that read the secret', () => {
    // Act
    const holders = hubFunctions.filter(
      (fn) => 'WECHAT_SECRET_ARN' in functionProperties(synthesized.stack, synthesized.template, fn.name).Environment.Variables,
    );
    // Assess
    expect(holders.map((fn) => fn.name)).toEqual(hubFunctions.filter((fn) => fn.readsWeChatSecret).map((fn) => fn.name));
  });

  it('gives every function its public base URL and the console URL beneath it', () => {
    // Assess
    for (const fn of hubFunctions) {
      const variables = functionProperties(synthesized.stack, synthesized.template, fn.name).Environment.Variables;
      const base = JSON.stringify(variables.PUBLIC_BASE_URL);
      expect(base).toContain('execute-api');
      expect(JSON.stringify(variables.CONSOLE_URL)).toBe(base.replace(/\]\]\}$/, ',"/console"]]}'));
    }
  });

  it('verifies console tokens against the stack’s own user pool and app client', () => {
    // Prepare
    const issuer = new Capture();
    const audience = new Capture();
    // Act
    synthesized.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: issuer, Audience: audience },
    });
    // Assess
    expect(JSON.stringify(issuer.asObject())).toContain('https://cognito-idp.');
    expect(JSON.stringify(issuer.asObject())).toMatch(/ConsoleUsersUserPool/);
    expect(audience.asArray()).toHaveLength(1);
    expect(JSON.stringify(audience.asArray())).toMatch(/ConsoleUsersUserPoolConsoleClient/);
  });

  it('lets no app client write the tenant or the departments of a user', () => {
    // Prepare
    const writable = new Capture();
    // Act
    synthesized.template.hasResourceProperties('AWS::Cognito::UserPoolClient', { WriteAttributes: writable });
    // Assess
    expect(writable.asArray().filter((attribute: string) => attribute.startsWith('custom:'))).toEqual([]);
  });

  it('logs every request of the default stage and throttles it', () => {
    // Assess
    synthesized.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('\\$context.requestId') },
      DefaultRouteSettings: { ThrottlingBurstLimit: Match.anyValue(), ThrottlingRateLimit: Match.anyValue() },
    });
  });

  it('keeps query strings, where WeChat puts auth_code, out of the access log', () => {
    // Prepare
    const format = new Capture();
    // Act
    synthesized.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { AccessLogSettings: { Format: format } });
    // Assess
    expect(format.asString()).not.toMatch(/querystring|\$context\.path|header/i);
  });

  it('allows no cross-origin calls when no console origin is given', () => {
    // Assess
    synthesized.template.hasResourceProperties('AWS::ApiGatewayV2::Api', { CorsConfiguration: Match.absent() });
  });

  it('allocates one Elastic IP per NAT gateway, in two availability zones', () => {
    // Prepare
    const allocation = new Capture();
    // Act
    synthesized.template.resourceCountIs('AWS::EC2::NatGateway', 2);
    synthesized.template.resourceCountIs('AWS::EC2::EIP', 2);
    synthesized.template.allResourcesProperties('AWS::EC2::NatGateway', { AllocationId: allocation });
    // Assess
    const eipIds = Object.entries(resourcesOf(synthesized.template))
      .filter(([, resource]) => resource.Type === 'AWS::EC2::EIP')
      .map(([id]) => id);
    const used: string[] = [];
    do used.push((allocation.asObject() as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0]);
    while (allocation.next());
    expect(used.sort()).toEqual(eipIds.sort());
  });

  it('records the VPC’s traffic in flow logs', () => {
    // Assess
    synthesized.template.hasResourceProperties('AWS::EC2::FlowLog', { ResourceType: 'VPC', TrafficType: 'ALL' });
  });

  it('outputs the whitelist as the Elastic IPs joined by semicolons', () => {
    // Prepare
    const value = new Capture();
    // Act
    synthesized.template.hasOutput('WhitelistIps', { Value: value });
    // Assess
    const [separator, ips] = (value.asObject() as { 'Fn::Join': [string, { 'Fn::GetAtt': [string, string] }[]] })['Fn::Join'];
    expect(separator).toBe(';');
    expect(ips.map((ip) => ip['Fn::GetAtt'][1])).toEqual(['PublicIp', 'PublicIp']);
  });

  it('outputs the URLs to enter in the Open Platform console', () => {
    // Prepare
    const event = new Capture();
    const message = new Capture();
    // Act
    synthesized.template.hasOutput('AuthorizationEventUrl', { Value: event });
    synthesized.template.hasOutput('MessageUrl', { Value: message });
    // Assess
    expect(JSON.stringify(event.asObject())).toMatch(/"\/v1\/wechat\/component"\]\]\}$/);
    expect(JSON.stringify(message.asObject())).toMatch(/"\/v1\/wechat\/accounts\/\$APPID\$\/messages"\]\]\}$/);
  });

  it('outputs the authorization page domain as a bare host', () => {
    // Prepare
    const domain = new Capture();
    // Act
    synthesized.template.hasOutput('AuthorizationPageDomain', { Value: domain });
    // Assess
    expect(JSON.stringify(domain.asObject())).not.toContain('https://');
    expect(JSON.stringify(domain.asObject())).toContain('.execute-api.');
  });

  it('outputs the API URL, table, secret and the Cognito identifiers', () => {
    // Assess
    for (const name of ['ApiUrl', 'TableName', 'WeChatSecretArn', 'UserPoolId', 'UserPoolClientId']) {
      synthesized.template.hasOutput(name, { Value: Match.anyValue() });
    }
  });

  it('allows no statement to act on every resource except X-Ray’s and dynamodb:ListStreams, which have no resource scoping', () => {
    // Act
    const global = allPolicyStatements(synthesized.template).filter((statement) => statement.Resource === '*');
    // Assess
    expect(global.flatMap(actionsOf).filter((action) => !action.startsWith('xray:') && action !== 'dynamodb:ListStreams')).toEqual([]);
  });
});
