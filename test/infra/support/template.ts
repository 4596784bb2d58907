/** Reads what a synthesized template grants, for the least-privilege assertions. */
import { Stack, type CfnElement } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { HubStack } from '#infra/hub-stack.ts';

export interface PolicyStatement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
}

export const resourcesOf = (template: Template): Record<string, Resource> => (template.toJSON() as { Resources: Record<string, Resource> }).Resources;

export const actionsOf = (statement: PolicyStatement): string[] => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]);

/** Every statement of every inline policy in the template. */
export function allPolicyStatements(template: Template): PolicyStatement[] {
  return Object.values(resourcesOf(template))
    .filter((resource) => resource.Type === 'AWS::IAM::Policy')
    .flatMap((resource) => (resource.Properties!.PolicyDocument as { Statement: PolicyStatement[] }).Statement);
}

export function functionLogicalId(stack: HubStack, name: string): string {
  const hubLambda = stack.functions.get(name);
  if (!hubLambda) throw new Error(`No function ${name} in the stack`);
  return Stack.of(hubLambda.fn).getLogicalId(hubLambda.fn.node.defaultChild as lambda.CfnFunction);
}

/** The statements of the inline policies attached to one function's role. */
export function statementsOfFunction(stack: HubStack, template: Template, name: string): PolicyStatement[] {
  const role = stack.functions.get(name)!.role;
  const roleId = Stack.of(role).getLogicalId(role.node.defaultChild as CfnElement);
  return Object.values(resourcesOf(template))
    .filter((resource) => resource.Type === 'AWS::IAM::Policy')
    .filter((resource) => (resource.Properties!.Roles as { Ref?: string }[]).some((ref) => ref.Ref === roleId))
    .flatMap((resource) => (resource.Properties!.PolicyDocument as { Statement: PolicyStatement[] }).Statement);
}

export const actionsOfFunction = (stack: HubStack, template: Template, name: string): string[] =>
  statementsOfFunction(stack, template, name).flatMap(actionsOf);

export function functionProperties(stack: HubStack, template: Template, name: string): Record<string, any> {
  return resourcesOf(template)[functionLogicalId(stack, name)]!.Properties as Record<string, any>;
}

export const tableLogicalId = (stack: HubStack): string => stack.getLogicalId(stack.table.table.node.defaultChild as CfnElement);
