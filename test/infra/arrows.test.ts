/**
 * Arrows point down: what runs in Lambda (`shared/`, `functions/`) imports nothing from `infra/`.
 * `infra/` builds the table and the queues from descriptions that live in `shared/`
 * (`shared/table/description.ts`, `shared/queues/contract.ts`), never the other way round.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '#infra/bundling.ts';

const sourcesUnder = (folder: string): string[] =>
  readdirSync(join(projectRoot, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(folder, file));

/** Every module a file names in an import, export … from, or import() with a literal. */
function specifiersOf(source: string): string[] {
  const pattern = /(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g;
  return [...source.matchAll(pattern)].map((match) => match[1]!);
}

function reachesInfra(file: string, specifier: string): boolean {
  if (specifier.startsWith('#infra/')) return true;
  if (!specifier.startsWith('.')) return false;
  const target = relative(projectRoot, resolve(projectRoot, dirname(file), specifier));
  return target === 'infra' || target.startsWith('infra/');
}

describe('the direction of imports', () => {
  it('finds the imports it checks, relative and #-mapped alike', () => {
    // Act
    const found = specifiersOf(
      "import a from '#infra/x.ts';\nexport { b } from '../../infra/y.ts';\nconst c = await import('#infra/z.ts');\nimport 'side-effect';",
    );

    // Assess
    expect(found).toEqual(['#infra/x.ts', '../../infra/y.ts', '#infra/z.ts', 'side-effect']);
    expect(found.filter((specifier) => reachesInfra('shared/adapters/q.ts', specifier))).toEqual(['#infra/x.ts', '../../infra/y.ts', '#infra/z.ts']);
  });

  it('never runs from shared/ or functions/ up into infra/', () => {
    // Prepare
    const files = [...sourcesUnder('shared'), ...sourcesUnder('functions')];

    // Act
    const upward = files.flatMap((file) =>
      specifiersOf(readFileSync(join(projectRoot, file), 'utf8'))
        .filter((specifier) => reachesInfra(file, specifier))
        .map((specifier) => `${file} → ${specifier}`),
    );

    // Assess
    expect(files.length).toBeGreaterThan(50);
    expect(upward).toEqual([]);
  });
});
