import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoRateBucket } from '#shared/adapters/dynamodb/wecom-links.ts';
import { freshTable, type TestTable } from '#test/integration/support/table.ts';

describe('the link step token bucket in the table', () => {
  let table: TestTable;
  let bucket: DynamoRateBucket;
  const rule = { capacity: 100, perSecond: 10 };

  beforeAll(async () => {
    table = await freshTable('wecom-rate-bucket');
    bucket = new DynamoRateBucket(table.client, table.name);
  });

  it('grants no more than its capacity to workers taking at the same moment', async () => {
    // Prepare
    const at = 1_800_000_000_000;

    // Act
    const answers = await Promise.all(Array.from({ length: 12 }, () => bucket.take('concurrent', 10, at, rule)));
    const granted = answers.filter((answer) => answer.granted).length;
    // A taker that kept losing the race reports a short wait: what it did not take is still in the bucket.
    const rest = granted < 10 ? await bucket.take('concurrent', (10 - granted) * 10, at, rule) : { granted: true };
    const beyond = await bucket.take('concurrent', 1, at, rule);

    // Assess
    expect(granted).toBeLessThanOrEqual(10);
    expect(rest).toEqual({ granted: true });
    expect(beyond.granted).toBe(false);
  });

  it('refills at its rate and says how long a short take must wait', async () => {
    // Prepare
    const at = 1_800_000_000_000;
    await bucket.take('refill', 100, at, rule);

    // Act
    const early = await bucket.take('refill', 30, at + 1_000, rule);
    const later = await bucket.take('refill', 30, at + 3_000, rule);

    // Assess
    expect(early).toEqual({ granted: false, waitMs: 2_000 });
    expect(later).toEqual({ granted: true });
  });
});
