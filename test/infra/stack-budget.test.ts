/**
 * CloudFormation refuses a stack of more than 500 resources, and `cdk deploy` is how the hub ships:
 * every stack (the parent and each nested function stack) stays within a budget well under it, and
 * splitting never moves or renames a stateful resource (a new logical id would replace it on upgrade).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { synthHub, type Synthesized } from '#test/infra/support/synth.ts';

/** Room for the next functions before CloudFormation's 500: a group nearing it gets split. */
export const RESOURCE_BUDGET = 400;

/** Logical ids the parent had before the split; a change replaces the resource on the next deploy. */
const statefulLogicalIds = [
  'AWS::DynamoDB::Table HubTable7D8E0482',
  'AWS::SecretsManager::Secret WeChatComponentSecretF063D95B',
  'AWS::Cognito::UserPool ConsoleUsersUserPool6FF20493',
  'AWS::Cognito::UserPoolClient ConsoleUsersUserPoolConsoleClient8F2370D5',
  'AWS::Events::EventBus EventsBus45DE4339',
  'AWS::SNS::Topic AlarmsTopic3A2DFEBA',
  'AWS::EC2::VPC EgressVpc43239058',
  'AWS::EC2::EIP EgressNatIp104763F2E',
  'AWS::EC2::EIP EgressNatIp2D3AEDB3F',
  'AWS::ApiGatewayV2::Api ApiHttpApi4C294DC0',
  'AWS::ApiGatewayV2::Stage ApiDefaultStage189A7074',
  'AWS::SQS::Queue EventsPublishFailuresC403B9DB',
  'AWS::SQS::Queue QueueaccountunbindingDeadLetterQueue8AFB83C9',
  'AWS::SQS::Queue QueueaccountunbindingQueueE43B1B24',
  'AWS::SQS::Queue QueueauthorizationpushDeadLetterQueue1CA3F67F',
  'AWS::SQS::Queue QueueauthorizationpushQueueBAB4A5EB',
  'AWS::SQS::Queue QueuefansyncDeadLetterQueue69801851',
  'AWS::SQS::Queue QueuefansyncQueue856930BC',
  'AWS::SQS::Queue QueuereleasetestDeadLetterQueueA2BBD5EA',
  'AWS::SQS::Queue QueuereleasetestQueueE3E03C9D',
  'AWS::SQS::Queue QueuetokenrecoveryDeadLetterQueue45207C03',
  'AWS::SQS::Queue QueuetokenrecoveryQueue9F65FDD1',
  'AWS::SQS::Queue QueuewecomcustomersyncDeadLetterQueueE83D41C9',
  'AWS::SQS::Queue QueuewecomcustomersyncQueueBD828B03',
  'AWS::SQS::Queue QueuewecomeventsDeadLetterQueue2C6B86B4',
  'AWS::SQS::Queue QueuewecomeventsQueue53FB0351',
  'AWS::SecretsManager::Secret WeComSuiteSecret3B0B57AA',
  'AWS::KMS::Key WeComSecretsKey2D1CE249',
];

const statefulTypes = new Set(statefulLogicalIds.map((entry) => entry.split(' ')[0]));

describe('the stack split with the real catalogue', () => {
  let synthesized: Synthesized;

  beforeAll(() => {
    // Prepare / Act
    synthesized = synthHub();
  });

  it('keeps every stack, parent and nested, within the resource budget', () => {
    // Act
    const counts = synthesized.stackTemplates.map(({ name, template }) => `${name}: ${Object.keys(template.Resources ?? {}).length}`);
    const over = synthesized.stackTemplates
      .filter(({ template }) => Object.keys(template.Resources ?? {}).length > RESOURCE_BUDGET)
      .map(({ name, template }) => `${name} has ${Object.keys(template.Resources ?? {}).length} resources (budget ${RESOURCE_BUDGET})`);
    // Assess
    expect(over, `resources per stack: ${counts.join(', ')}`).toEqual([]);
  });

  it('puts the functions in nested stacks, leaving none in the parent', () => {
    // Act
    const [parent, ...nested] = synthesized.stackTemplates;
    const typesOf = (template: Record<string, any>) => Object.values((template.Resources ?? {}) as Record<string, { Type: string }>).map((r) => r.Type);
    // Assess
    expect(nested.length).toBeGreaterThan(0);
    expect(typesOf(parent!.template)).not.toContain('AWS::Lambda::Function');
    for (const stack of nested) expect(typesOf(stack.template)).toContain('AWS::Lambda::Function');
  });

  it('keeps the stateful resources in the parent under their logical ids', () => {
    // Act
    const parent = synthesized.stackTemplates[0]!.template.Resources as Record<string, { Type: string }>;
    const present = Object.entries(parent).map(([id, resource]) => `${resource.Type} ${id}`);
    // Assess
    expect(present).toEqual(expect.arrayContaining(statefulLogicalIds));
  });

  it('has no stateful resource in a nested stack', () => {
    // Act
    const misplaced = synthesized.stackTemplates.slice(1).flatMap(({ name, template }) =>
      Object.entries((template.Resources ?? {}) as Record<string, { Type: string }>)
        .filter(([, resource]) => statefulTypes.has(resource.Type) || resource.Type === 'AWS::KMS::Key')
        .map(([id, resource]) => `${name}: ${resource.Type} ${id}`),
    );
    // Assess
    expect(misplaced).toEqual([]);
  });
});
