/**
 * Issue 11: the alarms notify an SNS topic (`oa-hub:alarmEmail` subscribes an address), the Cognito
 * pool has an `operator` group beside `admin`, and the stack says which domain to register as
 * 授权发起页域名, where the authorization page route is served; issue 14: and as 公众号开发域名 /
 * JS接口安全域名, where WeChat returns web-authorization visitors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Capture, Match } from 'aws-cdk-lib/assertions';
import { synthHub, type Synthesized } from '#test/infra/support/synth.ts';
import { resourcesOf } from '#test/infra/support/template.ts';

const topicRef = (synthesized: Synthesized) => ({ Ref: synthesized.stack.getLogicalId(synthesized.stack.alarms.topic.node.defaultChild as never) });

describe('the alarm topic of the default stack', () => {
  let synthesized: Synthesized;

  beforeAll(() => {
    // Prepare / Act
    synthesized = synthHub();
  });

  it('has one SNS topic, which refuses publishing without TLS', () => {
    // Assess
    synthesized.template.resourceCountIs('AWS::SNS::Topic', 1);
    synthesized.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [topicRef(synthesized)],
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  it('is notified by every alarm of the stack, when it fires and when it recovers', () => {
    // Act
    const alarms = Object.entries(resourcesOf(synthesized.template)).filter(([, resource]) => resource.Type === 'AWS::CloudWatch::Alarm');

    // Assess
    expect(alarms.length).toBeGreaterThanOrEqual(3);
    for (const [id, alarm] of alarms) {
      expect({ id, actions: alarm.Properties?.AlarmActions, ok: alarm.Properties?.OKActions }).toEqual({
        id,
        actions: [topicRef(synthesized)],
        ok: [topicRef(synthesized)],
      });
    }
  });

  it('has no subscription without oa-hub:alarmEmail', () => {
    // Assess
    synthesized.template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('outputs the topic’s ARN', () => {
    // Assess
    synthesized.template.hasOutput('AlarmTopicArn', { Value: topicRef(synthesized) });
  });

  it('creates the admin and the operator groups in the console user pool', () => {
    // Act
    const groups = Object.values(resourcesOf(synthesized.template))
      .filter((resource) => resource.Type === 'AWS::Cognito::UserPoolGroup')
      .map((resource) => resource.Properties?.GroupName);

    // Assess
    expect(groups.sort()).toEqual(['admin', 'operator']);
  });

  it('routes GET /v1/wechat/authorize without an authorizer, to the authorization page function', () => {
    // Prepare
    const target = new Capture();

    // Act
    synthesized.template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'GET /v1/wechat/authorize', AuthorizationType: 'NONE', Target: target });

    // Assess
    expect(JSON.stringify(target.asObject())).toMatch(/authorizepage/i);
  });

  it('names the authorization page domain in the output’s description, where that route is served', () => {
    // Act
    const outputs = synthesized.template.findOutputs('AuthorizationPageDomain');

    // Assess
    expect(outputs.AuthorizationPageDomain?.Description).toContain('授权发起页域名');
    expect(outputs.AuthorizationPageDomain?.Description).toContain('/v1/wechat/authorize');
  });

  it('names the web authorization domain: the host WeChat returns visitors to, for 公众号开发域名 and JS接口安全域名', () => {
    // Act
    const outputs = synthesized.template.findOutputs('*');

    // Assess
    expect(outputs.WebAuthorizationDomain?.Value).toEqual(outputs.AuthorizationPageDomain?.Value);
    expect(outputs.WebAuthorizationDomain?.Description).toMatch(/公众号开发域名.*JS接口安全域名.*\/v1\/oauth\/callback/);
    synthesized.template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'GET /v1/oauth/callback', AuthorizationType: 'NONE' });
  });
});

describe('an alarm e-mail (oa-hub:alarmEmail)', () => {
  it('subscribes the address to the alarm topic', () => {
    // Act
    const synthesized = synthHub({ context: { 'oa-hub:alarmEmail': 'ops@example.com' } });

    // Assess
    synthesized.template.resourceCountIs('AWS::SNS::Subscription', 1);
    synthesized.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: topicRef(synthesized) });
  });

  it.each([['no-at-sign.example.com'], ['two@ats@example.com'], ['ops@example.com,dev@example.com'], ['ops@localhost']])('refuses "%s"', (email) => {
    // Act
    const attempt = () => synthHub({ context: { 'oa-hub:alarmEmail': email } });

    // Assess
    expect(attempt).toThrow(/oa-hub:alarmEmail must be one e-mail address/);
  });
});

describe('the authorization page and web authorization domains with a custom domain (oa-hub:domainName)', () => {
  let synthesized: Synthesized;

  beforeAll(() => {
    // Prepare / Act
    synthesized = synthHub({
      context: {
        'oa-hub:domainName': 'hub.example.com',
        'oa-hub:certificateArn': 'arn:aws:acm:ap-east-1:111122223333:certificate/0f8a1b2c-3d4e-5f60-7182-93a4b5c6d7e8',
      },
    });
  });

  it('names the custom domain as the authorization page domain, not the execute-api host', () => {
    // Assess
    synthesized.template.hasOutput('AuthorizationPageDomain', { Value: 'hub.example.com' });
  });

  it('names the custom domain as the web authorization domain', () => {
    // Assess
    synthesized.template.hasOutput('WebAuthorizationDomain', { Value: 'hub.example.com' });
  });
});
