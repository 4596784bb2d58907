/**
 * A headless Chromium driven by playwright-core, for the console's browser tests. Nothing comes
 * from apt, and nothing is downloaded at test time. Which browser (chooseChromium):
 * 1. CHROMIUM_PATH when it is set (it must name an existing file);
 * 2. else Debian's /usr/bin/chromium when it is present;
 * 3. else the Chromium build that the npm package @sparticuz/chromium carries (bin/chromium.br,
 *    Brotli-compressed), unpacked once per package version under the temp dir. The unpack writes a
 *    side file and renames it, so a run that is interrupted, or two runs at once, never leave a
 *    half-written browser (the package's own executablePath() writes /tmp/chromium in place and
 *    reuses whatever is there).
 * Fonts: every launch gets a generated fonts.conf (FONTCONFIG_FILE, in the browser's environment
 * only) whose one font directory holds the Noto Sans Hans (Simplified Chinese) OTFs of the npm
 * package @embedpdf/fonts-sc. The console's Chinese account names then render as glyphs on a machine
 * without system fonts, and the screenshots look the same whichever browser was picked. (This
 * Chromium's fontconfig cannot read WOFF2, so Noto Sans SC's web-font packages would not do.)
 * Every launch gets a fresh profile (playwright passes it as --user-data-dir), and the flags keep
 * Chromium from reaching for Google's services on a machine without network.
 */
import { createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress } from 'node:zlib';
import { chromium, type BrowserContext } from 'playwright-core';

const require = createRequire(import.meta.url);

export const DEBIAN_CHROMIUM = '/usr/bin/chromium';
/** The family name fontconfig reads from @embedpdf/fonts-sc's OTFs (its files say Noto Sans Hans). */
export const CJK_FONT_FAMILY = 'Noto Sans S Chinese';

/** Where the browser comes from: an explicit path, Debian's package, or the npm package. */
export type ChromiumChoice = { from: 'CHROMIUM_PATH'; executable: string } | { from: 'debian'; executable: string } | { from: 'npm' };

/** Picks the browser; refuses a CHROMIUM_PATH that names nothing rather than quietly using another one. */
export function chooseChromium(env: NodeJS.ProcessEnv, exists: (path: string) => boolean): ChromiumChoice {
  const explicit = env.CHROMIUM_PATH;
  if (explicit) {
    if (!exists(explicit)) {
      throw new Error(
        `CHROMIUM_PATH is set to ${explicit}, but there is no file there. Point CHROMIUM_PATH at a Chromium or Chrome executable, or unset it to use ${DEBIAN_CHROMIUM} when present, else the Chromium of the npm package @sparticuz/chromium.`,
      );
    }
    return { from: 'CHROMIUM_PATH', executable: explicit };
  }
  if (exists(DEBIAN_CHROMIUM)) return { from: 'debian', executable: DEBIAN_CHROMIUM };
  return { from: 'npm' };
}

/** A fontconfig configuration with one font directory and its own cache, and nothing from the system. */
export function fontsConf(fontDirectory: string, cacheDirectory: string): string {
  const xml = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
  return [
    '<?xml version="1.0"?>',
    '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
    '<fontconfig>',
    `  <dir>${xml(fontDirectory)}</dir>`,
    `  <cachedir>${xml(cacheDirectory)}</cachedir>`,
    '</fontconfig>',
    '',
  ].join('\n');
}

/** The directory of @embedpdf/fonts-sc's OTF files (the package's entry point is dist/index.cjs). */
export function cjkFontDirectory(): string {
  return join(dirname(require.resolve('@embedpdf/fonts-sc')), '..', 'fonts');
}

/** Unpacks @sparticuz/chromium's browser once per package version; later calls reuse it. */
async function npmChromium(): Promise<string> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `@sparticuz/chromium carries a Linux x64 Chromium only (this is ${process.platform} ${process.arch}): set CHROMIUM_PATH to a local Chromium or Chrome.`,
    );
  }
  const root = join(dirname(require.resolve('@sparticuz/chromium')), '..');
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const directory = join(tmpdir(), `oa-hub-sparticuz-chromium-${version}`);
  const executable = join(directory, 'chromium');
  if (existsSync(executable)) return executable;
  mkdirSync(directory, { recursive: true });
  const partial = `${executable}.${process.pid}.partial`;
  try {
    await pipeline(createReadStream(join(root, 'bin', 'chromium.br')), createBrotliDecompress(), createWriteStream(partial, { mode: 0o755 }));
    renameSync(partial, executable);
  } finally {
    rmSync(partial, { force: true });
  }
  return executable;
}

const flags = [
  // playwright adds --headless and --no-sandbox itself; they are listed so that this list is the whole story.
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // From @sparticuz/chromium's recommended args: no reliability reports, no hyperlink-auditing pings,
  // and unhinted text, so that screenshots do not depend on the machine's hinting defaults. Its other
  // args (--single-process, --disable-web-security, …) suit a Lambda, not a test of the console's CORS.
  '--disable-domain-reliability',
  '--no-pings',
  '--font-render-hinting=none',
];

export interface LocalBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** What the page sees of its viewer: English in UTC on a desktop unless a test asks for a phone in China. */
export interface ViewerOptions {
  locale?: string;
  timezoneId?: string;
  viewport?: { width: number; height: number };
}

export async function launchBrowser(viewer: ViewerOptions = {}): Promise<LocalBrowser> {
  const choice = chooseChromium(process.env, existsSync);
  const executablePath = choice.from === 'npm' ? await npmChromium() : choice.executable;
  const work = mkdtempSync(join(tmpdir(), 'oa-hub-chromium-'));
  const fontconfig = join(work, 'fonts.conf');
  writeFileSync(fontconfig, fontsConf(cjkFontDirectory(), join(work, 'fontconfig-cache')));
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined) env[name] = value;
  env.FONTCONFIG_FILE = fontconfig;
  try {
    const context = await chromium.launchPersistentContext(join(work, 'profile'), {
      executablePath,
      headless: true,
      args: flags,
      env,
      viewport: viewer.viewport ?? { width: 1280, height: 860 },
      locale: viewer.locale ?? 'en-US',
      timezoneId: viewer.timezoneId ?? 'UTC',
    });
    return {
      context,
      close: async () => {
        await context.close();
        rmSync(work, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    const picked =
      choice.from === 'npm'
        ? `the npm package @sparticuz/chromium (unpacked at ${executablePath})`
        : `${choice.from === 'debian' ? "Debian's package" : 'CHROMIUM_PATH'} (${executablePath})`;
    throw new Error(
      `Chromium from ${picked} did not start (set CHROMIUM_PATH to use another browser): ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
