import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listCommunities, putCommunity } from '#shared/domain/communities/communities.ts';
import { seedOwnedAccount, seedSharedLink } from '#test/support/seed.ts';
import { outcome, sharingWorld, type SharingWorld } from '#test/integration/sharing/support.ts';

describe('communities and their account and payment links on the embedded engine', () => {
  let world: SharingWorld;
  let counter = 0;
  const newTenant = (label: string) => `t-${label}-${++counter}`;
  const ownedAccount = async (owner: string, status: 'active' | 'revoked' = 'active') =>
    (await seedOwnedAccount(world.table.client, world.table.name, owner, { account: { status } })).account.appid;
  const put = (tenantId: string, communityId: string, change: { accountAppId?: string | null; paymentAppId?: string | null }) =>
    putCommunity({ tenantId, userId: 'admin', communityId, ...change }, world.communities);

  beforeAll(async () => {
    world = await sharingWorld('communities');
  });

  afterAll(() => {
    world?.table.client.destroy();
  });

  it('creates a community on first use, linked to an owned account and its payment interface', async () => {
    // Prepare
    const tenant = newTenant('owner');
    const appid = await ownedAccount(tenant);

    // Act
    await put(tenant, 'harbour-view', { accountAppId: appid, paymentAppId: appid });

    // Assess
    const listed = await listCommunities(tenant, world.communities);
    expect(listed.map((c) => [c.communityId, c.accountAppId, c.paymentAppId])).toEqual([['harbour-view', appid, appid]]);
  });

  it('leaves a link alone when its field is absent and unlinks it when it is null', async () => {
    // Prepare
    const tenant = newTenant('owner');
    const appid = await ownedAccount(tenant);
    await put(tenant, 'garden', { accountAppId: appid, paymentAppId: appid });

    // Act
    const community = await put(tenant, 'garden', { paymentAppId: null });

    // Assess
    expect([community.accountAppId, community.paymentAppId]).toEqual([appid, null]);
  });

  it('refuses the payment interface of a share without payment with forbidden', async () => {
    // Prepare
    const owner = newTenant('owner');
    const recipient = newTenant('recipient');
    const appid = await ownedAccount(owner);
    await seedSharedLink(world.table.client, world.table.name, recipient, appid, { includePayment: false });

    // Act
    const answer = await outcome(put(recipient, 'tower', { paymentAppId: appid }));

    // Assess
    expect(answer).toBe('forbidden');
    expect(await listCommunities(recipient, world.communities)).toEqual([]);
  });

  it('links a recipient community to a shared account and, with includePayment, to its payment interface', async () => {
    // Prepare
    const owner = newTenant('owner');
    const recipient = newTenant('recipient');
    const appid = await ownedAccount(owner);
    await seedSharedLink(world.table.client, world.table.name, recipient, appid, { includePayment: true });

    // Act
    const answer = await outcome(put(recipient, 'tower', { accountAppId: appid, paymentAppId: appid }));

    // Assess
    expect(answer).toBe('resolved');
  });

  it('refuses an account the tenant does not hold with not_found', async () => {
    // Prepare
    const appid = await ownedAccount(newTenant('owner'));

    // Act
    const answer = await outcome(put(newTenant('stranger'), 'plaza', { accountAppId: appid }));

    // Assess
    expect(answer).toBe('not_found');
  });

  it('refuses a revoked account with account_not_active', async () => {
    // Prepare
    const tenant = newTenant('owner');
    const appid = await ownedAccount(tenant, 'revoked');

    // Act
    const answer = await outcome(put(tenant, 'plaza', { accountAppId: appid }));

    // Assess
    expect(answer).toBe('account_not_active');
  });

  it('keeps the count of links of concurrent changes to one community consistent', async () => {
    // Prepare
    const tenant = newTenant('owner');
    const [first, second] = [await ownedAccount(tenant), await ownedAccount(tenant)];

    // Act
    await Promise.all(Array.from({ length: 10 }, (_, i) => outcome(put(tenant, 'contested', { accountAppId: i % 2 === 0 ? first : second }))));

    // Assess
    const [community] = await listCommunities(tenant, world.communities);
    const refs = (await world.scan()).filter((item) => item.type === 'CommunityRefs' && item.tenantId === tenant);
    const count = (appid: string) => Number(refs.find((item) => item.appid === appid)?.refs ?? 0);
    expect([count(first), count(second)]).toEqual([community!.accountAppId === first ? 1 : 0, community!.accountAppId === second ? 1 : 0]);
  });
});
