/**
 * The stampede control every WeChat token shares (WECHAT.md §8): among all callers that find a token
 * due, exactly one — the holder of the lease on the token's item — asks WeChat for a new one; the
 * others use a token that still works (WeChat honours the previous one ~5 minutes after a refresh)
 * or, when none does, poll for the holder's result and give up after a short wait.
 *
 * The component token and every authorizer token run through this one loop; what differs (how to
 * read, when a token counts as fresh, how to mint) is passed in.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '#shared/domain/tokens/clock.ts';
import type { Lease, LeaseKey } from '#shared/domain/tokens/ports.ts';

export interface LeasedRefreshTiming {
  /** Longer than the worst WeChat call with its retries, so a live refresher never loses its lease. */
  leaseTtlMs: number;
  /** First wait between a waiting caller's reads (plus up to as much again in jitter)… */
  pollMs: number;
  /** …growing by this factor after every read, up to `maxPollMs`. 1 keeps it constant. */
  pollGrowth: number;
  maxPollMs: number;
  /** How long a caller without any usable token waits for the holder's result before it gives up. */
  waitForRefreshMs: number;
}

export interface LeasedRefresh<T> {
  lease: Lease;
  key: LeaseKey;
  timing: LeasedRefreshTiming;
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
  /** In [0, 1); jitter source. */
  random: () => number;
  /** Strongly consistent: a caller that just won the lease must see a refresh that just finished. */
  read(): Promise<T | undefined>;
  /** Good enough to hand out without refreshing. */
  isFresh(token: T): boolean;
  /** Still accepted by WeChat, so usable while someone else refreshes. */
  isAlive(token: T): boolean;
  /**
   * Asks WeChat for a new token; runs only while `owner` holds the lease. `stored` is what the
   * store held once the lease was won.
   */
  mint(owner: string, stored: T | undefined): Promise<T>;
  /** What to throw when the wait for another caller's refresh runs out. */
  notReady(): Error;
}

/** How often a waiting caller tries the lease itself, in polls. */
const LEASE_RETRY_EVERY_POLLS = 4;

/**
 * A usable token: `seen` (what the caller read last) if it is alive while someone else holds the
 * lease, otherwise the token minted by this caller or by the lease holder.
 */
export async function refreshUnderLease<T>(spec: LeasedRefresh<T>, seen: T | undefined): Promise<T> {
  const { timing } = spec;
  const owner = randomUUID();
  const deadline = spec.clock.now() + timing.waitForRefreshMs;
  // Also bounded by count, so a clock that stands still (tests) cannot make this wait forever.
  const maxPolls = Math.max(1, Math.ceil(timing.waitForRefreshMs / timing.pollMs));
  let latest = seen;
  let pollMs = timing.pollMs;
  for (let poll = 0; ; poll++) {
    // Waiting callers mostly just read: a conditional write from each of them on every poll would
    // crowd out the holder's own writes. They retry the lease now and then, to take over from a
    // holder that gave up.
    if (poll % LEASE_RETRY_EVERY_POLLS === 0 && (await spec.lease.tryAcquire(spec.key, owner, timing.leaseTtlMs))) {
      try {
        // The previous holder may have finished between our read and our lease.
        const again = await spec.read();
        if (again && spec.isFresh(again)) return again;
        return await spec.mint(owner, again);
      } finally {
        // A failed release costs nothing but a short wait: the lease lapses by itself.
        await spec.lease.release(spec.key, owner).catch(() => undefined);
      }
    }
    // Someone else is refreshing; a token that still works is good enough meanwhile.
    if (latest && spec.isAlive(latest)) return latest;
    if (poll >= maxPolls || spec.clock.now() >= deadline) throw spec.notReady();
    // Jitter spreads the waiting callers' reads out.
    await spec.sleep(pollMs * (1 + spec.random()));
    pollMs = Math.min(timing.maxPollMs, pollMs * timing.pollGrowth);
    latest = await spec.read();
    if (latest && spec.isFresh(latest)) return latest;
  }
}
