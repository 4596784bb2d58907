/**
 * The redemption failure budget's arithmetic (API.md §3 "redeem a share code"): a tenant's attempts of
 * the last `windowMs`, as `attemptId → epoch ms`; at most `limit` of them at once. The store only keeps
 * the map and writes it back conditionally (`RedemptionAttempts`); what goes in it is decided here.
 */

export interface RedemptionBudget {
  limit: number;
  windowMs: number;
}

export type Reservation = { reserved: true } | { reserved: false; retryAfterSeconds: number };

/** A tenant's attempts in the window, by attempt id (epoch ms). */
export type Attempts = Record<string, number>;

/** What to store instead (nothing when `next` is absent) and what to answer. */
export interface AttemptsDecision<R> {
  next?: Attempts;
  /** Keep the stored map at least until then (epoch ms). */
  keepUntilMs?: number;
  result: R;
}

/**
 * One more attempt, when the window holds fewer than `limit`; otherwise how long until the oldest
 * leaves the window (at least one second). Attempts that left the window are dropped either way.
 */
export function reserveAttempt(attempts: Attempts, attemptId: string, nowMs: number, budget: RedemptionBudget): AttemptsDecision<Reservation> {
  const live = Object.entries(attempts).filter(([, at]) => at > nowMs - budget.windowMs);
  if (live.length >= budget.limit) {
    const oldest = Math.min(...live.map(([, at]) => at));
    return { result: { reserved: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + budget.windowMs - nowMs) / 1000)) } };
  }
  return { next: { ...Object.fromEntries(live), [attemptId]: nowMs }, keepUntilMs: nowMs + budget.windowMs, result: { reserved: true } };
}

/** The attempt given back (it did not fail); nothing to store when it is not in the window. */
export function forgiveAttempt(attempts: Attempts, attemptId: string): AttemptsDecision<undefined> {
  if (!(attemptId in attempts)) return { result: undefined };
  const { [attemptId]: _forgiven, ...rest } = attempts;
  return { next: rest, result: undefined };
}
