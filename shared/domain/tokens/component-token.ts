/**
 * The component's ticket and its `component_access_token` (DESIGN.md §3 "Tokens", WECHAT.md §3.1, §8).
 *
 * - A valid stored token is returned as is: reading never refreshes.
 * - A missing or due token is refreshed by exactly one caller, the holder of the lease; the others
 *   keep using a token that still works (WeChat honours the previous one ~5 minutes after a refresh),
 *   or, when there is none, wait briefly for the holder's result.
 * - A token WeChat rejected is expired only if it is still the stored one (compare-and-expire), so a
 *   late failure with an old token never throws away a token someone just refreshed.
 * - The ticket's age is WeChat's to judge: a token is minted with the newest stored
 *   `component_verify_ticket` whatever its `CreateTime` (WeChat's own troubleshooting says to reuse
 *   the last ticket while pushes are out). Only WeChat's 61005 (expired) / 61006 (invalid) mean "no
 *   valid ticket": `503 wechat_not_ready`, and WeChat is asked to resume pushing
 *   (`api_start_push_ticket`, at most once per interval among all callers).
 */
import { randomUUID } from 'node:crypto';
import { WeChatNotReady } from '#shared/errors/domain-errors.ts';
import { WeChatApiError } from '#shared/wechat/api-errors.ts';
import type { ComponentTokenResult, TokenSource } from '#shared/wechat/api-types.ts';
import { sleep as realSleep, systemClock, type Clock } from '#shared/domain/tokens/clock.ts';
import type { ComponentStore, ComponentToken, ComponentTokenApi, Lease } from '#shared/domain/tokens/ports.ts';
import { refreshUnderLease } from '#shared/domain/tokens/leased-refresh.ts';

export interface ComponentCredentials {
  componentAppId: string;
  componentSecret: string;
}

export interface ComponentTokenOptions {
  /** A token this close to its expiry is refreshed (WeChat suggests refreshing after ~1 h 50 min of 2 h). */
  refreshMarginMs: number;
  /** No ticket pushed for this long means WeChat stopped pushing (it pushes every 10 min); it says nothing about validity. */
  ticketStaleAfterMs: number;
  /** Longer than the worst WeChat call with its retries, so a live refresher never loses its lease. */
  leaseTtlMs: number;
  /** How often (plus up to as much again in jitter) a caller without any usable token looks for the lease holder's result… */
  pollMs: number;
  /** …and for how long, before it gives up. */
  waitForRefreshMs: number;
  /** At most one `api_start_push_ticket` per this interval, however many callers see a stale ticket. */
  pushTicketRestartIntervalMs: number;
}

export const defaultComponentTokenOptions: ComponentTokenOptions = {
  refreshMarginMs: 10 * 60_000,
  ticketStaleAfterMs: 30 * 60_000,
  leaseTtlMs: 30_000,
  pollMs: 50,
  waitForRefreshMs: 5_000,
  pushTicketRestartIntervalMs: 10 * 60_000,
};

export interface ComponentTokenDependencies {
  store: ComponentStore;
  lease: Lease;
  api: ComponentTokenApi;
  credentials: () => Promise<ComponentCredentials>;
  clock?: Clock;
  sleep?: (ms: number) => Promise<void>;
  /** In [0, 1); jitter source. */
  random?: () => number;
  options?: Partial<ComponentTokenOptions>;
}

export interface TicketFreshness {
  /** Seconds since the last push (the newest ticket's `CreateTime`); null when no ticket was ever received. */
  ageSeconds: number | null;
  /** True when this call asked WeChat to resume pushing tickets (`api_start_push_ticket`). */
  pushRestarted: boolean;
}

export class ComponentTokenService implements TokenSource {
  private readonly store: ComponentStore;
  private readonly lease: Lease;
  private readonly api: ComponentTokenApi;
  private readonly credentials: () => Promise<ComponentCredentials>;
  private readonly clock: Clock;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly options: ComponentTokenOptions;

  constructor(dependencies: ComponentTokenDependencies) {
    this.store = dependencies.store;
    this.lease = dependencies.lease;
    this.api = dependencies.api;
    this.credentials = dependencies.credentials;
    this.clock = dependencies.clock ?? systemClock;
    this.sleep = dependencies.sleep ?? realSleep;
    this.random = dependencies.random ?? Math.random;
    this.options = { ...defaultComponentTokenOptions, ...dependencies.options };
  }

  /** Stores a pushed `component_verify_ticket`; false when it is not newer than the stored one. */
  async saveTicket(push: { ticket: string; createTime: number }): Promise<boolean> {
    const { componentAppId } = await this.credentials();
    return this.store.saveTicket(componentAppId, {
      ticket: push.ticket,
      createTime: push.createTime,
      receivedAt: new Date(this.clock.now()).toISOString(),
    });
  }

  /** A component_access_token that is valid now. */
  async current(): Promise<string> {
    const { componentAppId } = await this.credentials();
    const stored = await this.store.readToken(componentAppId);
    if (stored && this.isFresh(stored)) return stored.token;
    return this.refresh(componentAppId, stored);
  }

  /** WeChat rejected `used`: expire it, unless someone already replaced it. */
  async expire(used: string): Promise<void> {
    const { componentAppId } = await this.credentials();
    await this.store.expireToken(componentAppId, used, new Date(this.clock.now()).toISOString());
  }

  /**
   * For the scheduled run: when no ticket was pushed for 30 minutes (or none ever), asks WeChat to
   * resume pushing — once per interval among all concurrent callers. Returns the time since the last
   * push for a metric (`TicketAgeSeconds`); it does not decide whether the ticket is still good.
   */
  async ensureTicketFresh(now: number | Date = this.clock.now()): Promise<TicketFreshness> {
    const at = typeof now === 'number' ? now : now.getTime();
    const credentials = await this.credentials();
    const ticket = await this.store.latestTicket(credentials.componentAppId);
    const ageMs = ticket ? Math.max(0, at - ticket.createTime * 1000) : null;
    const ageSeconds = ageMs === null ? null : Math.floor(ageMs / 1000);
    if (ageMs !== null && ageMs <= this.options.ticketStaleAfterMs) return { ageSeconds, pushRestarted: false };
    return { ageSeconds, pushRestarted: await this.askWeChatToResumePushing(credentials) };
  }

  /**
   * `api_start_push_ticket`, at most once per interval among all callers (the lease is kept until it
   * lapses); false when another caller asked within the interval.
   */
  private async askWeChatToResumePushing(credentials: ComponentCredentials): Promise<boolean> {
    const key = this.store.pushTicketLeaseKey(credentials.componentAppId);
    const owner = randomUUID();
    if (!(await this.lease.tryAcquire(key, owner, this.options.pushTicketRestartIntervalMs))) return false;
    try {
      await this.api.startPushTicket({ componentAppId: credentials.componentAppId, componentSecret: credentials.componentSecret });
    } catch (error) {
      // Let the next caller try again rather than wait out the interval.
      await this.lease.release(key, owner);
      throw error;
    }
    return true;
  }

  private isFresh(token: ComponentToken): boolean {
    return Date.parse(token.expiresAt) - this.options.refreshMarginMs > this.clock.now();
  }

  private isAlive(token: ComponentToken): boolean {
    return Date.parse(token.expiresAt) > this.clock.now();
  }

  private async refresh(componentAppId: string, seen: ComponentToken | undefined): Promise<string> {
    const { leaseTtlMs, pollMs, waitForRefreshMs } = this.options;
    const token = await refreshUnderLease(
      {
        lease: this.lease,
        key: this.store.tokenLeaseKey(componentAppId),
        timing: { leaseTtlMs, pollMs, pollGrowth: 1, maxPollMs: pollMs, waitForRefreshMs },
        clock: this.clock,
        sleep: this.sleep,
        random: this.random,
        read: () => this.store.readToken(componentAppId),
        isFresh: (token) => this.isFresh(token),
        isAlive: (token) => this.isAlive(token),
        mint: (owner) => this.mintHoldingLease(componentAppId, owner),
        notReady: () => new WeChatNotReady('The component access token is being refreshed by another caller and is not ready yet. Try again shortly.'),
      },
      seen,
    );
    return token.token;
  }

  private async mintHoldingLease(componentAppId: string, owner: string): Promise<ComponentToken> {
    // The newest stored ticket, whatever its CreateTime: only WeChat says whether it is still good.
    const ticket = await this.store.latestTicket(componentAppId);
    if (!ticket) throw new WeChatNotReady();
    const credentials = await this.credentials();
    const requestedAt = this.clock.now();
    let minted: ComponentTokenResult;
    try {
      minted = await this.api.componentToken({ componentAppId, componentSecret: credentials.componentSecret, componentVerifyTicket: ticket.ticket });
    } catch (error) {
      if (error instanceof WeChatApiError && (error.errcode === 61005 || error.errcode === 61006)) {
        // Best effort: the caller's answer is "not ready" either way, and the scheduled run asks again.
        await this.askWeChatToResumePushing(credentials).catch(() => false);
        throw new WeChatNotReady(
          `WeChat refused the stored component_verify_ticket (errcode ${error.errcode}) and was asked to push a new one. Try again in a few minutes.`,
        );
      }
      throw error;
    }
    const token: ComponentToken = {
      token: minted.componentAccessToken,
      expiresAt: new Date(requestedAt + minted.expiresIn * 1000).toISOString(),
      refreshedAt: new Date(requestedAt).toISOString(),
    };
    // A lost lease means someone else refreshed after us; our token still works for a few minutes.
    await this.store.saveToken(componentAppId, token, owner);
    return token;
  }
}
