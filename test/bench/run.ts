/**
 * `npm run bench -- <name>`: runs one benchmark from `test/bench/<name>.bench.ts`, offline. A
 * benchmark module exports `description` and `run(progress)`; `run` reports progress through the
 * callback (printed as one updating line on stderr) and returns its figures, printed as the **last
 * line** on stdout: one JSON object with `bench` and at least one `ratio` against a baseline or floor
 * measured in the same run. Wall-clock figures are never asserted in tests.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';

export interface BenchModule {
  description: string;
  run(progress: (message: string) => void): Promise<Record<string, unknown>>;
}

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((file) => file.endsWith('.bench.ts'))
  .map((file) => file.replace(/\.bench\.ts$/, ''))
  .sort();

const name = process.argv[2];
if (!name || name === '--help' || name === '-h' || !available.includes(name)) {
  const lines = [
    'Usage: npm run bench -- <name>',
    '',
    'Benchmarks:',
    ...(await Promise.all(
      available.map(async (bench) => {
        const module = (await import(pathToFileURL(join(here, `${bench}.bench.ts`)).href)) as BenchModule;
        return `  ${bench.padEnd(10)} ${module.description}`;
      }),
    )),
    '',
    'The last line printed is one JSON object with the figures.',
  ];
  console.log(lines.join('\n'));
  process.exit(name && !['--help', '-h'].includes(name) ? 2 : 0);
}

const module = (await import(pathToFileURL(join(here, `${name}.bench.ts`)).href)) as BenchModule;
const interactive = process.stderr.isTTY;
const progress = (message: string) => {
  if (interactive) process.stderr.write(`\r\x1b[2K[${name}] ${message}`);
  else process.stderr.write(`[${name}] ${message}\n`);
};
const figures = await module.run(progress);
if (interactive) process.stderr.write('\n');
console.log(JSON.stringify({ bench: name, ...figures }));
process.exit(0);
