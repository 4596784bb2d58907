/**
 * `GET /v1/contacts/{unionid}` with its WeCom side (API.md §7): when the tenant has an installed corp
 * and the link step converted one of the contact's followers, `wecom: { corpId, externalUserId?,
 * pendingId?, followUsers }` — the members following the customer, from the customer as synced.
 */
import type { Caller } from '#shared/auth/caller.ts';
import type { CustomerStore, LinkStore, WeComCorpStore } from '#shared/domain/wecom/ports.ts';

export interface WeComContactPart {
  corpId: string;
  externalUserId?: string;
  pendingId?: string;
  followUsers: string[];
}

export interface ContactWithWeComDeps<C> {
  contacts: { contact(caller: Caller, unionid: string): Promise<C> };
  corps: Pick<WeComCorpStore, 'ofTenant'>;
  links: Pick<LinkStore, 'byUnionid'>;
  customers: Pick<CustomerStore, 'get'>;
}

export class ContactWithWeCom<C extends object> {
  constructor(private readonly deps: ContactWithWeComDeps<C>) {}

  async contact(caller: Caller, unionid: string): Promise<C & { wecom?: WeComContactPart }> {
    const [contact, wecom] = await Promise.all([this.deps.contacts.contact(caller, unionid), this.part(caller.tenantId, unionid)]);
    return wecom ? { ...contact, wecom } : contact;
  }

  private async part(tenantId: string, unionid: string): Promise<WeComContactPart | undefined> {
    const corp = await this.deps.corps.ofTenant(tenantId);
    if (!corp || corp.status !== 'installed') return undefined;
    const links = await this.deps.links.byUnionid(corp.corpId, unionid);
    // One person has one external_userid in a corp whichever account's openid converted it; a link to a customer wins over a pending one.
    const linked = links.find((link) => link.externalUserId) ?? links.find((link) => link.pendingId);
    if (!linked) return undefined;
    if (!linked.externalUserId) return { corpId: corp.corpId, pendingId: linked.pendingId!, followUsers: [] };
    const customer = await this.deps.customers.get(corp.corpId, linked.externalUserId);
    const followUsers = customer && !customer.removedAt ? customer.followUsers.map((follow) => follow.userId) : [];
    return { corpId: corp.corpId, externalUserId: linked.externalUserId, followUsers };
  }
}
