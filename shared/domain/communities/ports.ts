/**
 * What the communities use cases need from storage; the DynamoDB implementation is
 * `shared/adapters/dynamodb/community-store.ts` (a community and its link counters in one
 * conditional transaction), and the sharing cascades read `LinkedCommunity` from it.
 */
import type { AccountReads } from '#shared/domain/accounts/ports.ts';
import type { Community } from '#shared/domain/communities/model.ts';

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
