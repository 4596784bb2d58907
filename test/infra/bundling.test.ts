import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createRequireBanner, projectRoot } from '#infra/bundling.ts';
import { hubFunctions } from '#infra/catalogue.ts';
import { synthHub } from '#test/infra/support/synth.ts';

const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'oa-hub-infra-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Every `index.mjs` below a directory: what NodejsFunction writes when it bundles. */
function bundlesUnder(directory: string): string[] {
  return readdirSync(directory, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('index.mjs'))
    .map((file) => join(directory, file));
}

describe('bundling', () => {
  it('is skipped by the infra tests’ synth (aws:cdk:bundling-stacks = [])', () => {
    // Prepare
    const outdir = join(scratch, 'skipped');
    // Act
    synthHub({ outdir });
    // Assess: no bundle and no staged asset directory, so esbuild never ran.
    expect(bundlesUnder(outdir)).toEqual([]);
    expect(readdirSync(outdir).filter((entry) => entry.startsWith('asset.'))).toEqual([]);
  });

  it('builds a real function into an ESM bundle that starts with the createRequire banner and loads', async () => {
    // Prepare: one function only, bundling is slow.
    const outdir = join(scratch, 'bundled');
    const fn = hubFunctions[0]!;
    // Act
    synthHub({ outdir, bundle: true, functions: [fn], fixtureEntries: false });
    // Assess
    const [bundle, ...others] = bundlesUnder(outdir);
    expect(others).toEqual([]);
    const code = readFileSync(bundle!, 'utf8');
    expect(code.split('\n')[0]).toBe(createRequireBanner);
    expect(existsSync(`${bundle}.map`)).toBe(true);
    // The runtime's AWS SDK is imported, not bundled; Node resolves it from the project here.
    expect(code).toMatch(/from\s*"@aws-sdk\//);
    symlinkSync(join(projectRoot, 'node_modules'), join(bundle!, '..', 'node_modules'), 'dir');
    const { stdout } = await run(
      process.execPath,
      ['--input-type=module', '-e', `const m = await import(${JSON.stringify(bundle)}); console.log(typeof m.handler);`],
      {
        env: {
          PATH: process.env.PATH,
          AWS_REGION: 'ap-east-1',
          TABLE_NAME: 'oa-hub',
          POWERTOOLS_METRICS_DISABLED: 'true',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
      },
    );
    expect(stdout.trim()).toBe('function');
  });
});
