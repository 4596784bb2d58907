import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { fixtureFunctions, fixtureQueues } from '#test/infra/fixtures/catalogue.ts';
import { synthHub, type SynthOptions } from '#test/infra/support/synth.ts';

interface Violation {
  ruleName: string;
  severity: string;
  violatingConstructs: { constructPath: string }[];
}

interface NagOutcome {
  /** Unacknowledged findings, as `rule at path`. */
  findings: string[];
  acknowledged: { ruleName: string; reason: string }[];
  annotations: string[];
}

/**
 * Synthesizes with the AwsSolutions pack the way `-c oa-hub:nag=true` does. cdk-nag 3 is a CDK
 * policy-validation plugin: a finding that nobody acknowledged fails the synth, and every finding,
 * acknowledged or not, is written to the cloud assembly's validation report.
 */
function synthWithNag(options: SynthOptions): NagOutcome {
  let synthesized;
  try {
    synthesized = synthHub({ ...options, nag: true });
  } catch (error) {
    return { findings: [String((error as Error).message)], acknowledged: [], annotations: [] };
  }
  const reportFile = readdirSync(synthesized.assemblyDirectory).find((file) => file.endsWith('validation-report.json'));
  const report = reportFile
    ? (JSON.parse(readFileSync(join(synthesized.assemblyDirectory, reportFile), 'utf8')) as {
        pluginReports: { violations: Violation[]; suppressedViolations?: (Violation & { reason: string })[] }[];
      })
    : { pluginReports: [] };
  const annotations = Annotations.fromStack(synthesized.stack);
  return {
    findings: report.pluginReports.flatMap((plugin) =>
      plugin.violations.flatMap((violation) =>
        violation.violatingConstructs.map((construct) => `${violation.ruleName} (${violation.severity}) at ${construct.constructPath}`),
      ),
    ),
    acknowledged: report.pluginReports.flatMap((plugin) => plugin.suppressedViolations ?? []),
    annotations: [...annotations.findError('*', Match.anyValue()), ...annotations.findWarning('*', Match.anyValue())].map(
      (message) => `${message.id}: ${JSON.stringify(message.entry.data)}`,
    ),
  };
}

const variants: [string, SynthOptions][] = [
  ['the real catalogue with the default context', {}],
  ['a catalogue that uses every feature', { functions: fixtureFunctions, queues: fixtureQueues }],
  [
    'an external issuer without NAT egress',
    {
      functions: fixtureFunctions,
      queues: fixtureQueues,
      context: { 'oa-hub:natEgress': 'false', 'oa-hub:jwtIssuer': 'https://login.example.com', 'oa-hub:jwtAudience': 'console' },
    },
  ],
  ['an alarm topic with an e-mail subscription', { context: { 'oa-hub:alarmEmail': 'ops@example.com' } }],
  [
    'a custom domain with a console origin',
    {
      context: {
        'oa-hub:domainName': 'hub.example.com',
        'oa-hub:certificateArn': 'arn:aws:acm:ap-east-1:111122223333:certificate/0f8a1b2c-3d4e-5f60-7182-93a4b5c6d7e8',
        'oa-hub:consoleOrigin': 'https://console.example.com',
      },
    },
  ],
];

describe('cdk-nag AwsSolutions', () => {
  it.each(variants)('finds no unacknowledged error or warning in %s', (_label, options) => {
    // Act
    const outcome = synthWithNag(options);
    // Assess
    expect(outcome.findings).toEqual([]);
    expect(outcome.annotations).toEqual([]);
  });

  it('gives every acknowledged finding a written reason', () => {
    // Act
    const outcome = synthWithNag({ functions: fixtureFunctions, queues: fixtureQueues });
    // Assess
    expect(outcome.acknowledged.length).toBeGreaterThan(0);
    expect(outcome.acknowledged.filter((finding) => finding.reason.trim().length < 40)).toEqual([]);
  });

  it('reports a finding that nobody acknowledged', () => {
    // Prepare: a queue without a dead-letter queue and without SSL enforcement breaks SQS3 and SQS4.
    const extend: SynthOptions['extend'] = (stack) => {
      new sqs.Queue(stack, 'CarelessQueue', { encryption: sqs.QueueEncryption.SQS_MANAGED });
    };
    // Act
    const outcome = synthWithNag({ extend });
    // Assess
    expect(outcome.findings.join('\n')).toMatch(/AwsSolutions-SQS4/);
  });
});
