import { beforeAll, describe, expect, it } from 'vitest';
import { Capture, Match } from 'aws-cdk-lib/assertions';
import { hubFunctions } from '#infra/catalogue.ts';
import { fixtureFunctions, fixtureQueues } from '#test/infra/fixtures/catalogue.ts';
import { synthHub, type Synthesized } from '#test/infra/support/synth.ts';
import { functionProperties } from '#test/infra/support/template.ts';

describe('a development account without NAT egress (oa-hub:natEgress=false)', () => {
  let synthesized: Synthesized;

  beforeAll(() => {
    // Prepare / Act: the fixture catalogue has several functions that call WeChat.
    synthesized = synthHub({ functions: fixtureFunctions, queues: fixtureQueues, context: { 'oa-hub:natEgress': 'false' } });
  });

  it('has no NAT gateway, no Elastic IP and no VPC', () => {
    // Assess
    synthesized.template.resourceCountIs('AWS::EC2::NatGateway', 0);
    synthesized.template.resourceCountIs('AWS::EC2::EIP', 0);
    synthesized.template.resourceCountIs('AWS::EC2::VPC', 0);
  });

  it('runs no function in a VPC, not even those that call WeChat', () => {
    // Assess
    synthesized.template.allResourcesProperties('AWS::Lambda::Function', { VpcConfig: Match.absent() });
    expect(fixtureFunctions.some((fn) => fn.callsWeChat)).toBe(true);
  });

  it('says in the whitelist output that egress is not fixed', () => {
    // Assess
    synthesized.template.hasOutput('WhitelistIps', { Value: Match.stringLikeRegexp('not fixed') });
  });
});

describe('an external token issuer (oa-hub:jwtIssuer, oa-hub:jwtAudience)', () => {
  let synthesized: Synthesized;

  beforeAll(() => {
    // Prepare / Act
    synthesized = synthHub({
      context: { 'oa-hub:jwtIssuer': 'https://login.example.com/realms/saas', 'oa-hub:jwtAudience': 'console, oa-hub' },
    });
  });

  it('creates no Cognito user pool', () => {
    // Assess
    synthesized.template.resourceCountIs('AWS::Cognito::UserPool', 0);
    synthesized.template.resourceCountIs('AWS::Cognito::UserPoolClient', 0);
  });

  it('verifies console tokens against that issuer and every listed audience', () => {
    // Assess
    synthesized.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: 'https://login.example.com/realms/saas', Audience: ['console', 'oa-hub'] },
    });
  });

  it('outputs no user pool identifiers', () => {
    // Prepare
    const outputs = synthesized.template.findOutputs('*');
    // Assess
    expect(Object.keys(outputs)).not.toContain('UserPoolId');
    expect(Object.keys(outputs)).not.toContain('UserPoolClientId');
  });

  it('leaves the claim names to the defaults or to context instead of Cognito’s', () => {
    // Act
    const variables = functionProperties(synthesized.stack, synthesized.template, hubFunctions[0]!.name).Environment.Variables;
    // Assess
    expect(variables.JWT_TENANT_CLAIM).toBeUndefined();
  });
});

describe('a custom domain (oa-hub:domainName, oa-hub:certificateArn) and the console’s origin', () => {
  const certificateArn = 'arn:aws:acm:ap-east-1:111122223333:certificate/0f8a1b2c-3d4e-5f60-7182-93a4b5c6d7e8';
  let synthesized: Synthesized;

  beforeAll(() => {
    // Prepare / Act
    synthesized = synthHub({
      context: {
        'oa-hub:domainName': 'hub.example.com',
        'oa-hub:certificateArn': certificateArn,
        'oa-hub:consoleOrigin': 'https://console.example.com',
        'oa-hub:consoleUrl': 'https://console.example.com/wechat',
        'oa-hub:bindRequiredFuncIds': '1,2,3,15',
      },
    });
  });

  it('creates the domain name with the certificate and maps it to the API’s stage', () => {
    // Prepare
    const domain = new Capture();
    // Act
    synthesized.template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'hub.example.com',
      DomainNameConfigurations: [Match.objectLike({ CertificateArn: certificateArn, EndpointType: 'REGIONAL' })],
    });
    synthesized.template.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', { DomainName: domain, Stage: Match.anyValue() });
    // Assess
    expect(domain.asObject()).toEqual({ Ref: expect.stringMatching(/DomainName/) });
  });

  it('builds every URL output on the custom domain', () => {
    // Assess
    synthesized.template.hasOutput('ApiUrl', { Value: 'https://hub.example.com' });
    synthesized.template.hasOutput('AuthorizationEventUrl', { Value: 'https://hub.example.com/v1/wechat/component' });
    synthesized.template.hasOutput('MessageUrl', { Value: 'https://hub.example.com/v1/wechat/accounts/$APPID$/messages' });
    synthesized.template.hasOutput('AuthorizationPageDomain', { Value: 'hub.example.com' });
  });

  it('gives functions the custom domain, the console URL and the binding policy from context', () => {
    // Act
    const variables = functionProperties(synthesized.stack, synthesized.template, hubFunctions[0]!.name).Environment.Variables;
    // Assess
    expect(variables).toMatchObject({
      PUBLIC_BASE_URL: 'https://hub.example.com',
      CONSOLE_URL: 'https://console.example.com/wechat',
      BIND_REQUIRED_FUNC_IDS: '1,2,3,15',
    });
  });

  it('allows the console’s origin, and only it, by CORS', () => {
    // Assess
    synthesized.template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({ AllowOrigins: ['https://console.example.com'] }),
    });
  });
});

describe('context that does not make sense', () => {
  it('refuses an issuer without an audience', () => {
    // Act / Assess
    expect(() => synthHub({ context: { 'oa-hub:jwtIssuer': 'https://login.example.com' } })).toThrow(/jwtAudience/);
  });

  it('refuses a domain name without a certificate', () => {
    // Act / Assess
    expect(() => synthHub({ context: { 'oa-hub:domainName': 'hub.example.com' } })).toThrow(/certificateArn/);
  });

  it('refuses a natEgress flag that is neither true nor false', () => {
    // Act / Assess
    expect(() => synthHub({ context: { 'oa-hub:natEgress': 'no' } })).toThrow(/natEgress/);
  });
});

describe('catalogue entries that cannot be deployed', () => {
  const worker = fixtureFunctions.find((fn) => fn.name === 'fixture-worker')!;

  it('refuses a function that sends to a queue the catalogue does not declare', () => {
    // Prepare
    const functions = [{ ...worker, sendsTo: ['no-such-queue'] }];
    // Act / Assess
    expect(() => synthHub({ functions, queues: fixtureQueues })).toThrow(/no-such-queue/);
  });

  it('refuses a consumer whose timeout outlasts its queue’s visibility timeout', () => {
    // Prepare: the message would be delivered again while the first delivery still runs.
    const functions = [{ ...worker, timeoutSeconds: fixtureQueues[0]!.visibilityTimeoutSeconds + 1 }];
    // Act / Assess
    expect(() => synthHub({ functions, queues: fixtureQueues })).toThrow(/visibility timeout/);
  });
});
