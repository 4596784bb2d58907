import { defineConfig } from 'vitest/config';

// The global setups run in this process: keep the AWS SDK's Node-version notice out of test output
// (Lambda runs Node 22; Node 20 is supported here for local use).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/**
 * Four projects, one `npm test`:
 * - unit: no network, AWS clients mocked with aws-sdk-client-mock;
 * - integration: the embedded DynamoDB engine, started once per run (test/integration/global-setup.ts);
 * - e2e: the local stack over HTTP (and the console in a real browser);
 * - infra: CDK template assertions and cdk-nag.
 */
const common = {
  env: {
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_TRACE_ENABLED: 'false',
    AWS_REGION: 'local',
  },
};

export default defineConfig({
  test: {
    projects: [
      { test: { ...common, name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        test: {
          ...common,
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 30_000,
        },
      },
      { test: { ...common, name: 'e2e', include: ['test/e2e/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000 } },
      { test: { ...common, name: 'infra', include: ['test/infra/**/*.test.ts'], testTimeout: 180_000, hookTimeout: 180_000 } },
    ],
  },
});
