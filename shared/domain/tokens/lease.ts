/**
 * A lease: "I am the one refreshing this token until `ttlMs` from now". Exactly one caller holds it at
 * a time across every Lambda instance, so a token is refreshed once instead of by every caller that
 * saw it due (WeChat invalidates the previous token on every refresh; WECHAT.md §8).
 *
 * The lease lives on the item it protects (`leaseOwner` / `leaseUntil` attributes), so the component
 * token (`COMPONENT#<appid>` / `TOKEN`) and each authorizer token (`ACCOUNT#<appid>` / `TOKEN`) use
 * the same contract. A holder that dies simply lets it lapse.
 */
export interface LeaseKey {
  pk: string;
  sk: string;
}

export interface Lease {
  /** True when `owner` now holds the lease: it was free, had lapsed, or `owner` already held it. */
  tryAcquire(key: LeaseKey, owner: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up if `owner` still holds it; otherwise does nothing. */
  release(key: LeaseKey, owner: string): Promise<void>;
}
