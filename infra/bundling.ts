/**
 * How a hub function is bundled, described once. The CDK function construct (`infra/hub-function.ts`)
 * hands these options to NodejsFunction, and the coldstart benchmark (`test/bench/coldstart.bench.ts`)
 * runs esbuild with the very same ones, so what the benchmark measures is what Lambda loads.
 *
 * This module imports nothing from aws-cdk-lib on purpose: the benchmark must not pay for it.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';

/** The repository root: NodejsFunction's `projectRoot`, where package.json and package-lock.json live. */
export const projectRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');

export const lockFile = resolve(projectRoot, 'package-lock.json');

export const tsconfigFile = resolve(projectRoot, 'tsconfig.json');

/** `functions/<name>/handler.ts`, the entry of a catalogue function. */
export const handlerEntry = (functionName: string): string => resolve(projectRoot, 'functions', functionName, 'handler.ts');

/**
 * An ESM bundle cannot `require` Node built-ins, yet CommonJS dependencies bundled into it still do
 * (`Dynamic require of "util" is not supported`). The banner gives the bundle a real `require`.
 */
export const createRequireBanner = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

export const lambdaBundle = {
  format: 'esm',
  /** Lambda only treats a handler file as ESM when it ends in `.mjs` (or has a package.json saying so). */
  outExtension: '.mjs',
  platform: 'node',
  target: 'node22',
  /** Prefer dependencies' ES module builds: they tree-shake, the CommonJS ones do not. */
  mainFields: ['module', 'main'] as string[],
  banner: createRequireBanner,
  minify: true,
  sourcemap: true,
  /** The nodejs22.x runtime ships AWS SDK v3; every other dependency goes into the bundle. */
  externalModules: ['@aws-sdk/*'] as string[],
  /**
   * esbuild prints warnings and errors only: its per-bundle size table and "Done in" lines would be
   * ~100 lines of every `cdk synth`, which must print nothing but problems (`npx cdk synth --quiet`).
   */
  logLevel: 'warning',
} as const;

/** esbuild's BuildOptions for one function, the same as NodejsFunction passes on the command line. */
export function esbuildOptions(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: lambdaBundle.format,
    platform: lambdaBundle.platform,
    target: lambdaBundle.target,
    mainFields: [...lambdaBundle.mainFields],
    banner: { js: lambdaBundle.banner },
    minify: lambdaBundle.minify,
    sourcemap: lambdaBundle.sourcemap,
    external: [...lambdaBundle.externalModules],
    tsconfig: tsconfigFile,
    absWorkingDir: projectRoot,
    logLevel: lambdaBundle.logLevel,
  };
}
