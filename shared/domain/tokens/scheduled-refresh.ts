/**
 * One run of the scheduled token refresh (DESIGN.md §3 "Tokens", WECHAT.md §8): the ticket's health,
 * the component token, then every authorizer token the due index lists as due by `now + window`.
 *
 * - The due index is read shard by shard in turns (one page of each shard, then the next), so the
 *   index writes the refreshes cause spread over every shard's partition instead of one at a time.
 * - At most `concurrency` refreshes run at once; a refresh starts only while more than
 *   `stopBeforeEndMs` of the invocation is left, so the run ends cleanly and the rest is due (and
 *   picked up) next run.
 * - Each token is claimed (the lease on its TOKEN item, only while the item is still the one the
 *   index listed) before WeChat is called: a concurrent on-demand refresh, or another run, holds the
 *   lease or has already changed the item, and the token is skipped rather than refreshed twice.
 * - A refresh costs two table requests: the claim, and the write that stores the token and gives
 *   the lease up. The component token is read once per run, not once per refresh.
 * - A token whose refresh token WeChat refused (61023) is left to its background recovery
 *   (`token-recovery.ts`): one under way is not claimed; a refresh that meets 61023 queues one.
 * - A token that may have been superseded by a late WeChat call is listed at its `verifyAfter`
 *   (`refresh-margin.ts`) and minted again only once that has passed — not early like a token near
 *   its expiry, since minting before the late call lands would just be superseded in turn.
 */
import { randomUUID } from 'node:crypto';
import { DomainError } from '#shared/errors/domain-errors.ts';
import { WeChatApiError, WeChatNetworkError } from '#shared/wechat/api-errors.ts';
import { systemClock, type Clock } from '#shared/domain/tokens/clock.ts';
import type { TicketFreshness } from '#shared/domain/tokens/component-token.ts';
import type { DueIndex, DueToken } from '#shared/domain/tokens/ports.ts';
import { recoveryUnderWay } from '#shared/domain/tokens/token-recovery.ts';
import { refreshAtOf } from '#shared/domain/tokens/refresh-margin.ts';
import { TokenRecoveryPending } from '#shared/domain/tokens/errors.ts';

/** The part of `AuthorizerTokenService` a run uses. */
export interface ClaimedRefresher {
  refreshClaimed(appid: string, owner: string, seen: Omit<DueToken, 'appid' | 'dueKey'>): Promise<void>;
}

export interface ComponentHealth {
  ensureTicketFresh(): Promise<TicketFreshness>;
  /** Renews the component token when it is due (a valid one is just read). */
  current(): Promise<string>;
}

export interface ScheduledRefreshOptions {
  concurrency: number;
  /** Tokens due up to this far ahead are renewed now (the time until the next run). */
  windowMs: number;
  /** No refresh starts once less than this is left of the invocation. */
  stopBeforeEndMs: number;
  leaseTtlMs: number;
}

export const defaultScheduledRefreshOptions: ScheduledRefreshOptions = {
  concurrency: 32,
  windowMs: 5 * 60_000,
  stopBeforeEndMs: 20_000,
  leaseTtlMs: 30_000,
};

export interface ScheduledRefreshDependencies {
  component: ComponentHealth;
  index: DueIndex;
  tokens: ClaimedRefresher;
  /** The invocation's remaining time (Lambda's `getRemainingTimeInMillis`). */
  remainingMs: () => number;
  clock?: Clock;
  options?: Partial<ScheduledRefreshOptions>;
}

export interface ScheduledRefreshSummary {
  ticketAgeSeconds: number | null;
  pushTicketRestarted: boolean;
  /** Why the ticket check failed, when it did (the run goes on: the stored ticket may still be good). */
  ticketError?: string;
  componentToken: 'ok' | 'failed';
  componentError?: string;
  /** Due tokens the run looked at. */
  due: number;
  refreshed: number;
  /** Someone else held the lease (an on-demand refresh) or had already changed the token. */
  skipped: number;
  /** Refreshes that failed, by WeChat errcode (`network`, `other` when WeChat never answered one). */
  failures: Record<string, number>;
  reauthorizationRequired: number;
  revoked: number;
  /** Refreshes that met 61023 (or a lost recovery): their background recovery was requested. */
  recoveriesRequested: number;
  /** Due tokens left alone because their recovery is under way. */
  recoveriesUnderWay: number;
  /** Tokens listed only for a verification whose horizon has not passed yet (the next run mints them). */
  awaitingVerification: number;
  /** False when the time budget ended the run before the index was read to the end. */
  complete: boolean;
}

const errorName = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

function failureKey(error: unknown): string {
  if (error instanceof WeChatApiError) return String(error.errcode);
  if (error instanceof WeChatNetworkError) return 'network';
  if (error instanceof DomainError) return error.code;
  return 'other';
}

export async function runScheduledRefresh(deps: ScheduledRefreshDependencies): Promise<ScheduledRefreshSummary> {
  const options = { ...defaultScheduledRefreshOptions, ...deps.options };
  const clock = deps.clock ?? systemClock;
  const summary: ScheduledRefreshSummary = {
    ticketAgeSeconds: null,
    pushTicketRestarted: false,
    componentToken: 'ok',
    due: 0,
    refreshed: 0,
    skipped: 0,
    failures: {},
    reauthorizationRequired: 0,
    revoked: 0,
    recoveriesRequested: 0,
    recoveriesUnderWay: 0,
    awaitingVerification: 0,
    complete: true,
  };

  try {
    const ticket = await deps.component.ensureTicketFresh();
    summary.ticketAgeSeconds = ticket.ageSeconds;
    summary.pushTicketRestarted = ticket.pushRestarted;
  } catch (error) {
    summary.ticketError = errorName(error);
  }

  try {
    await deps.component.current();
  } catch (error) {
    // Every authorizer refresh needs the component token: without it the run would only fail N times.
    summary.componentToken = 'failed';
    summary.componentError = errorName(error);
    summary.complete = false;
    return summary;
  }

  const outOfTime = () => deps.remainingMs() <= options.stopBeforeEndMs;
  const dueBy = new Date(clock.now() + options.windowMs).toISOString();
  const source = dueTokens(deps.index, dueBy, outOfTime, () => {
    summary.complete = false;
  });

  const refreshOne = async (token: DueToken) => {
    summary.due += 1;
    if (token.recovery && recoveryUnderWay(token.recovery.requestedAt, clock.now())) {
      summary.recoveriesUnderWay += 1;
      return;
    }
    if (awaitsVerification(token, clock.now(), dueBy)) {
      summary.awaitingVerification += 1;
      return;
    }
    const owner = randomUUID();
    if ((await deps.index.claim(token, owner, options.leaseTtlMs)) !== 'claimed') {
      summary.skipped += 1;
      return;
    }
    try {
      const { appid: _appid, dueKey: _dueKey, ...seen } = token;
      await deps.tokens.refreshClaimed(token.appid, owner, seen);
      summary.refreshed += 1;
    } catch (error) {
      const status = error instanceof DomainError && error.code === 'account_not_active' ? error.details?.status : undefined;
      if (error instanceof TokenRecoveryPending) summary.recoveriesRequested += 1;
      else if (status === 'reauthorization_required') summary.reauthorizationRequired += 1;
      else if (status === 'revoked') summary.revoked += 1;
      else {
        const key = failureKey(error);
        summary.failures[key] = (summary.failures[key] ?? 0) + 1;
      }
    }
  };

  const worker = async () => {
    for (;;) {
      if (outOfTime()) {
        summary.complete = false;
        return;
      }
      // Workers share one generator: each `next()` hands out a different token.
      const next = await source.next();
      if (next.done) return;
      await refreshOne(next.value);
    }
  };

  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  return summary;
}

/** Listed for a verification that is not due yet, and not near its expiry either. */
function awaitsVerification(token: DueToken, now: number, dueBy: string): boolean {
  if (token.verifyAfter === undefined || Date.parse(token.verifyAfter) <= now) return false;
  return token.expiresAt === undefined || refreshAtOf(token.expiresAt) > dueBy;
}

/** Due tokens of every shard, a page of each in turn, until the index or the time runs out. */
async function* dueTokens(index: DueIndex, dueBy: string, outOfTime: () => boolean, stoppedEarly: () => void): AsyncGenerator<DueToken> {
  let open = index.shards.map((shard) => ({ shard, cursor: undefined as unknown }));
  while (open.length > 0) {
    const still: typeof open = [];
    for (const entry of open) {
      if (outOfTime()) {
        stoppedEarly();
        return;
      }
      const page = await index.page(entry.shard, dueBy, entry.cursor);
      yield* page.tokens;
      if (page.cursor !== undefined) still.push({ shard: entry.shard, cursor: page.cursor });
    }
    open = still;
  }
}
