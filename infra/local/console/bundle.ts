/**
 * Builds the console app for the browser with esbuild, in memory, once per process: the first
 * request for `/console/app.js` pays for it (well under a second), later ones get the cached bytes.
 * Nothing is written to disk, so `npm start` needs no build step.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export interface ConsoleAsset {
  contentType: string;
  body: Buffer;
}

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

let script: Promise<Buffer> | undefined;
let stylesheet: Promise<Buffer> | undefined;

async function bundleApp(): Promise<Buffer> {
  // Loaded on first use: the gateway's other users (tests, benchmarks) never pay for esbuild.
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [here('./app.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: ['chrome110', 'firefox110', 'safari16'],
    minify: true,
    sourcemap: 'inline',
    legalComments: 'none',
    logLevel: 'silent',
  });
  return Buffer.from(result.outputFiles[0]!.contents);
}

/** A failed build is not cached: fixing the source and reloading the page tries again. */
function cached(current: Promise<Buffer> | undefined, make: () => Promise<Buffer>, keep: (p: Promise<Buffer> | undefined) => void): Promise<Buffer> {
  if (current) return current;
  const made = make();
  keep(made);
  made.catch(() => keep(undefined));
  return made;
}

/** The assets under `/console/`, by file name; undefined for any other name. */
export async function consoleAsset(name: string): Promise<ConsoleAsset | undefined> {
  if (name === 'app.js') {
    return { contentType: 'text/javascript; charset=utf-8', body: await cached(script, bundleApp, (p) => (script = p)) };
  }
  if (name === 'app.css') {
    return {
      contentType: 'text/css; charset=utf-8',
      body: await cached(
        stylesheet,
        () => readFile(here('./console.css')),
        (p) => (stylesheet = p),
      ),
    };
  }
  return undefined;
}
