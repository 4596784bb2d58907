/**
 * Issue 16 item 8: the WeCom third-party app in AWS. Its functions, routes and queue come from the
 * catalogue like every other; the stack adds the suite's secret, the KMS key that seals permanent codes
 * and mini-program secrets (granted narrowly), the NAT egress WeCom's IP whitelist needs (60020), and the
 * values WeCom's 服务商管理后台 asks for as outputs.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Capture, Match } from 'aws-cdk-lib/assertions';
import { hubFunctions, hubQueues } from '#infra/catalogue.ts';
import { SEALED_PURPOSES } from '#infra/wecom-suite.ts';
import { fixtureFunctions, fixtureQueues } from '#test/infra/fixtures/catalogue.ts';
import { synthHub, type Synthesized } from '#test/infra/support/synth.ts';
import { actionsOf, functionProperties, resourcesOf, statementsOfFunction } from '#test/infra/support/template.ts';

const wecomFunctions = hubFunctions.filter((fn) => fn.name.includes('wecom'));
const logicalId = (synthesized: Synthesized, construct: { node: { defaultChild?: unknown } }) =>
  synthesized.stack.getLogicalId(construct.node.defaultChild as never);

describe('WeCom in the default stack', () => {
  let synthesized: Synthesized;

  beforeAll(() => {
    // Prepare / Act
    synthesized = synthHub();
  });

  it('serves every WeCom route of the catalogue on the HTTP API', () => {
    // Prepare
    const routeKeys = Object.values(resourcesOf(synthesized.template))
      .filter((resource) => resource.Type === 'AWS::ApiGatewayV2::Route')
      .map((resource) => resource.Properties!.RouteKey);
    // Act
    const expected = wecomFunctions.flatMap((fn) => (fn.routes ?? []).map((route) => `${route.method} ${route.path}`));
    // Assess
    expect(expected).toContain('POST /v1/wecom/suite');
    expect(routeKeys).toEqual(expect.arrayContaining(expected));
  });

  it('creates each WeCom queue with its dead-letter queue and consumes it with its worker', () => {
    // Prepare
    const wecomQueues = hubQueues.filter((queue) => queue.name.startsWith('wecom'));
    // Assess
    expect(wecomQueues.length).toBeGreaterThan(0);
    for (const queue of wecomQueues) {
      const workQueue = synthesized.stack.queues.get(queue.name)!;
      synthesized.template.hasResourceProperties('AWS::SQS::Queue', {
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(synthesized, workQueue.deadLetterQueue), 'Arn'] } },
      });
      synthesized.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: logicalId(synthesized, synthesized.stack.functions.get(queue.consumer)!.fn) },
        EventSourceArn: { 'Fn::GetAtt': [logicalId(synthesized, workQueue.queue), 'Arn'] },
      });
    }
  });

  it('creates the suite secret with the credentials’ shape and no value in the template', () => {
    // Prepare
    const template = new Capture();
    // Act
    synthesized.template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Description: Match.stringLikeRegexp('suiteId.*suiteSecret.*token.*aesKey.*providerCorpId'),
      GenerateSecretString: { SecretStringTemplate: template },
      SecretString: Match.absent(),
    });
    // Assess
    const shape = JSON.parse(template.asString()) as Record<string, string>;
    expect(Object.keys(shape).sort()).toEqual(['aesKey', 'providerCorpId', 'suiteId', 'suiteSecret', 'token']);
    expect(Object.values(shape).every((value) => value === '')).toBe(true);
  });

  it('passes WECOM_SECRET_ARN only to the functions that read the suite secret', () => {
    // Act
    const holders = hubFunctions.filter(
      (fn) => 'WECOM_SECRET_ARN' in functionProperties(synthesized.stack, synthesized.template, fn.name).Environment.Variables,
    );
    // Assess
    expect(holders.map((fn) => fn.name)).toEqual(hubFunctions.filter((fn) => fn.readsWeComSecret).map((fn) => fn.name));
  });

  it('keeps a rotating KMS key that outlives the stack', () => {
    // Assess
    synthesized.template.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('lets only the sealing functions use the key, for GenerateDataKey and Decrypt of a sealed WeCom secret alone', () => {
    // Prepare
    const keyArn = { 'Fn::GetAtt': [logicalId(synthesized, synthesized.stack.wecom!.key), 'Arn'] };
    // Act
    const kmsStatements = hubFunctions.map((fn) => ({
      name: fn.name,
      statements: statementsOfFunction(synthesized.stack, synthesized.template, fn.name).filter((statement) =>
        actionsOf(statement).some((action) => action.startsWith('kms:')),
      ),
    }));
    // Assess
    const users = hubFunctions.filter((fn) => fn.usesWeComKey).map((fn) => fn.name);
    expect(users.length).toBeGreaterThan(0);
    expect(kmsStatements.filter((entry) => entry.statements.length > 0).map((entry) => entry.name)).toEqual(users);
    for (const { name, statements } of kmsStatements.filter((entry) => users.includes(entry.name))) {
      expect({ name, statements }).toEqual({
        name,
        statements: [
          {
            Effect: 'Allow',
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: keyArn,
            Condition: { StringEquals: { 'kms:EncryptionContext:purpose': [...SEALED_PURPOSES] } },
          },
        ],
      });
      expect(functionProperties(synthesized.stack, synthesized.template, name).Environment.Variables.WECOM_KMS_KEY_ID).toEqual(keyArn);
    }
  });

  it('runs every function that calls WeCom inside the NAT egress network', () => {
    // Act
    const callers = wecomFunctions.filter((fn) => fn.callsWeChat);
    // Assess
    expect(callers.map((fn) => fn.name)).toContain('wecom-installed');
    for (const fn of callers) {
      expect({ name: fn.name, vpc: functionProperties(synthesized.stack, synthesized.template, fn.name).VpcConfig }).toEqual({
        name: fn.name,
        vpc: expect.objectContaining({ SubnetIds: expect.any(Array) }),
      });
    }
  });

  it('outputs the callback URLs WeCom’s console asks for beneath the public base URL', () => {
    // Prepare
    const outputs = synthesized.template.findOutputs('*');
    const base = JSON.stringify(outputs.ApiUrl!.Value);
    const beneath = (path: string) => JSON.parse(base.replace(/\]\]\}$/, `,"${path}"]]}`)) as unknown;
    // Assess
    expect(outputs.WeComCommandCallbackUrl!.Value).toEqual(beneath('/v1/wecom/suite'));
    expect(outputs.WeComDataCallbackUrl!.Value).toEqual(beneath('/v1/wecom/suite?corpid=$CORPID$'));
    expect(outputs.WeComSystemEventUrl!.Value).toEqual(beneath('/v1/wecom/system'));
    expect(outputs.WeComCommandCallbackUrl!.Description).toContain('指令回调URL');
    expect(outputs.WeComDataCallbackUrl!.Description).toContain('数据回调URL');
  });

  it('outputs the API host as 安装完成回调域名 and 可信域名, and the NAT IPs for WeCom’s IP whitelist', () => {
    // Prepare
    const outputs = synthesized.template.findOutputs('*');
    // Assess
    expect(outputs.WeComInstallRedirectDomain!.Value).toEqual(outputs.AuthorizationPageDomain!.Value);
    expect(outputs.WeComInstallRedirectDomain!.Description).toContain('安装完成回调域名');
    expect(outputs.WeComTrustedDomain!.Value).toEqual(outputs.AuthorizationPageDomain!.Value);
    expect(outputs.WeComTrustedDomain!.Description).toContain('可信域名');
    expect(outputs.WeComWhitelistIps!.Value).toEqual(outputs.WhitelistIps!.Value);
    expect(JSON.stringify(outputs.WeComWhitelistIps!.Value)).toMatch(/NatIp1.*PublicIp.*NatIp2.*PublicIp/);
  });

  it('outputs where the suite credentials go and which key seals the codes', () => {
    // Prepare
    const outputs = synthesized.template.findOutputs('*');
    // Assess
    expect(outputs.WeComSecretArn!.Value).toEqual({ Ref: logicalId(synthesized, synthesized.stack.wecom!.secret) });
    expect(outputs.WeComKmsKeyArn!.Value).toEqual({ 'Fn::GetAtt': [logicalId(synthesized, synthesized.stack.wecom!.key), 'Arn'] });
  });
});

describe('a stack whose catalogue has no WeCom function', () => {
  it('has no WeCom secret, key or outputs', () => {
    // Prepare
    expect(fixtureFunctions.some((fn) => fn.readsWeComSecret || fn.usesWeComKey)).toBe(false);
    // Act
    const synthesized = synthHub({ functions: fixtureFunctions, queues: fixtureQueues });
    // Assess
    expect(synthesized.stack.wecom).toBeUndefined();
    synthesized.template.resourceCountIs('AWS::KMS::Key', 0);
    expect(Object.keys(synthesized.template.findOutputs('*')).filter((id) => id.startsWith('WeCom'))).toEqual([]);
  });
});

describe('the WeCom install type (oa-hub:wecomAuthType)', () => {
  it('becomes WECOM_AUTH_TYPE of every function', () => {
    // Act
    const synthesized = synthHub({ functions: fixtureFunctions, queues: fixtureQueues, context: { 'oa-hub:wecomAuthType': 'test' } });
    // Assess
    for (const fn of fixtureFunctions) {
      expect({ name: fn.name, type: functionProperties(synthesized.stack, synthesized.template, fn.name).Environment.Variables.WECOM_AUTH_TYPE }).toEqual({
        name: fn.name,
        type: 'test',
      });
    }
  });

  it('refuses anything but test or live', () => {
    // Act / Assess
    expect(() => synthHub({ functions: fixtureFunctions, queues: fixtureQueues, context: { 'oa-hub:wecomAuthType': 'beta' } })).toThrow(
      'Context oa-hub:wecomAuthType must be test or live, not "beta"',
    );
  });
});
