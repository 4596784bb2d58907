/**
 * Synthesizes the oa-hub stack in memory, the way `cdk synth` does (the feature flags of cdk.json,
 * context from `-c`), but with bundling skipped unless asked for: the template is the same, the
 * assets are not built.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { projectRoot } from '#infra/bundling.ts';
import type { HubFunction, HubQueue } from '#infra/catalogue.ts';
import { HubStack, STACK_NAME } from '#infra/hub-stack.ts';

const cdkJson = JSON.parse(readFileSync(join(projectRoot, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };

export interface SynthOptions {
  readonly context?: Record<string, unknown>;
  readonly functions?: readonly HubFunction[];
  readonly queues?: readonly HubQueue[];
  /** Run the cdk-nag AwsSolutions pack as `-c oa-hub:nag=true` does. */
  readonly nag?: boolean;
  /** Build the bundles for real (slow). */
  readonly bundle?: boolean;
  readonly outdir?: string;
  /** Handlers of fixture catalogues live in test/infra/fixtures; real entries otherwise. */
  readonly fixtureEntries?: boolean;
  /** Adds to the stack before synthesis (e.g. a construct that breaks a rule). */
  readonly extend?: (stack: HubStack) => void;
}

export interface Synthesized {
  readonly app: App;
  readonly stack: HubStack;
  /**
   * The parent and its nested function stacks as one template: nested parameters and outputs are
   * replaced by what they pass on, so a grant reads `{ Ref: <table> }` wherever the function lives.
   */
  readonly template: Template;
  /** Each deployed stack's own template (the parent first), e.g. for the resource budget. */
  readonly stackTemplates: readonly { readonly name: string; readonly template: Record<string, any> }[];
  readonly assemblyDirectory: string;
}

export const fixtureHandler = join(projectRoot, 'test', 'infra', 'fixtures', 'handler.ts');

export function synthHub(options: SynthOptions = {}): Synthesized {
  const app = new App({
    context: {
      ...cdkJson.context,
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...options.context,
    },
    ...(options.outdir ? { outdir: options.outdir } : {}),
  });
  const stack = new HubStack(app, STACK_NAME, {
    ...(options.functions ? { functions: options.functions } : {}),
    ...((options.fixtureEntries ?? options.functions !== undefined) ? { entryOf: () => fixtureHandler } : {}),
    ...(options.queues ? { queues: options.queues } : {}),
  });
  options.extend?.(stack);
  if (options.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  const assembly = app.synth();
  const parent = Template.fromStack(stack).toJSON() as Record<string, any>;
  const nested = [...stack.functionStacks.values()].map((child) => ({
    name: child.node.id,
    resourceId: stack.getLogicalId(child.nestedStackResource!),
    template: JSON.parse(readFileSync(join(assembly.directory, child.templateFile), 'utf8')) as Record<string, any>,
  }));
  return {
    app,
    stack,
    template: Template.fromJSON(flatten(parent, nested)),
    stackTemplates: [{ name: STACK_NAME, template: parent }, ...nested],
    assemblyDirectory: assembly.directory,
  };
}

type Json = any;

/** Replaces, depth first, every value `replace` answers for (until nothing changes). */
function rewrite(value: Json, replace: (value: Json) => Json | undefined): Json {
  const replaced = replace(value);
  if (replaced !== undefined) return rewrite(replaced, replace);
  if (Array.isArray(value)) return value.map((item) => rewrite(item, replace));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, rewrite(item, replace)]));
  return value;
}

function flatten(parent: Json, nested: readonly { resourceId: string; template: Json }[]): Json {
  const byResource = new Map(nested.map((child) => [child.resourceId, child]));
  const parameters = (child: { resourceId: string }) => (parent.Resources[child.resourceId].Properties.Parameters ?? {}) as Record<string, Json>;
  // A nested stack's output, as the parent reads it: Fn::GetAtt [<nested stack>, Outputs.<name>].
  const output = (value: Json): Json | undefined => {
    const getAtt = value?.['Fn::GetAtt'];
    if (!Array.isArray(getAtt) || typeof getAtt[1] !== 'string' || !getAtt[1].startsWith('Outputs.')) return undefined;
    const child = byResource.get(getAtt[0]);
    if (!child) return undefined;
    const inner = child.template.Outputs[getAtt[1].slice('Outputs.'.length)].Value;
    return rewrite(inner, (item) => {
      const ref = item?.Ref;
      return typeof ref === 'string' && ref in parameters(child) ? parameters(child)[ref] : undefined;
    });
  };
  const inChild = (child: { resourceId: string }) => (value: Json) => {
    const ref = value?.Ref;
    if (typeof ref === 'string' && ref in parameters(child)) return parameters(child)[ref];
    return output(value);
  };
  const resources: Record<string, Json> = {};
  for (const [id, resource] of Object.entries(parent.Resources as Record<string, Json>)) {
    if (!byResource.has(id)) resources[id] = rewrite(resource, output);
  }
  for (const child of nested) {
    for (const [id, resource] of Object.entries((child.template.Resources ?? {}) as Record<string, Json>)) {
      if (id in resources) throw new Error(`Logical id ${id} is in the parent and in a nested stack`);
      resources[id] = rewrite(resource, inChild(child));
    }
  }
  return { ...parent, Resources: resources, Outputs: rewrite(parent.Outputs ?? {}, output) };
}
