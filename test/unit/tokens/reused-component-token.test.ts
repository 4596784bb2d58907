import { describe, expect, it } from 'vitest';
import { ReusedComponentToken } from '#shared/domain/tokens/reused-component-token.ts';

function countingSource(tokens: string[]) {
  let reads = 0;
  const expired: string[] = [];
  return {
    reads: () => reads,
    expired,
    source: {
      current: async () => tokens[Math.min(reads++, tokens.length - 1)]!,
      expire: async (used: string) => void expired.push(used),
    },
  };
}

describe('a component token reused for a burst of calls', () => {
  it('reads the stored token once for callers that arrive together', async () => {
    // Prepare
    const counting = countingSource(['t1']);
    const reused = new ReusedComponentToken(counting.source, 60_000, { now: () => 0 });

    // Act
    const tokens = await Promise.all(Array.from({ length: 20 }, () => reused.current()));

    // Assess
    expect(new Set(tokens)).toEqual(new Set(['t1']));
    expect(counting.reads()).toBe(1);
  });

  it('reads again once the reuse time is over', async () => {
    // Prepare
    let now = 0;
    const counting = countingSource(['t1', 't2']);
    const reused = new ReusedComponentToken(counting.source, 60_000, { now: () => now });
    await reused.current();

    // Act
    now = 60_001;
    const token = await reused.current();

    // Assess
    expect(token).toBe('t2');
  });

  it('forgets a token WeChat rejected and passes the rejection on', async () => {
    // Prepare
    const counting = countingSource(['t1', 't2']);
    const reused = new ReusedComponentToken(counting.source, 60_000, { now: () => 0 });
    await reused.current();

    // Act
    await reused.expire('t1');
    const token = await reused.current();

    // Assess
    expect(token).toBe('t2');
    expect(counting.expired).toEqual(['t1']);
  });
});
