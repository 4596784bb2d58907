import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteAccount } from '#shared/domain/accounts/unbind.ts';
import { putCommunity, unlinkCommunities } from '#shared/domain/communities/communities.ts';
import { redeemShareCode } from '#shared/domain/sharing/redeem-share-code.ts';
import { createShareCodes } from '#shared/domain/sharing/share-codes.ts';
import { listShares, revokeShare, revokeShares } from '#shared/domain/sharing/shares.ts';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import { communityKeys } from '#shared/adapters/dynamodb/community-store.ts';
import { grantItem, putItems, seedGrants, seedOwnedAccount } from '#test/support/seed.ts';
import { outcome, sharingWorld, type SharingWorld } from '#test/integration/sharing/support.ts';

describe('revocation, release and unbinding of shared accounts on the embedded engine', () => {
  let world: SharingWorld;
  let counter = 0;
  const newTenant = (label: string) => `t-${label}-${++counter}`;

  /** With WeChat Pay open: the shares below include the payment interface. */
  const ownedAccount = async (owner: string) =>
    (await seedOwnedAccount(world.table.client, world.table.name, owner, { account: { openPay: true }, settings: {} })).account.appid;
  const share = async (owner: string, appid: string, recipient: string, includePayment = true) => {
    const { codes } = await createShareCodes({ tenantId: owner, userId: 'owner-admin', appid, count: 1, includePayment }, world.create);
    await redeemShareCode({ tenantId: recipient, userId: 'recipient-admin', code: codes[0]! }, world.redeem);
  };
  const link = (tenantId: string, communityId: string, accountAppId?: string | null, paymentAppId?: string | null) =>
    putCommunity(
      {
        tenantId,
        userId: 'admin',
        communityId,
        ...(accountAppId !== undefined ? { accountAppId } : {}),
        ...(paymentAppId !== undefined ? { paymentAppId } : {}),
      },
      world.communities,
    );
  /** Every item that still ties anything to the account besides the account's own items. */
  const leftovers = async (appid: string) => {
    const items = await world.scan();
    return items
      .filter(
        (item) =>
          (item.type === 'TenantLink' && item.appid === appid && item.role === 'shared') ||
          (item.type === 'Community' && (item.accountAppId === appid || item.paymentAppId === appid)) ||
          (item.type === 'ShareCode' && item.appid === appid && item.spentAt === undefined) ||
          (item.type === 'CommunityRefs' && item.appid === appid && item.tenantId !== undefined && Number(item.refs) !== 0) ||
          (item.type === 'DepartmentGrant' && item.appid === appid && String(item.tenantId).includes('recipient')),
      )
      .map((item) => `${String(item.type)} ${String(item.pk)} ${String(item.sk)}`);
  };

  beforeAll(async () => {
    world = await sharingWorld('sharing-revocation');
  });

  afterAll(() => {
    world?.table.client.destroy();
  });

  it('revoking every share leaves no recipient link, community link, grant or unused code behind', async () => {
    // Prepare
    const owner = newTenant('owner');
    const appid = await ownedAccount(owner);
    const [first, second] = [newTenant('recipient'), newTenant('recipient')];
    await share(owner, appid, first);
    await share(owner, appid, second);
    await link(first, 'north-gate', appid, appid);
    await link(second, 'south-gate', appid);
    await link(second, 'east-gate', null, appid);
    await seedGrants(world.table.client, world.table.name, first, 'front-desk', [appid]);
    await createShareCodes({ tenantId: owner, userId: 'owner-admin', appid, count: 3, includePayment: true }, world.create);

    // Act
    await revokeShares({ tenantId: owner, userId: 'owner-admin', appid }, world.shares);

    // Assess
    expect(await leftovers(appid)).toEqual([]);
  });

  it('keeps the recipients communities, unlinked, after a revocation', async () => {
    // Prepare
    const owner = newTenant('owner');
    const appid = await ownedAccount(owner);
    const recipient = newTenant('recipient');
    await share(owner, appid, recipient);
    await link(recipient, 'west-gate', appid, appid);

    // Act
    await revokeShares({ tenantId: owner, userId: 'owner-admin', appid }, world.shares);

    // Assess
    const communities = await world.communities.store.communities(recipient);
    expect(communities.map((c) => [c.communityId, c.accountAppId, c.paymentAppId])).toEqual([['west-gate', null, null]]);
  });

  it('revoking one recipient leaves the other recipients and the unused codes alone', async () => {
    // Prepare
    const owner = newTenant('owner');
    const appid = await ownedAccount(owner);
    const [revoked, kept] = [newTenant('recipient'), newTenant('recipient')];
    await share(owner, appid, revoked);
    await share(owner, appid, kept);
    await link(kept, 'kept-gate', appid);
    await createShareCodes({ tenantId: owner, userId: 'owner-admin', appid, count: 2, includePayment: true }, world.create);

    // Act
    await revokeShare({ tenantId: owner, userId: 'owner-admin', appid, recipientTenantId: revoked }, world.shares);

    // Assess
    const shares = await listShares({ tenantId: owner, appid }, world.shares);
    expect(shares.map((s) => [s.tenantId, s.communities])).toEqual([[kept, 1]]);
    expect((await world.indexed('gsi1', `ACCOUNT#${appid}#SHARECODES`)).length).toBe(2);
  });

  it('revokes a recipient with more grants than one transaction holds, taking every grant with the link', async () => {
    // Prepare
    const owner = newTenant('owner');
    const appid = await ownedAccount(owner);
    const recipient = newTenant('recipient');
    await share(owner, appid, recipient);
    await putItems(
      world.table.client,
      world.table.name,
      Array.from({ length: 120 }, (_, i) => grantItem(recipient, `dept-${i}`, appid)),
    );

    // Act
    await revokeShare({ tenantId: owner, userId: 'owner-admin', appid, recipientTenantId: recipient }, world.shares);

    // Assess
    expect(await world.shares.store.link(recipient, appid)).toBeUndefined();
    const grants = (await world.scan()).filter((item) => item.type === 'DepartmentGrant' && item.tenantId === recipient && item.appid === appid);
    expect(grants).toEqual([]);
  });

  it('leaves the link and every grant of a recipient with more grants than one transaction holds when the revocation gives up', async () => {
    // Prepare
    const owner = newTenant('owner');
    const appid = await ownedAccount(owner);
    const recipient = newTenant('recipient');
    await share(owner, appid, recipient);
    await putItems(
      world.table.client,
      world.table.name,
      Array.from({ length: 120 }, (_, i) => grantItem(recipient, `dept-${i}`, appid)),
    );
    // A counter that says a community still links, though none does: every round's transaction is cancelled.
    await world.table.client.send(
      new PutCommand({
        TableName: world.table.name,
        Item: { pk: accountKeys.tenantPk(recipient), sk: communityKeys.refsSk(appid), type: 'CommunityRefs', tenantId: recipient, appid, refs: 1 },
      }),
    );

    // Act
    const answer = await outcome(revokeShare({ tenantId: owner, userId: 'owner-admin', appid, recipientTenantId: recipient }, world.shares));

    // Assess
    expect(answer).toMatch(/^unexpected: /);
    expect(await world.shares.store.link(recipient, appid)).toBeDefined();
    const grants = (await world.scan()).filter((item) => item.type === 'DepartmentGrant' && item.tenantId === recipient && item.appid === appid);
    expect(grants).toHaveLength(120);
  });

  it('lists each recipient with the number of its communities linked to the account or its payment interface', async () => {
    // Prepare
    const owner = newTenant('owner');
    const appid = await ownedAccount(owner);
    const recipient = newTenant('recipient');
    await share(owner, appid, recipient, false);
    await link(recipient, 'a', appid);
    await link(recipient, 'b', appid);
    await link(owner, 'own', appid, appid);

    // Act
    const shares = await listShares({ tenantId: owner, appid }, world.shares);

    // Assess
    expect(shares.map((s) => [s.tenantId, s.includePayment, s.communities])).toEqual([[recipient, false, 2]]);
  });

  describe('release', () => {
    it('refuses a recipient whose community still links to the payment interface with communities_still_linked', async () => {
      // Prepare
      const owner = newTenant('owner');
      const appid = await ownedAccount(owner);
      const recipient = newTenant('recipient');
      await share(owner, appid, recipient);
      await link(recipient, 'pay-gate', null, appid);

      // Act
      const answer = await outcome(deleteAccount({ tenantId: recipient, userId: 'recipient-admin', appid }, world.unbind));

      // Assess
      expect(answer).toBe('communities_still_linked');
      expect(await world.shares.store.link(recipient, appid)).toBeDefined();
    });

    it('releases the share once the recipient unlinked its communities', async () => {
      // Prepare
      const owner = newTenant('owner');
      const appid = await ownedAccount(owner);
      const recipient = newTenant('recipient');
      await share(owner, appid, recipient);
      await link(recipient, 'gate', appid, appid);
      await unlinkCommunities({ tenantId: recipient, userId: 'recipient-admin', appid }, world.communities);

      // Act
      const answer = await outcome(deleteAccount({ tenantId: recipient, userId: 'recipient-admin', appid }, world.unbind));

      // Assess
      expect(answer).toBe('resolved');
      expect(await leftovers(appid)).toEqual([]);
    });
  });

  describe('unlinking every community', () => {
    it('lets the owner unlink every tenant community from the account and its payment interface', async () => {
      // Prepare
      const owner = newTenant('owner');
      const appid = await ownedAccount(owner);
      const recipient = newTenant('recipient');
      await share(owner, appid, recipient);
      await link(recipient, 'r1', appid, appid);
      await link(recipient, 'r2', null, appid);
      await link(owner, 'o1', appid);

      // Act
      const { unlinked } = await unlinkCommunities({ tenantId: owner, userId: 'owner-admin', appid }, world.communities);

      // Assess
      expect(unlinked).toBe(3);
      expect(
        (await world.indexed('gsi1', `ACCOUNT#${appid}#COMMUNITIES`)).length + (await world.indexed('gsi2', `ACCOUNT#${appid}#PAYMENT_COMMUNITIES`)).length,
      ).toBe(0);
    });

    it('lets a recipient unlink only its own communities', async () => {
      // Prepare
      const owner = newTenant('owner');
      const appid = await ownedAccount(owner);
      const recipient = newTenant('recipient');
      await share(owner, appid, recipient);
      await link(recipient, 'mine', appid);
      await link(owner, 'owners', appid);

      // Act
      await unlinkCommunities({ tenantId: recipient, userId: 'recipient-admin', appid }, world.communities);

      // Assess
      expect((await world.indexed('gsi1', `ACCOUNT#${appid}#COMMUNITIES`)).map((item) => item.communityId)).toEqual(['owners']);
    });

    it('unlinks more communities than one transaction holds', async () => {
      // Prepare
      const owner = newTenant('owner');
      const appid = await ownedAccount(owner);
      for (let i = 0; i < 130; i++) await link(owner, `block-${i}`, appid);

      // Act
      const { unlinked } = await unlinkCommunities({ tenantId: owner, userId: 'owner-admin', appid }, world.communities);

      // Assess
      expect(unlinked).toBe(130);
      expect((await world.indexed('gsi1', `ACCOUNT#${appid}#COMMUNITIES`)).length).toBe(0);
    });
  });

  it('unbinding takes the shares, their community and payment links and the unused codes with it', async () => {
    // Prepare
    const owner = newTenant('owner');
    const appid = await ownedAccount(owner);
    const recipient = newTenant('recipient');
    await share(owner, appid, recipient);
    await link(recipient, 'gate', appid, appid);
    await link(owner, 'own-gate', appid, appid);
    await createShareCodes({ tenantId: owner, userId: 'owner-admin', appid, count: 2, includePayment: true }, world.create);
    await seedOwnedAccount(world.table.client, world.table.name, owner, { appid, account: { status: 'revoked' } });

    // Act
    const answer = await outcome(deleteAccount({ tenantId: owner, userId: 'owner-admin', appid }, world.unbind));

    // Assess
    expect(answer).toBe('resolved');
    expect(await leftovers(appid)).toEqual([]);
    expect(await world.shares.store.link(owner, appid)).toBeUndefined();
  });

  it('refuses a code that a revocation deleted with share_code_invalid', async () => {
    // Prepare
    const owner = newTenant('owner');
    const appid = await ownedAccount(owner);
    const { codes } = await createShareCodes({ tenantId: owner, userId: 'owner-admin', appid, count: 1, includePayment: true }, world.create);
    await revokeShares({ tenantId: owner, userId: 'owner-admin', appid }, world.shares);

    // Act
    const answer = await outcome(redeemShareCode({ tenantId: newTenant('late'), userId: 'x', code: codes[0]! }, world.redeem));

    // Assess
    expect(answer).toBe('share_code_invalid');
  });
});
