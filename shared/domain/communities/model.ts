/**
 * Communities (小区) of the property-management product: a tenant's own ids, each linked to at most
 * one Official Account (where its residents follow) and at most one account's payment interface
 * (where they pay). API.md §3 `Community`. What the use cases need from storage: `ports.ts`.
 */

/** The console's ids: letters, digits and `_ . : @ -`, as department ids. */
export const communityIdPattern = /^[A-Za-z0-9_.:@-]{1,128}$/;

export interface Community {
  communityId: string;
  accountAppId: string | null;
  paymentAppId: string | null;
  updatedAt: string;
}

export const toCommunityView = (record: Community): Community => ({
  communityId: record.communityId,
  accountAppId: record.accountAppId,
  paymentAppId: record.paymentAppId,
  updatedAt: record.updatedAt,
});
