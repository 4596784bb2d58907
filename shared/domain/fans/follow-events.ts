/**
 * Subscribe and unsubscribe events pushed to an account's message URL (WECHAT.md §6.4):
 *
 * - `subscribe` creates the follower or subscribes it again, with its profile from `user/info`
 *   (unionid, scene, tags) when WeChat answers in time — the push must be answered within 5 s, so
 *   the profile is best effort and the next sync completes it;
 * - `unsubscribe` marks the follower unsubscribed with the event's time; nothing is ever deleted;
 * - both append to the follower's history, and the follower, the history entry and the account's
 *   fan summary change in one transaction, so WeChat's retries (same FromUserName + CreateTime)
 *   change nothing and a crash leaves nothing half done;
 * - an event older than the newest one applied (retries arrive out of order) is only recorded in
 *   the history;
 * - a follower that appears with a unionid or gains one is handed to `links` once its event is
 *   applied (a queued link step to the tenant's WeCom customers, never a WeCom call); a failure there
 *   is logged and does not fail the push: the next customer sync links the follower.
 */
import type { FollowEvent, FollowEventSink } from '#shared/domain/messages/account-message.ts';
import type { UserInfo } from '#shared/wechat/api-types.ts';
import type { Follower } from '#shared/domain/fans/model.ts';
import type { FollowerLinkRequests, FollowEventStore, FollowEventWrite } from '#shared/domain/fans/ports.ts';

export interface FollowEventsDeps {
  store: FollowEventStore;
  /** `user/info`; may throw or be slow: the caller bounds it. */
  profile(appid: string, openid: string): Promise<UserInfo>;
  /** How long the profile may take before the event is stored without it. */
  profileDeadlineMs?: number;
  /** New unionids of the tenant's followers, queued for the WeCom link (optional: no link without it). */
  links?: FollowerLinkRequests;
  now?: () => Date;
  log?: { warn(message: string, extra?: object): void };
}

const ATTEMPTS = 5;

export class FollowEvents implements FollowEventSink {
  private readonly now: () => Date;

  constructor(private readonly deps: FollowEventsDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async accept(event: FollowEvent): Promise<void> {
    let profile: UserInfo | undefined;
    let profileFetched = false;
    for (let attempt = 1; attempt <= ATTEMPTS; attempt += 1) {
      const snapshot = await this.deps.store.snapshot(event);
      if (snapshot.alreadyRecorded) return;
      const account = snapshot.account;
      // Followers of an account the hub does not hold (or no longer holds) are not the hub's to keep.
      if (!account || account.status === 'unbound') return;

      const previous = snapshot.follower;
      const newer = previous?.lastEventAt === undefined || event.createTime >= previous.lastEventAt;
      if (newer && event.event === 'subscribe' && !profileFetched) {
        profileFetched = true;
        profile = await this.profileInTime(event);
      }
      const receivedAt = this.now().toISOString();
      const write: FollowEventWrite = { event, receivedAt };
      if (newer) {
        const next = nextState(event, previous, { tenantId: account.ownerTenantId, profile, at: receivedAt });
        write.follower = previous ? { next, previous } : { next };
        const summary = {
          total: previous ? 0 : 1,
          subscribed: Number(next.subscribed) - Number(previous?.subscribed ?? false),
        };
        if (summary.total !== 0 || summary.subscribed !== 0) write.summary = summary;
      }
      if (write.summary && !account.hasFanSummary) await this.deps.store.ensureFanSummary(event.appid);

      const outcome = await this.deps.store.apply(write);
      if (outcome === 'applied') await this.linkIfNew(account.ownerTenantId, write.follower);
      if (outcome === 'applied' || outcome === 'duplicate') return;
      if (outcome === 'summary_missing') await this.deps.store.ensureFanSummary(event.appid);
    }
    throw new Error(`The ${event.event} event of a follower of ${event.appid} kept meeting concurrent changes`);
  }

  private async linkIfNew(tenantId: string, change: FollowEventWrite['follower']): Promise<void> {
    const unionid = change?.next.unionid;
    if (!this.deps.links || !change || !unionid || change.previous?.unionid === unionid) return;
    const { appid, openid } = change.next;
    try {
      await this.deps.links.followersWithUnionid(tenantId, [{ appid, openid, unionid }]);
    } catch (error) {
      this.deps.log?.warn('A new follower could not be queued for the WeCom link; the next customer sync links it', {
        appid,
        error: error instanceof Error ? error.name : 'unknown',
      });
    }
  }

  private async profileInTime(event: FollowEvent): Promise<UserInfo | undefined> {
    const deadline = this.deps.profileDeadlineMs ?? 2_500;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.deps.profile(event.appid, event.openid),
        new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), deadline);
        }),
      ]);
    } catch (error) {
      this.deps.log?.warn('user/info failed for a new follower; stored without its profile', {
        appid: event.appid,
        error: error instanceof Error ? error.name : 'unknown',
        ...(typeof (error as { errcode?: unknown }).errcode === 'number' ? { errcode: (error as { errcode: number }).errcode } : {}),
      });
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}

const isoOfSeconds = (seconds: number): string => new Date(seconds * 1000).toISOString();

function nextState(event: FollowEvent, previous: Follower | undefined, context: { tenantId: string; profile: UserInfo | undefined; at: string }): Follower {
  const { profile } = context;
  const next: Follower = {
    ...(previous ?? { appid: event.appid, openid: event.openid, tagIds: [] }),
    tenantId: context.tenantId,
    subscribed: event.event === 'subscribe',
    updatedAt: context.at,
    lastEventAt: event.createTime,
  } as Follower;
  if (event.event === 'subscribe') {
    next.subscribedAt = isoOfSeconds(event.createTime);
    delete next.unsubscribedAt;
    if (profile) {
      if (profile.unionId) next.unionid = profile.unionId;
      next.tagIds = profile.tagIds;
      if (profile.subscribeScene) next.subscribeScene = profile.subscribeScene;
      if (profile.qrScene) next.qrScene = profile.qrScene;
      if (profile.qrSceneStr) next.qrSceneStr = profile.qrSceneStr;
      if (profile.remark) next.remark = profile.remark;
      if (profile.language) next.language = profile.language;
    }
  } else {
    next.unsubscribedAt = isoOfSeconds(event.createTime);
  }
  return next;
}
