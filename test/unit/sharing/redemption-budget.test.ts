import { describe, expect, it } from 'vitest';
import { forgiveAttempt, reserveAttempt } from '#shared/domain/sharing/redemption-budget.ts';

const HOUR = 3_600_000;
const budget = { limit: 3, windowMs: HOUR };
const NOW = Date.parse('2026-03-01T09:00:00.000Z');

describe('the redemption failure budget', () => {
  it('reserves an attempt while the window holds fewer than the limit', () => {
    // Act
    const decision = reserveAttempt({ a: NOW - 10_000, b: NOW - 5_000 }, 'c', NOW, budget);

    // Assess
    expect(decision.result).toEqual({ reserved: true });
    expect(decision.next).toEqual({ a: NOW - 10_000, b: NOW - 5_000, c: NOW });
    expect(decision.keepUntilMs).toBe(NOW + HOUR);
  });

  it('refuses with the seconds until the oldest attempt leaves the window once the limit is reached', () => {
    // Act
    const decision = reserveAttempt({ a: NOW - HOUR + 90_500, b: NOW - 60_000, c: NOW - 1_000 }, 'd', NOW, budget);

    // Assess
    expect(decision.result).toEqual({ reserved: false, retryAfterSeconds: 91 });
    expect(decision.next).toBeUndefined();
  });

  it('drops attempts that left the window before counting', () => {
    // Act
    const decision = reserveAttempt({ old1: NOW - HOUR, old2: NOW - 2 * HOUR, a: NOW - 1_000, b: NOW - 500 }, 'c', NOW, budget);

    // Assess
    expect(decision.result).toEqual({ reserved: true });
    expect(Object.keys(decision.next!)).toEqual(['a', 'b', 'c']);
  });

  it('gives a forgiven attempt back', () => {
    // Act
    const decision = forgiveAttempt({ a: NOW - 1_000, b: NOW }, 'b');

    // Assess
    expect(decision.next).toEqual({ a: NOW - 1_000 });
  });

  it('stores nothing when the forgiven attempt is not in the window', () => {
    // Act
    const decision = forgiveAttempt({ a: NOW - 1_000 }, 'gone');

    // Assess
    expect(decision.next).toBeUndefined();
  });
});
