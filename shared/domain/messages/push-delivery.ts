/**
 * Which pushes the hub acts on, beyond their signature (API.md §2, WECHAT.md §1.4, §13.3). WeChat's
 * `msg_signature` covers the token, timestamp, nonce and ciphertext, never the URL: a push delivered
 * to one URL verifies just as well at any other URL of the hub. So, before a verified push reaches
 * its use case:
 *
 * - **addressed to this URL**: on an account's message URL the plaintext's `ToUserName` must be that
 *   account's `gh_` user name (the release-test accounts: one of theirs). A push to an account the hub
 *   does not hold has no user name to compare, and its use case changes nothing for it; it passes;
 * - **delivered once**: the first delivery claims the push's signature, with the URL it came to, for
 *   as long as the clock check would accept the push. The same signature again on the same URL is
 *   WeChat re-sending (it gives up on an answer after 5 s): answered `success`, processed never twice.
 *   The same signature on another URL is a replay: refused. While the first delivery is still being
 *   processed a re-send is answered `503 try_again` (WeChat re-sends again), so that a first delivery
 *   that then fails — it releases its claim — is processed by a later re-send instead of being lost;
 *   a first delivery that died without releasing is taken over once its lease has passed.
 */
import { DomainError, Unauthorized } from '#shared/errors/domain-errors.ts';
import { releaseTestAccounts } from '#shared/domain/release-test/release-test.ts';

/** Where a push was posted: the authorization-event URL, or one account's message URL. */
export type PushUrl = { kind: 'component' } | { kind: 'account'; appid: string };

/** The URL as the replay cache records it. */
export const pushUrlKey = (url: PushUrl): string => (url.kind === 'component' ? 'component' : `account:${url.appid}`);

export interface AccountUserNames {
  /** The account's `gh_` user name; undefined when the hub does not hold the account. */
  userNameOf(appid: string): Promise<string | undefined>;
}

export class PushNotForThisUrl extends Unauthorized {
  constructor() {
    super('The push is not addressed to this URL.');
  }
}

/** Refuses a message push whose `ToUserName` is not the account of the URL it was posted to. */
export async function checkAddressee(appid: string, toUserName: string, userNames: AccountUserNames): Promise<void> {
  const testUserNames = releaseTestAccounts.map((account) => account.userName);
  // WeChat's own docs disagree on which gh_ belongs to which test appid (WECHAT.md §9.1): any of the five.
  if (releaseTestAccounts.some((account) => account.appid === appid)) {
    if (!testUserNames.includes(toUserName)) throw new PushNotForThisUrl();
    return;
  }
  if (testUserNames.includes(toUserName)) throw new PushNotForThisUrl();
  const userName = await userNames.userNameOf(appid);
  if (userName !== undefined && userName !== toUserName) throw new PushNotForThisUrl();
}

/** A delivery already claimed: by which URL, and whether its processing finished. */
export interface SeenDelivery {
  url: string;
  state: 'processing' | 'done';
}

export interface PushSignatureLog {
  /**
   * Claims the signature for `url` unless a live claim holds it (one that has not expired, and, while
   * processing, whose lease has not passed — a lapsed lease is taken over only by the same URL).
   * Returns the claim that holds it otherwise.
   */
  claim(signature: string, claim: { url: string; expiresAt: number; leaseUntil: number; now: number }): Promise<SeenDelivery | 'claimed'>;
  /** Marks the claim done: from now on the signature is a duplicate for good. */
  complete(signature: string, url: string): Promise<void>;
  /** Gives the claim up (the processing failed), so that WeChat's next re-send is processed. */
  release(signature: string, url: string): Promise<void>;
}

export interface PushDeliveryDeps {
  signatures: PushSignatureLog;
  /** Unix seconds. */
  nowSeconds: () => number;
  /** `WECHAT_MAX_CLOCK_SKEW_SECONDS`; 0 when the clock check is off. */
  maxClockSkewSeconds: number;
  log?: { warn(message: string, extra?: object): void };
}

/** Longer than the WeChat functions' timeout (10 s, `infra/catalogue.ts`): a live first delivery is never taken over. */
export const DELIVERY_LEASE_SECONDS = 15;
/** How long a signature is remembered when the clock check is off (no window bounds a replay then). */
export const UNBOUNDED_WINDOW_SECONDS = 86_400;

/**
 * Until when the signature must be remembered: as long as the clock check accepts its timestamp
 * (after that the push is refused before it gets here), or a day when the check is off.
 */
export function replayWindowEnd(timestamp: number, nowSeconds: number, maxClockSkewSeconds: number): number {
  return maxClockSkewSeconds > 0 ? timestamp + maxClockSkewSeconds : nowSeconds + UNBOUNDED_WINDOW_SECONDS;
}

export type Delivery<T> = { kind: 'processed'; result: T } | { kind: 'duplicate' };

/** The processing of the first delivery has not finished: WeChat should send the push again later. */
export class DeliveryInProgress extends DomainError {
  constructor() {
    super('try_again', 'This push is still being processed; send it again shortly.', { headers: { 'Retry-After': String(DELIVERY_LEASE_SECONDS) } });
  }
}

/** Runs `process` for the first delivery of a push only (see the file header). */
export async function deliverOnce<T>(
  push: { signature: string; timestamp: number },
  url: PushUrl,
  deps: PushDeliveryDeps,
  process: () => Promise<T>,
): Promise<Delivery<T>> {
  const key = pushUrlKey(url);
  const now = deps.nowSeconds();
  const expiresAt = Math.max(replayWindowEnd(push.timestamp, now, deps.maxClockSkewSeconds), now + DELIVERY_LEASE_SECONDS);
  const seen = await deps.signatures.claim(push.signature, { url: key, expiresAt, leaseUntil: now + DELIVERY_LEASE_SECONDS, now });
  if (seen !== 'claimed') {
    if (seen.url !== key) throw new PushNotForThisUrl();
    if (seen.state === 'processing') throw new DeliveryInProgress();
    return { kind: 'duplicate' };
  }
  let result: T;
  try {
    result = await process();
  } catch (error) {
    // The processing's own failure is what WeChat gets (a 5xx, so it re-sends); a failed release
    // leaves the claim to its lease.
    await deps.signatures.release(push.signature, key).catch((releaseError: unknown) => {
      deps.log?.warn('Could not release the claim of a push whose processing failed', {
        error: releaseError instanceof Error ? releaseError.name : String(releaseError),
      });
    });
    throw error;
  }
  try {
    await deps.signatures.complete(push.signature, key);
  } catch (error) {
    // Processed: the answer stands. The claim stays `processing` until its lease passes.
    deps.log?.warn('Could not mark a processed push done', { error: error instanceof Error ? error.name : String(error) });
  }
  return { kind: 'processed', result };
}
