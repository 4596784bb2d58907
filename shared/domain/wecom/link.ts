/**
 * The link between Official Account followers and WeCom customers (WECOM.md §0, §3.10): WeCom gives a
 * third-party app no customer's unionid, so each follower's `unionid` + `openid` (of an account the
 * tenant owns, an enterprise subject: `subject_type 0`) is converted with
 * `idconvert/unionid_to_external_userid` into the corp's `external_userid`, or a `pending_id` when the
 * person is not (yet) a customer of a member in range. The link is stored per follower; a customer
 * found gets its `follower`.
 *
 * WeCom allows 100 000 conversions an hour per corp (and 10 000 a minute per API): every worker takes
 * its calls from one token bucket per corp held in the table (`RateBucket`), refilled at
 * `LINK_RATE.perSecond` up to `LINK_RATE.capacity`, so that capacity + an hour's refill stays within
 * the hourly limit. A chunk that finds the bucket short waits (its step goes back on the queue,
 * delayed), never calls beyond it.
 *
 * New followers and new customers are linked as they come through `LinkRequests`: a queued `link` step
 * (never inline in a push).
 */
import type {
  CustomerStepQueue,
  CustomerStore,
  LinkCandidate,
  LinkFollowerSource,
  LinkStore,
  RateBucket,
  WeComApi,
  WeComTokenSource,
} from '#shared/domain/wecom/ports.ts';
import { customerFault } from '#shared/domain/wecom/customer-faults.ts';

/** WeCom's hourly limit of `unionid_to_external_userid` per corp (subject_type 0). */
export const LINK_HOURLY_LIMIT = 100_000;
/** 5 000 + 25/s × 3 600 s = 95 000 ≤ 100 000 in any hour; 5 000 + 25 × 60 = 6 500 ≤ 10 000 in any minute. */
export const LINK_RATE = { capacity: 5_000, perSecond: 25 } as const;

/** Conversions of one link step in flight at once. */
export const CONVERSIONS_IN_FLIGHT = 10;

export const linkBucketKey = (corpId: string): string => `link#${corpId}`;

export type LinkOutcome = { kind: 'done'; counts: { linked: number; pending: number; failed: number } } | { kind: 'wait'; delaySeconds: number };

export interface CustomerLinkerDeps {
  wecom: Pick<WeComApi, 'unionidToExternalUserid'>;
  tokens: (corpId: string) => WeComTokenSource;
  bucket: RateBucket;
  links: LinkStore;
  customers: Pick<CustomerStore, 'get' | 'setFollower'>;
  rate?: { capacity: number; perSecond: number };
  now?: () => Date;
}

export class CustomerLinker {
  constructor(private readonly deps: CustomerLinkerDeps) {}

  /** Converts every follower of the chunk, or none when the bucket is short (then how long to wait). */
  async convert(corpId: string, chunk: readonly LinkCandidate[], options: { since?: string } = {}): Promise<LinkOutcome> {
    const now = (this.deps.now ?? (() => new Date()))();
    const counts = { linked: 0, pending: 0, failed: 0 };
    // A redelivered step (its first delivery died part way) converts only what that delivery did not.
    let followers = chunk;
    if (options.since !== undefined) {
      const stored = await this.deps.links.many(corpId, chunk);
      followers = chunk.filter((follower) => {
        const link = stored.get(`${follower.unionid}#${follower.appid}#${follower.openid}`);
        if (!link || link.linkedAt < options.since!) return true;
        if (link.externalUserId) counts.linked += 1;
        else counts.pending += 1;
        return false;
      });
    }
    if (followers.length === 0) return { kind: 'done', counts };
    const taken = await this.deps.bucket.take(linkBucketKey(corpId), followers.length, now.getTime(), this.deps.rate ?? LINK_RATE);
    if (!taken.granted) return { kind: 'wait', delaySeconds: Math.min(900, Math.max(1, Math.ceil(taken.waitMs / 1000))) };
    const token = this.deps.tokens(corpId);
    const at = now.toISOString();
    let next = 0;
    let stopped = false;
    const lane = async () => {
      while (!stopped && next < followers.length) {
        const follower = followers[next++]!;
        let result: { externalUserId?: string; pendingId?: string };
        try {
          result = await this.deps.wecom.unionidToExternalUserid(token, { unionid: follower.unionid, openid: follower.openid, subjectType: 0 });
        } catch (error) {
          // WeCom refused this follower (an unverified subject, an openid of another account): counted, not retried.
          if (customerFault(error) !== 'refused') {
            stopped = true;
            throw error;
          }
          counts.failed += 1;
          continue;
        }
        const link = {
          ...follower,
          corpId,
          linkedAt: at,
          ...(result.externalUserId ? { externalUserId: result.externalUserId } : {}),
          ...(result.pendingId ? { pendingId: result.pendingId } : {}),
        };
        await this.deps.links.put(link);
        if (result.externalUserId) {
          counts.linked += 1;
          if (await this.deps.customers.get(corpId, result.externalUserId)) await this.deps.customers.setFollower(corpId, result.externalUserId, follower);
        } else if (result.pendingId) counts.pending += 1;
        else counts.failed += 1;
      }
    };
    // A few conversions of the chunk side by side (the bucket already holds the chunk's calls).
    // A failure stops the other lanes, which finish their call: nothing runs on after the step failed.
    const lanes = await Promise.allSettled(Array.from({ length: Math.min(CONVERSIONS_IN_FLIGHT, followers.length) }, lane));
    const failure = lanes.find((lane): lane is PromiseRejectedResult => lane.status === 'rejected');
    if (failure) throw failure.reason;
    return { kind: 'done', counts };
  }
}

export interface LinkRequests {
  /** New followers of the tenant's owned accounts (a follow, a fan sync): queued for linking. */
  followersArrived(corpId: string, followers: readonly LinkCandidate[]): Promise<void>;
}

/** The queued side: chunks of `link` steps without a job. */
export function queuedLinkRequests(queue: CustomerStepQueue): LinkRequests {
  return {
    followersArrived: async (corpId, followers) => {
      const steps = [];
      for (let start = 0; start < followers.length; start += 100) {
        steps.push({ type: 'link' as const, corpId, jobId: '', key: `l#arrived#${start}`, followers: followers.slice(start, start + 100) });
      }
      if (steps.length > 0) await queue.send(steps);
    },
  };
}

/** A new customer (`add_external_contact`): the tenant's followers with its unionid, when WeCom gave one, are queued for linking. */
export async function linkNewCustomer(
  deps: { followers: Pick<LinkFollowerSource, 'byUnionid'>; requests: LinkRequests },
  corp: { corpId: string; tenantId: string },
  unionid: string | undefined,
): Promise<void> {
  if (!unionid) return;
  const followers = await deps.followers.byUnionid(corp.tenantId, unionid);
  await deps.requests.followersArrived(corp.corpId, followers);
}
