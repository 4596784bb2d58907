/**
 * `npm run bench -- coldstart`: what each function's bundle costs at cold start. Every catalogue
 * function is bundled with the exact esbuild options of the CDK stack (`infra/bundling.ts`), and so is
 * a trivial handler, the floor. For each bundle: its size, and the median time a fresh Node process
 * takes to import it (module load only, the handler is never called), measured in fresh processes
 * taking turns so that drift of a busy machine spreads over all bundles alike. `ratio` is against the
 * floor measured in the same run; `ratioToSdkFloor` against a handler that only loads the DynamoDB
 * client, i.e. what the hub's own code adds. Runs: COLDSTART_RUNS (default 15).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { esbuildOptions, handlerEntry, lambdaBundle, projectRoot } from '#infra/bundling.ts';
import { hubFunctions, hubQueues, queueUrlVariable } from '#infra/catalogue.ts';

export const description = 'bundle size and module-load time of every function against a trivial handler (the floor)';

const exec = promisify(execFile);
const RUNS = Number(process.env.COLDSTART_RUNS ?? 15);
const FLOOR = '(floor)';
const SDK_FLOOR = '(sdk-floor)';

/**
 * A second, higher floor: a handler that only creates the DynamoDB document client every function
 * creates. Against it the ratio shows what the hub's own code adds on top of the SDK's load time.
 */
const sdkFloorHandler = `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
export const handler = async () => ({ statusCode: client ? 200 : 500 });
`;

/** What the stack gives a function, with stand-in values: enough for module scope to load. */
const functionEnvironment: Record<string, string> = {
  PATH: process.env.PATH ?? '',
  AWS_REGION: 'ap-east-1',
  AWS_DEFAULT_REGION: 'ap-east-1',
  AWS_LAMBDA_FUNCTION_NAME: 'coldstart',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  TABLE_NAME: 'oa-hub',
  WECHAT_SECRET_ARN: 'arn:aws:secretsmanager:ap-east-1:111122223333:secret:oa-hub-wechat-AbCdEf',
  PUBLIC_BASE_URL: 'https://hub.example.com',
  CONSOLE_URL: 'https://hub.example.com/console',
  POWERTOOLS_METRICS_NAMESPACE: 'oa-hub',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_TRACE_ENABLED: 'false',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  // As deployed (infra/hub-function.ts): source maps are part of what a cold start pays for.
  NODE_OPTIONS: '--enable-source-maps',
  ...Object.fromEntries(hubQueues.map((queue) => [queueUrlVariable(queue.name), `https://sqs.ap-east-1.amazonaws.com/111122223333/${queue.name}`])),
};

/** Prints the milliseconds one dynamic import of the bundle takes in this fresh process. */
const loader = `
const started = performance.now();
await import(process.argv[1]);
process.stdout.write(String(performance.now() - started));
`;

async function loadOnce(bundle: string, serviceName: string): Promise<number> {
  const { stdout } = await exec(process.execPath, ['--input-type=module', '-e', loader, pathToFileURL(bundle).href], {
    env: { ...functionEnvironment, POWERTOOLS_SERVICE_NAME: serviceName },
    cwd: projectRoot,
  });
  return Number(stdout);
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

export async function run(progress: (message: string) => void): Promise<Record<string, unknown>> {
  const scratch = mkdtempSync(join(tmpdir(), 'oa-hub-coldstart-'));
  try {
    // The runtime provides @aws-sdk/*, which the bundles import; here Node finds it through this link.
    symlinkSync(join(projectRoot, 'node_modules'), join(scratch, 'node_modules'), 'dir');
    const floorEntry = join(scratch, 'floor-handler.ts');
    writeFileSync(floorEntry, 'export const handler = async () => ({ statusCode: 200 });\n');

    const sdkFloorEntry = join(scratch, 'sdk-floor-handler.ts');
    writeFileSync(sdkFloorEntry, sdkFloorHandler);

    const entries = [
      { name: FLOOR, entry: floorEntry },
      { name: SDK_FLOOR, entry: sdkFloorEntry },
      ...hubFunctions.map((fn) => ({ name: fn.name, entry: handlerEntry(fn.name) })),
    ];
    const bundles = new Map<string, string>();
    for (const { name, entry } of entries) {
      progress(`bundling ${name}`);
      const directory = join(scratch, name.replace(/[^a-z0-9-]/gi, '_'));
      mkdirSync(directory);
      const outfile = join(directory, `index${lambdaBundle.outExtension}`);
      await build(esbuildOptions(entry, outfile));
      bundles.set(name, outfile);
    }

    const samples = new Map<string, number[]>([...bundles.keys()].map((name) => [name, []]));
    const errors = new Map<string, string>();
    for (let round_ = 1; round_ <= RUNS; round_ += 1) {
      for (const [name, bundle] of bundles) {
        if (errors.has(name)) continue;
        progress(`load ${round_}/${RUNS}: ${name}`);
        try {
          samples.get(name)!.push(await loadOnce(bundle, name.startsWith('(') ? 'coldstart-floor' : name));
        } catch (error) {
          const stderr = (error as { stderr?: string }).stderr ?? String(error);
          errors.set(name, stderr.trim().split('\n').slice(-3).join(' ').slice(0, 400));
        }
      }
    }

    for (const name of [FLOOR, SDK_FLOOR]) {
      if (errors.has(name)) throw new Error(`The ${name} handler did not load: ${errors.get(name)}`);
    }
    const floorLoadMs = median(samples.get(FLOOR)!);
    const sdkFloorLoadMs = median(samples.get(SDK_FLOOR)!);
    const floor = { bytes: statSync(bundles.get(FLOOR)!).size, loadMs: round(floorLoadMs) };
    const sdkFloor = { bytes: statSync(bundles.get(SDK_FLOOR)!).size, loadMs: round(sdkFloorLoadMs) };
    const functions: Record<string, { bytes: number; loadMs: number; ratio: number; ratioToSdkFloor: number } | { bytes: number; error: string }> = {};
    for (const fn of hubFunctions) {
      const bytes = statSync(bundles.get(fn.name)!).size;
      const error = errors.get(fn.name);
      if (error) {
        functions[fn.name] = { bytes, error };
        continue;
      }
      const loadMs = median(samples.get(fn.name)!);
      functions[fn.name] = {
        bytes,
        loadMs: round(loadMs),
        ratio: round(loadMs / floorLoadMs),
        ratioToSdkFloor: round(loadMs / sdkFloorLoadMs),
      };
    }
    const ratios = Object.values(functions).flatMap((figures) => ('ratio' in figures ? [figures.ratio] : []));
    progress('done');
    return {
      runs: RUNS,
      node: process.version,
      functions,
      floor,
      sdkFloor,
      worstRatio: ratios.length > 0 ? Math.max(...ratios) : null,
      ...(errors.size > 0 ? { failed: [...errors.keys()] } : {}),
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
