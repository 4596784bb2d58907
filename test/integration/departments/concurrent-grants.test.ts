import { beforeAll, describe, expect, it } from 'vitest';
import { freshTable, type TestTable } from '#test/integration/support/table.ts';
import { seedOwnedAccount } from '#test/support/seed.ts';
import { accountServices, admin } from '#test/integration/accounts/support.ts';

/** A small seeded generator, so that every run asks for the same sets. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` different sets of about half the pool each, none repeated. */
function differentSets(pool: readonly string[], count: number, random: () => number): string[][] {
  const seen = new Set<string>();
  const sets: string[][] = [];
  while (sets.length < count) {
    const set = pool.filter(() => random() < 0.5);
    const key = set.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    sets.push(set);
  }
  return sets;
}

interface Outcome {
  set: string[];
  code?: string;
}

describe('concurrent department-grant PUTs on the embedded engine', () => {
  const tenantId = 't-concurrent-grants';
  let table: TestTable;
  let pool: string[];

  beforeAll(async () => {
    table = await freshTable('concurrent-grants');
    pool = [];
    for (let i = 0; i < 30; i += 1) pool.push((await seedOwnedAccount(table.client, table.name, tenantId)).account.appid);
    pool.sort();
  });

  /** Sends every set at once as a PUT of one department; what each PUT answered. */
  async function putAtOnce(departments: ReturnType<typeof accountServices>['departments'], departmentId: string, sets: string[][]): Promise<Outcome[]> {
    return Promise.all(
      sets.map(async (set) => {
        try {
          await departments.replace(admin(tenantId), departmentId, set);
          return { set };
        } catch (error) {
          return { set, code: (error as { code?: string }).code ?? String(error) };
        }
      }),
    );
  }

  async function runRounds(services: ReturnType<typeof accountServices>, departmentId: string, seed: number): Promise<void> {
    const random = seeded(seed);
    for (let round = 1; round <= 3; round += 1) {
      // Prepare
      const sets = differentSets(pool, 20, random);

      // Act
      const outcomes = await putAtOnce(services.departments, departmentId, sets);

      // Assess
      const stored = (await services.departments.read(admin(tenantId), departmentId)).appids;
      const answered = outcomes.filter((outcome) => outcome.code === undefined).map((outcome) => outcome.set.join(','));
      expect(outcomes.filter((outcome) => outcome.code !== undefined && outcome.code !== 'try_again')).toEqual([]);
      expect(answered.length).toBeGreaterThan(0);
      expect(answered, `round ${round}: the stored set is none of the sets PUT`).toContain(stored.join(','));
    }
  }

  it('ends every round of 20 concurrent PUTs with exactly one of the sets they asked for', async () => {
    await runRounds(accountServices(table), 'ops', 17);
  });

  it('ends every round with exactly one asked set when each PUT takes several transactions', async () => {
    await runRounds(accountServices(table, { transactionLimit: 7 }), 'sales', 42);
  });
});
