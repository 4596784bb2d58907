/**
 * Recovering a refresh token WeChat refused (61023), off the request path (WECHAT.md §4.8, §7):
 * WeChat's answer to 61023 is "re-pull it from `api_get_authorizer_list`", but that list is paged
 * 500 at a time over every authorizer of the platform (200 calls at 100 000 accounts), far too long
 * for a request.
 *
 * - **Request** (`TokenRecoveryRequests.request`, from any refresh that meets 61023: token vending,
 *   any use case needing a token, the scheduled refresh): the account's TOKEN item is marked (a
 *   conditional write, so concurrent callers queue one job) and the `token-recovery` job queued; the
 *   caller gets `503 try_again` with `Retry-After` (`TokenRecoveryPending`). While the mark stands no
 *   refresh calls WeChat for the account; a mark older than `RECOVERY_STALE_MS` (its job lost) is
 *   renewed by the next caller, and the new job resumes from the mark's checkpoint. The account
 *   stays `active`: one 61023 never strands it.
 * - **Job** (`recoverAuthorizerToken`, the `recover-authorizer-token` queue consumer): pages the list
 *   from the checkpoint within a time budget; when the budget runs out it stores the offset and
 *   queues itself again. When the list has the account with a refresh token, the job mints with it
 *   under the account's lease and stores the result (the mark ends with it), so the next request
 *   succeeds without calling WeChat. When the list does not have the account (paged to the end), and
 *   only then, the account becomes `reauthorization_required`. A listed refresh token WeChat refuses
 *   too is retried through the queue; on the queue's last receive the account needs re-authorization
 *   (WECHAT.md §7: "if still failing, mark as needing re-authorization").
 */
import type { AuthorizerListResult } from '#shared/wechat/api-types.ts';
import { DomainError } from '#shared/errors/domain-errors.ts';
import { systemClock, type Clock } from '#shared/domain/tokens/clock.ts';
import type { AccountStatusChanges, AuthorizerTokenStore, RecoveryMarks } from '#shared/domain/tokens/ports.ts';

/** A mark older than this is taken for a lost job: the next caller renews it and queues a new job. */
export const RECOVERY_STALE_MS = 15 * 60_000;

/** Queues the recovery job of one account (`token-recovery` queue: `{ appid }`). */
export interface RecoveryQueue {
  send(appid: string): Promise<void>;
}

/** What a refresh that met 61023 calls. */
export interface RecoveryRequester {
  request(appid: string): Promise<void>;
}

export interface RecoveryRequestDependencies {
  marks: Pick<RecoveryMarks, 'markPending'>;
  queue: RecoveryQueue;
  clock?: Clock;
  /**
   * A job that could not be queued: the caller still gets `try_again`, and the mark goes stale and
   * is renewed (and queued) by a later caller or the scheduled refresh.
   */
  onQueueFailure?: (appid: string, error: unknown) => void;
}

export class TokenRecoveryRequests implements RecoveryRequester {
  private readonly clock: Clock;

  constructor(private readonly deps: RecoveryRequestDependencies) {
    this.clock = deps.clock ?? systemClock;
  }

  async request(appid: string): Promise<void> {
    const now = this.clock.now();
    const outcome = await this.deps.marks.markPending(appid, new Date(now).toISOString(), new Date(now - RECOVERY_STALE_MS).toISOString());
    if (outcome !== 'marked') return;
    try {
      await this.deps.queue.send(appid);
    } catch (error) {
      this.deps.onQueueFailure?.(appid, error);
    }
  }
}

/** Whether a recovery mark set at `requestedAt` still counts as under way at `now`. */
export const recoveryUnderWay = (requestedAt: string, now: number): boolean => Date.parse(requestedAt) > now - RECOVERY_STALE_MS;

export type AdoptOutcome = 'adopted' | 'refused' | 'busy' | 'changed';

/** The part of `AuthorizerTokenService` the job uses. */
export interface RefreshTokenAdopter {
  /**
   * Mints with `refreshToken` under the account's lease and stores the result. `refused`: 61023;
   * `busy`: someone holds the lease; `changed`: another refresh token was stored meanwhile. Throws
   * `account_not_active` (revoked) on 61003.
   */
  adoptRefreshToken(appid: string, refreshToken: string): Promise<AdoptOutcome>;
}

export interface RecoveryJobOptions {
  /** `api_get_authorizer_list` page size (WeChat allows at most 500). */
  pageSize: number;
  /** No page is asked for once less than this is left of the invocation. */
  stopBeforeEndMs: number;
}

export const defaultRecoveryJobOptions: RecoveryJobOptions = { pageSize: 500, stopBeforeEndMs: 10_000 };

export interface RecoveryJobDependencies {
  store: Pick<AuthorizerTokenStore, 'read'>;
  marks: Pick<RecoveryMarks, 'checkpoint' | 'clear'>;
  /** One page of `api_get_authorizer_list`. */
  authorizerList(offset: number, count: number): Promise<AuthorizerListResult>;
  tokens: RefreshTokenAdopter;
  statusChanges: Pick<AccountStatusChanges, 'markReauthorizationRequired'>;
  /** Queues the job again (its continuation after the time budget). */
  queue: RecoveryQueue;
  /** The invocation's remaining time (Lambda's `getRemainingTimeInMillis`). */
  remainingMs: () => number;
  clock?: Clock;
  options?: Partial<RecoveryJobOptions>;
}

export type RecoveryOutcome =
  /** The listed refresh token minted a token, now stored. */
  | 'repaired'
  /** WeChat does not list the account (or lists it without a refresh token), or refused the listed one to the end. */
  | 'reauthorization_required'
  /** WeChat says the authorization is gone (61003): revoked. */
  | 'revoked'
  /** The time budget ran out: the checkpoint is stored and the job queued again. */
  | 'continued'
  /** No recovery under way (done already, re-authorized, revoked or unbound meanwhile). */
  | 'nothing_to_do';

/** A listed refresh token WeChat refused too: thrown so the queue delivers the job again later. */
export class ListedRefreshTokenRefused extends Error {
  constructor(appid: string) {
    super(`WeChat refused the refresh token its authorizer list holds for ${appid} (61023); the job is retried.`);
    this.name = 'ListedRefreshTokenRefused';
  }
}

/** Someone holds the account's lease: thrown so the queue delivers the job again later. */
export class RecoveryLeaseBusy extends Error {
  constructor(appid: string) {
    super(`The token of ${appid} is leased by another caller; the recovery is retried.`);
    this.name = 'RecoveryLeaseBusy';
  }
}

export async function recoverAuthorizerToken(job: { appid: string }, delivery: { last: boolean }, deps: RecoveryJobDependencies): Promise<RecoveryOutcome> {
  const { appid } = job;
  const options = { ...defaultRecoveryJobOptions, ...deps.options };
  const clock = deps.clock ?? systemClock;
  const count = Math.min(500, Math.max(1, options.pageSize));
  const at = () => new Date(clock.now()).toISOString();
  const needsReauthorization = async (): Promise<RecoveryOutcome> => {
    await deps.statusChanges.markReauthorizationRequired(appid, at());
    return 'reauthorization_required';
  };

  const state = await deps.store.read(appid);
  if (!state || state.status !== 'active' || !state.recovery) return 'nothing_to_do';

  let offset = state.recovery.offset;
  for (;;) {
    if (deps.remainingMs() <= options.stopBeforeEndMs) {
      await deps.marks.checkpoint(appid, offset);
      await deps.queue.send(appid);
      return 'continued';
    }
    let page: AuthorizerListResult;
    try {
      page = await deps.authorizerList(offset, count);
    } catch (error) {
      // The redelivered job resumes from here.
      await deps.marks.checkpoint(appid, offset);
      throw error;
    }
    const entry = page.list.find((candidate) => candidate.authorizerAppId === appid);
    if (entry) {
      // Listed, but its code was never exchanged: only a new authorization gives a refresh token.
      if (!entry.refreshToken) return needsReauthorization();
      let outcome: AdoptOutcome;
      try {
        outcome = await deps.tokens.adoptRefreshToken(appid, entry.refreshToken);
      } catch (error) {
        // 61003: the token service marked the account revoked.
        if (error instanceof DomainError && error.code === 'account_not_active') return error.details?.status === 'revoked' ? 'revoked' : 'nothing_to_do';
        await deps.marks.checkpoint(appid, offset);
        throw error;
      }
      if (outcome === 'adopted') return 'repaired';
      if (outcome === 'changed') {
        // A re-authorization stored a newer refresh token meanwhile: it is the one to use.
        await deps.marks.clear(appid);
        return 'nothing_to_do';
      }
      if (outcome === 'refused' && delivery.last) return needsReauthorization();
      await deps.marks.checkpoint(appid, offset);
      throw outcome === 'busy' ? new RecoveryLeaseBusy(appid) : new ListedRefreshTokenRefused(appid);
    }
    offset += page.list.length;
    if (page.list.length === 0 || offset >= page.totalCount) return needsReauthorization();
  }
}
