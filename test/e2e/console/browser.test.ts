/**
 * Which browser the console's browser test launches, and the font configuration it hands it. The
 * launch itself is exercised by walk.test.ts.
 */
import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chooseChromium, cjkFontDirectory, DEBIAN_CHROMIUM, fontsConf } from '#test/e2e/console/browser.ts';

const only =
  (...paths: string[]) =>
  (path: string) =>
    paths.includes(path);

describe('choosing the browser', () => {
  it('uses CHROMIUM_PATH when it is set, even with Debian’s chromium present', () => {
    // Prepare
    const env = { CHROMIUM_PATH: '/opt/chrome/chrome' };

    // Act
    const choice = chooseChromium(env, only('/opt/chrome/chrome', DEBIAN_CHROMIUM));

    // Assess
    expect(choice).toEqual({ from: 'CHROMIUM_PATH', executable: '/opt/chrome/chrome' });
  });

  it('uses Debian’s chromium when CHROMIUM_PATH is not set and /usr/bin/chromium is present', () => {
    // Act
    const choice = chooseChromium({}, only(DEBIAN_CHROMIUM));

    // Assess
    expect(choice).toEqual({ from: 'debian', executable: DEBIAN_CHROMIUM });
  });

  it('falls back to the npm package’s Chromium when neither is there', () => {
    // Act
    const choice = chooseChromium({ CHROMIUM_PATH: '' }, only());

    // Assess
    expect(choice).toEqual({ from: 'npm' });
  });

  it('refuses a CHROMIUM_PATH that names no file, naming the variable and the path', () => {
    // Act
    const choose = () => chooseChromium({ CHROMIUM_PATH: '/nonexistent' }, only(DEBIAN_CHROMIUM));

    // Assess
    expect(choose).toThrow(/^CHROMIUM_PATH is set to \/nonexistent, but there is no file there/);
  });
});

describe('the font configuration', () => {
  it('lists the one font directory and its cache, escaped for XML, and nothing from the system', () => {
    // Act
    const conf = fontsConf('/tmp/a&b/fonts', '/tmp/a&b/cache');

    // Assess
    expect(conf).toContain('<dir>/tmp/a&amp;b/fonts</dir>');
    expect(conf).toContain('<cachedir>/tmp/a&amp;b/cache</cachedir>');
    expect(conf).not.toMatch(/<include|\/etc\/fonts|\/usr\/share\/fonts/);
  });

  it('points at a directory of OpenType fonts installed from the npm registry', () => {
    // Act
    const directory = cjkFontDirectory();

    // Assess
    expect(existsSync(directory)).toBe(true);
    expect(readdirSync(directory)).toContain('NotoSansHans-Regular.otf');
  });
});
