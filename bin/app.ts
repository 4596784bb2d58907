/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy`. Synth needs no AWS credentials; the account and
 * region are taken from the CLI's environment when it has them (the stack is environment-agnostic
 * otherwise). `-c oa-hub:nag=true` runs the cdk-nag AwsSolutions checks during synth.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { HubStack, STACK_NAME } from '#infra/hub-stack.ts';
import { contextFlag } from '#infra/stack-options.ts';

// aws-cdk-lib writes "Bundling asset <construct path>..." to stderr before it bundles each function
// (core/lib/asset-staging.js, unconditionally: neither --quiet nor any option turns it off). That is
// progress, not a problem, and 30 such lines would bury the warnings `cdk synth --quiet` exists for:
// drop exactly that line, let everything else through.
const BUNDLING_NOTICE = /^Bundling asset \S+\.\.\.\n$/;
const writeStderr = process.stderr.write.bind(process.stderr);
process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) =>
  typeof chunk === 'string' && BUNDLING_NOTICE.test(chunk) ? true : writeStderr(chunk, ...rest)) as typeof process.stderr.write;

const app = new App();

const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;

new HubStack(app, STACK_NAME, {
  ...(account || region ? { env: { ...(account ? { account } : {}), ...(region ? { region } : {}) } } : {}),
});

// cdk-nag 3 is a policy-validation plugin (no longer an aspect): findings land in the cloud
// assembly's validation report and an unacknowledged error fails the synth.
if (contextFlag(app.node, 'oa-hub:nag', false)) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));

app.synth();
