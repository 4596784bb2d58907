/**
 * Each bound account's `authorizer_access_token` (DESIGN.md §3 "Tokens", WECHAT.md §4.6, §4.8, §8).
 *
 * - A valid stored token is returned as is: reading never refreshes.
 * - An expired (or missing) token is refreshed with `api_authorizer_token` by exactly one caller,
 *   the holder of the lease on the account's TOKEN item; the others wait briefly and re-read.
 *   Whatever refresh token WeChat returns is stored.
 * - A token WeChat rejected is expired only if it is still the stored one (compare-and-expire).
 * - A token minted after an attempt that may have reached WeChat (the client timed out, the
 *   connection broke or a 5xx answered, and a retry succeeded) may be superseded by WeChat carrying
 *   the lost attempt out later. It is stored with a short `verifyAfter` horizon
 *   (`AUTHORIZER_VERIFY_AFTER_MS`): from then on it counts as due, on demand as on the schedule, and
 *   the next mint under the lease (after the late call, so the newest token) replaces it. Until then
 *   it is handed out: even superseded, WeChat honours it ~5 minutes more.
 * - `61023` (refresh token refused), or no refresh token stored: the request never pages WeChat's
 *   authorizer list. The account is marked for a background recovery (`token-recovery.ts`) and the
 *   caller gets `503 try_again` with `Retry-After` (`TokenRecoveryPending`); while the recovery is
 *   under way no refresh of the account calls WeChat. The account stays active.
 * - `61003` (authorization gone) → the account is revoked: `account_not_active`.
 * - An account that is not active never reaches WeChat.
 */
import { randomUUID } from 'node:crypto';
import { WeChatNotReady } from '#shared/errors/domain-errors.ts';
import { WeChatApiError } from '#shared/wechat/api-errors.ts';
import type { AuthorizerTokenResult, TokenSource } from '#shared/wechat/api-types.ts';
import { accountNotActive } from '#shared/domain/accounts/errors.ts';
import { sleep as realSleep, systemClock, type Clock } from '#shared/domain/tokens/clock.ts';
import { refreshUnderLease } from '#shared/domain/tokens/leased-refresh.ts';
import { AUTHORIZER_REFRESH_MARGIN_MS, AUTHORIZER_VERIFY_AFTER_MS } from '#shared/domain/tokens/refresh-margin.ts';
import type { AccountStatusChanges, AuthorizerTokenApi, AuthorizerTokenState, AuthorizerTokenStore, Lease } from '#shared/domain/tokens/ports.ts';
import { TokenRecoveryPending } from '#shared/domain/tokens/errors.ts';
import { recoveryUnderWay, type AdoptOutcome, type RecoveryRequester } from '#shared/domain/tokens/token-recovery.ts';

export interface AuthorizerTokenOptions {
  /** A token this close to its expiry counts as expired on demand (the scheduled refresh renews tokens much earlier). */
  expiryMarginMs: number;
  /** The scheduled refresh renews a token this close to its expiry (`refresh-margin.ts`; tests may shorten it). */
  scheduledMarginMs: number;
  leaseTtlMs: number;
  /** A waiting caller's first pause between reads; it doubles up to `maxPollMs`, with jitter. */
  pollMs: number;
  maxPollMs: number;
  waitForRefreshMs: number;
  /** A token minted after an attempt that may have reached WeChat is due again this long after (`refresh-margin.ts`). */
  verifyAfterMs: number;
}

export const defaultAuthorizerTokenOptions: AuthorizerTokenOptions = {
  expiryMarginMs: 60_000,
  scheduledMarginMs: AUTHORIZER_REFRESH_MARGIN_MS,
  leaseTtlMs: 30_000,
  pollMs: 25,
  maxPollMs: 400,
  waitForRefreshMs: 8_000,
  verifyAfterMs: AUTHORIZER_VERIFY_AFTER_MS,
};

export interface AuthorizerTokenDependencies {
  store: AuthorizerTokenStore;
  statusChanges: AccountStatusChanges;
  lease: Lease;
  api: AuthorizerTokenApi;
  /**
   * Queues the background recovery of a refused refresh token (`TokenRecoveryRequests`). Without it
   * (tests that never meet 61023) a refused refresh token still answers `try_again`, and nothing is queued.
   */
  recovery?: RecoveryRequester;
  /** The component token, for `api_authorizer_token`. */
  component: TokenSource;
  componentAppId: () => Promise<string>;
  clock?: Clock;
  sleep?: (ms: number) => Promise<void>;
  /** In [0, 1); jitter source. */
  random?: () => number;
  options?: Partial<AuthorizerTokenOptions>;
}

/** An access token and when it expires, for the internal token-vending route. */
export interface VendedToken {
  accessToken: string;
  expiresAt: string;
  /** Whose audit trail records the account's events (absent only for items written before it was stored). */
  ownerTenantId?: string;
}

export type ScheduledRefreshOutcome = 'refreshed' | 'not_due' | 'busy';

interface UsableToken extends AuthorizerTokenState {
  accessToken: string;
  expiresAt: string;
}

const hasToken = (state: AuthorizerTokenState): state is UsableToken => typeof state.accessToken === 'string' && typeof state.expiresAt === 'string';

export class AuthorizerTokenService {
  private readonly store: AuthorizerTokenStore;
  private readonly statusChanges: AccountStatusChanges;
  private readonly lease: Lease;
  private readonly api: AuthorizerTokenApi;
  private readonly recovery: RecoveryRequester | undefined;
  private readonly component: TokenSource;
  private readonly componentAppId: () => Promise<string>;
  private readonly clock: Clock;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly options: AuthorizerTokenOptions;

  constructor(dependencies: AuthorizerTokenDependencies) {
    this.store = dependencies.store;
    this.statusChanges = dependencies.statusChanges;
    this.lease = dependencies.lease;
    this.api = dependencies.api;
    this.recovery = dependencies.recovery;
    this.component = dependencies.component;
    this.componentAppId = dependencies.componentAppId;
    this.clock = dependencies.clock ?? systemClock;
    this.sleep = dependencies.sleep ?? realSleep;
    this.random = dependencies.random ?? Math.random;
    this.options = { ...defaultAuthorizerTokenOptions, ...dependencies.options };
  }

  /** The `TokenSource` of one account, for the WeChat client. */
  forAccount(appid: string): TokenSource {
    return { current: () => this.current(appid), expire: (used) => this.expire(appid, used) };
  }

  /** An authorizer_access_token of `appid` that is valid now. */
  async current(appid: string): Promise<string> {
    return (await this.currentWithExpiry(appid)).accessToken;
  }

  async currentWithExpiry(appid: string): Promise<VendedToken> {
    const state = this.requireActive(appid, await this.store.read(appid));
    const fresh = hasToken(state) && this.isFresh(state);
    // A recovery under way: no lease, no WeChat call, the caller asks again after Retry-After.
    if (!fresh && state.recovery && recoveryUnderWay(state.recovery.requestedAt, this.clock.now())) throw new TokenRecoveryPending(appid);
    const usable = fresh ? state : await this.refresh(appid, state);
    return {
      accessToken: usable.accessToken,
      expiresAt: usable.expiresAt,
      ...(state.ownerTenantId ? { ownerTenantId: state.ownerTenantId } : {}),
    };
  }

  /** WeChat rejected `used`: expire it, unless someone already replaced it. */
  async expire(appid: string, used: string): Promise<void> {
    await this.store.expire(appid, used, new Date(this.clock.now()).toISOString());
  }

  /**
   * For the scheduled refresh: renews the token when it is within the scheduled margin of its
   * expiry, unless another caller holds the lease (it is refreshing already). Never waits.
   */
  async refreshIfDue(appid: string): Promise<ScheduledRefreshOutcome> {
    const state = this.requireActive(appid, await this.store.read(appid));
    if (hasToken(state) && !this.isDue(state)) return 'not_due';
    const key = this.store.leaseKey(appid);
    const owner = randomUUID();
    if (!(await this.lease.tryAcquire(key, owner, this.options.leaseTtlMs))) return 'busy';
    try {
      const again = this.requireActive(appid, await this.store.read(appid));
      if (hasToken(again) && !this.isDue(again)) return 'not_due';
      await this.mint(appid, owner, again);
      return 'refreshed';
    } finally {
      await this.lease.release(key, owner).catch(() => undefined);
    }
  }

  /**
   * For the scheduled refresh, which claimed the lease straight from the due index (`owner` holds it
   * and `seen` is the TOKEN item the index listed): mints, and stores the new token giving the lease
   * up in the same write. No read: the index entry already is the item, and the claim proved it
   * unchanged. Throws what minting throws (`account_not_active` after 61003/61023, WeChat errors).
   */
  async refreshClaimed(appid: string, owner: string, seen: Omit<AuthorizerTokenState, 'status'>): Promise<void> {
    let released = false;
    try {
      released = (await this.mint(appid, owner, { ...seen, status: 'active' }, { releaseLease: true })).saved;
    } finally {
      if (!released) await this.lease.release(this.store.leaseKey(appid), owner).catch(() => undefined);
    }
  }

  /**
   * For the background recovery (`token-recovery.ts`): mints with the refresh token WeChat's
   * authorizer list holds, under the account's lease, and stores the result (which ends the
   * recovery mark) giving the lease up in the same write. Never waits for the lease.
   */
  async adoptRefreshToken(appid: string, refreshToken: string): Promise<AdoptOutcome> {
    const key = this.store.leaseKey(appid);
    const owner = randomUUID();
    if (!(await this.lease.tryAcquire(key, owner, this.options.leaseTtlMs))) return 'busy';
    let released = false;
    try {
      const stored = this.requireActive(appid, await this.store.read(appid));
      const requestedAt = this.clock.now();
      const minted = await this.callWeChat(appid, await this.componentAppId(), refreshToken);
      if (!minted) return 'refused';
      released = await this.store.save(
        appid,
        {
          accessToken: minted.authorizerAccessToken,
          expiresAt: new Date(requestedAt + minted.expiresIn * 1000).toISOString(),
          refreshToken: minted.authorizerRefreshToken ?? refreshToken,
          ...this.verification(minted),
        },
        new Date(requestedAt).toISOString(),
        { leaseOwner: owner, replacedRefreshToken: stored.refreshToken, releaseLease: true },
      );
      return released ? 'adopted' : 'changed';
    } finally {
      if (!released) await this.lease.release(key, owner).catch(() => undefined);
    }
  }

  private requireActive(appid: string, state: AuthorizerTokenState | undefined): AuthorizerTokenState {
    if (!state) throw accountNotActive(appid, 'unknown');
    if (state.status !== 'active') throw accountNotActive(appid, state.status);
    return state;
  }

  private isFresh(token: UsableToken): boolean {
    return Date.parse(token.expiresAt) - this.options.expiryMarginMs > this.clock.now() && !this.verificationDue(token);
  }

  private isDue(token: UsableToken): boolean {
    return Date.parse(token.expiresAt) - this.options.scheduledMarginMs <= this.clock.now() || this.verificationDue(token);
  }

  /** The token may have been superseded by a late WeChat call and its horizon has passed. */
  private verificationDue(token: UsableToken): boolean {
    return token.verifyAfter !== undefined && Date.parse(token.verifyAfter) <= this.clock.now();
  }

  /** `verifyAfter` for a token WeChat may supersede by carrying out an earlier attempt late; nothing otherwise. */
  private verification(minted: AuthorizerTokenResult): { verifyAfter?: string } {
    return minted.mayBeSuperseded ? { verifyAfter: new Date(this.clock.now() + this.options.verifyAfterMs).toISOString() } : {};
  }

  private isAlive(token: UsableToken): boolean {
    return Date.parse(token.expiresAt) > this.clock.now();
  }

  private async refresh(appid: string, seen: AuthorizerTokenState): Promise<UsableToken> {
    const { leaseTtlMs, pollMs, maxPollMs, waitForRefreshMs } = this.options;
    const usable = await refreshUnderLease<AuthorizerTokenState>(
      {
        lease: this.lease,
        key: this.store.leaseKey(appid),
        timing: { leaseTtlMs, pollMs, pollGrowth: 2, maxPollMs, waitForRefreshMs },
        clock: this.clock,
        sleep: this.sleep,
        random: this.random,
        // A holder that marked the account revoked or in need of re-authorization ends the wait too.
        read: async () => this.requireActive(appid, await this.store.read(appid)),
        isFresh: (state) => hasToken(state) && this.isFresh(state),
        isAlive: (state) => hasToken(state) && this.isAlive(state),
        mint: async (owner, stored) => (await this.mint(appid, owner, this.requireActive(appid, stored))).token,
        notReady: () => new WeChatNotReady(`The access token of ${appid} is being refreshed by another caller and is not ready yet. Try again shortly.`),
      },
      seen,
    );
    // Every way out of the loop carries a token (fresh, alive or just minted).
    if (!hasToken(usable)) throw new WeChatNotReady(`No access token of ${appid} is available yet. Try again shortly.`);
    return usable;
  }

  /** Runs only while `owner` holds the lease. `saved`: the token was stored (and, with `releaseLease`, the lease given up). */
  private async mint(
    appid: string,
    owner: string,
    stored: AuthorizerTokenState,
    options: { releaseLease?: boolean } = {},
  ): Promise<{ token: UsableToken; saved: boolean }> {
    // A recovery under way: WeChat refused this refresh token; asking again would only repeat that.
    if (stored.recovery && recoveryUnderWay(stored.recovery.requestedAt, this.clock.now())) throw new TokenRecoveryPending(appid);
    const componentAppId = await this.componentAppId();
    const requestedAt = this.clock.now();
    const refreshToken = stored.refreshToken;
    // No refresh token, a refused one (61023), or a recovery whose job was lost: recover in the background.
    const minted = refreshToken === undefined || stored.recovery ? undefined : await this.callWeChat(appid, componentAppId, refreshToken);
    if (!minted || refreshToken === undefined) {
      await this.recovery?.request(appid);
      throw new TokenRecoveryPending(appid);
    }
    const token: UsableToken = {
      status: 'active',
      accessToken: minted.authorizerAccessToken,
      expiresAt: new Date(requestedAt + minted.expiresIn * 1000).toISOString(),
      // Persist whatever comes back (WECHAT.md §4.6); WeChat may omit it when it did not change.
      refreshToken: minted.authorizerRefreshToken ?? refreshToken,
    };
    // Not saved (lease lapsed, account revoked, or re-authorized meanwhile): the token still works for this caller.
    const verification = this.verification(minted);
    if (verification.verifyAfter) token.verifyAfter = verification.verifyAfter;
    const saved = await this.store.save(
      appid,
      { accessToken: token.accessToken, expiresAt: token.expiresAt, refreshToken: token.refreshToken!, ...verification },
      new Date(requestedAt).toISOString(),
      { leaseOwner: owner, replacedRefreshToken: stored.refreshToken, ...(options.releaseLease ? { releaseLease: true } : {}) },
    );
    return { token, saved };
  }

  /** The minted token, or undefined when WeChat refused the refresh token (61023). */
  private async callWeChat(appid: string, componentAppId: string, refreshToken: string): Promise<AuthorizerTokenResult | undefined> {
    try {
      return await this.api.authorizerToken(this.component, { componentAppId, authorizerAppId: appid, authorizerRefreshToken: refreshToken });
    } catch (error) {
      if (error instanceof WeChatApiError && error.errcode === 61023) return undefined;
      if (error instanceof WeChatApiError && error.errcode === 61003) {
        await this.statusChanges.markRevoked(appid, new Date(this.clock.now()).toISOString());
        throw accountNotActive(appid, 'revoked');
      }
      throw error;
    }
  }
}
