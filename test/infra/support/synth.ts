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
  readonly template: Template;
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
  return { app, stack, template: Template.fromStack(stack), assemblyDirectory: assembly.directory };
}
