/**
 * WeCom's pushes about customers, applied (the seams `WeComCustomerChanges` and `WeComCorpData` of
 * `ports.ts`, WECOM.md §2.7; the event worker has already de-duplicated the push by its key):
 *
 * - `change_external_contact`: events are hints. `add_external_contact`, `add_half_external_contact`,
 *   `edit_external_contact` and `del_follow_user` re-read the customer with `externalcontact/get`
 *   (every follow-user page) and store it as WeCom shows it now: the member of a `del_follow_user` is
 *   then dropped, and also dropped when WeCom still lists it right after a `del_external_contact`.
 *   A customer WeCom no longer knows (84061) or one with no follow user left is marked removed.
 *   A new customer with a unionid (older corps) is queued for linking. `transfer_fail` changes nothing.
 *   Every applied change publishes `WeCom Customer Changed` (API.md §6; no secret in it, its eventId
 *   the same for WeCom's repeats of one push).
 * - `change_auth`: members that left the visible range lose their follow info on every customer.
 * - `change_contact`: member edits; nothing the customers keep.
 * - `DELETE /v1/wecom/corp`: the corp's customers, links and jobs go with it.
 */
import { createHash } from 'node:crypto';
import type {
  CustomerDataRemoval,
  CustomerEvents,
  CustomerStore,
  VisibleRange,
  WeComApi,
  WeComCallbackEvent,
  WeComCorpData,
  WeComCustomerChanges,
  WeComTokenSource,
} from '#shared/domain/wecom/ports.ts';
import { customerFault } from '#shared/domain/wecom/customer-faults.ts';
import { linkNewCustomer, type LinkRequests } from '#shared/domain/wecom/link.ts';
import type { LinkFollowerSource } from '#shared/domain/wecom/ports.ts';

type ExternalContactEvent = Extract<WeComCallbackEvent, { infoType: 'change_external_contact' }>;

/** WeCom's "not an external contact (any more)". */
const GONE_ERRCODES: ReadonlySet<number> = new Set([84061, 40096]);

export interface CustomerChangeDeps {
  wecom: Pick<WeComApi, 'getExternalContact'>;
  tokens: (corpId: string) => WeComTokenSource;
  customers: CustomerStore;
  followers: Pick<LinkFollowerSource, 'byUnionid'>;
  links: LinkRequests;
  events: CustomerEvents;
  /** The users the visible range names directly (departments and tags are resolved by WeCom: their members' follow info stays until the next sync). */
  now?: () => Date;
}

/** The eventId of one push: the same for each of WeCom's deliveries of it. */
export function customerChangedEventId(event: ExternalContactEvent): string {
  const parts = [event.authCorpId, event.changeType, event.externalUserId ?? '', event.userId ?? '', String(event.timeStamp)];
  return `wecom:${createHash('sha256').update(parts.join('|')).digest('hex')}`;
}

export class CustomerChanges implements WeComCustomerChanges {
  constructor(private readonly deps: CustomerChangeDeps) {}

  async externalContactChanged(corp: { corpId: string; tenantId: string }, event: ExternalContactEvent): Promise<void> {
    const { corpId } = corp;
    const externalUserId = event.externalUserId;
    if (!externalUserId || event.changeType === 'transfer_fail') return;
    const at = (this.deps.now ?? (() => new Date()))().toISOString();
    const current = await this.reread(corpId, externalUserId);
    let unionid: string | undefined;
    if (!current || current.follows.length === 0) await this.deps.customers.markRemoved(corpId, externalUserId, at);
    else {
      const follows =
        event.changeType === 'del_external_contact' && event.userId ? current.follows.filter((follow) => follow.userid !== event.userId) : current.follows;
      await this.deps.customers.upsert(corpId, [{ contact: current.contact, follows }], { at });
      // WeCom's list replaces ours: a member it no longer lists (or just deleted) goes.
      const stored = await this.deps.customers.get(corpId, externalUserId);
      const kept = new Set(follows.map((follow) => follow.userid));
      for (const follow of stored?.followUsers ?? [])
        if (!kept.has(follow.userId)) await this.deps.customers.dropFollow(corpId, externalUserId, follow.userId, at);
      if (follows.length === 0) await this.deps.customers.markRemoved(corpId, externalUserId, at);
      unionid = current.contact.unionid;
      if (event.changeType === 'add_external_contact' || event.changeType === 'add_half_external_contact') {
        await linkNewCustomer({ followers: this.deps.followers, requests: this.deps.links }, corp, unionid);
      }
    }
    await this.deps.events.customerChanged({
      eventId: customerChangedEventId(event),
      corpId,
      tenantId: corp.tenantId,
      changeType: event.changeType,
      externalUserId,
      ...(event.userId ? { userId: event.userId } : {}),
      ...(unionid ? { unionid } : {}),
      at,
    });
  }

  async contactChanged(): Promise<void> {
    // Member edits (change_contact) change nothing the customers keep; a member leaving the range comes as change_auth.
  }

  async visibleRangeChanged(corp: { corpId: string; tenantId: string }, before: VisibleRange, after: VisibleRange): Promise<void> {
    const left = new Set(before.users.filter((user) => !after.users.includes(user)));
    if (left.size === 0) return;
    await this.deps.customers.dropFollowsOf(corp.corpId, left, (this.deps.now ?? (() => new Date()))().toISOString());
  }

  /** The customer as WeCom shows it now, every follow-user page; undefined when WeCom no longer knows it. */
  private async reread(corpId: string, externalUserId: string) {
    const token = this.deps.tokens(corpId);
    let cursor: string | undefined;
    let contact;
    const follows = [];
    do {
      try {
        const page = await this.deps.wecom.getExternalContact(token, { externalUserId, ...(cursor ? { cursor } : {}) });
        contact = page.externalContact;
        follows.push(...page.followUsers);
        cursor = page.nextCursor || undefined;
      } catch (error) {
        const errcode = (error as { errcode?: unknown }).errcode;
        if (customerFault(error) === 'refused' && typeof errcode === 'number' && GONE_ERRCODES.has(errcode)) return undefined;
        throw error;
      }
    } while (cursor);
    return contact ? { contact, follows } : undefined;
  }
}

/** `WeComCorpData` for the corp store's removal. */
export function customerCorpData(removal: CustomerDataRemoval): WeComCorpData {
  return { removeAll: (corpId) => removal.removeAll(corpId) };
}
