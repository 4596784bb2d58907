/**
 * Communities (小区) of the property-management product: a tenant's own ids, each linked to at most
 * one Official Account (where its residents follow) and at most one account's payment interface
 * (where they pay). API.md §3 `Community`.
 */
import type { AccountReads } from '#shared/domain/accounts/ports.ts';

/** The console's ids: letters, digits and `_ . : @ -`, as department ids. */
export const communityIdPattern = /^[A-Za-z0-9_.:@-]{1,128}$/;

export interface Community {
  communityId: string;
  accountAppId: string | null;
  paymentAppId: string | null;
  updatedAt: string;
}

export interface CommunityRecord extends Community {
  tenantId: string;
  /** Bumped by every write: the next write is conditional on it (optimistic concurrency). */
  version: number;
}

/**
 * What a newly linked appid requires of the tenant's link when the write lands: the link still
 * there (an owner's with the account still its own), the account active, and for the payment
 * interface an owner's link or a share that includes payment.
 */
export interface LinkRequirement {
  appid: string;
  role: 'owner' | 'shared';
  payment: boolean;
}

export interface CommunityWrite {
  tenantId: string;
  communityId: string;
  /** The record the change was computed from; absent for a new community. */
  before?: CommunityRecord;
  accountAppId: string | null;
  paymentAppId: string | null;
  at: string;
  requirements: LinkRequirement[];
}

/** A community's links to one appid (to the account, to its payment interface, or both). */
export interface LinkedCommunity {
  tenantId: string;
  communityId: string;
  account: boolean;
  payment: boolean;
}

export interface CommunityStore extends AccountReads {
  communities(tenantId: string): Promise<Community[]>;
  community(tenantId: string, communityId: string): Promise<CommunityRecord | undefined>;
  /** `changed` when the community, a required link or account is no longer as read. */
  write(change: CommunityWrite): Promise<'written' | 'changed'>;
  /** Unlinks every community — only `tenantId`'s when given — from the account and its payment interface; how many communities changed. */
  unlinkAll(appid: string, tenantId?: string): Promise<number>;
}

export const toCommunityView = (record: Community): Community => ({
  communityId: record.communityId,
  accountAppId: record.accountAppId,
  paymentAppId: record.paymentAppId,
  updatedAt: record.updatedAt,
});
