import { describe, expect, it } from 'vitest';
import { queuedLinkRequests, tenantFollowerLinks } from '#shared/domain/wecom/link.ts';
import type { CustomerSyncStep, StoredWeComCorp } from '#shared/domain/wecom/ports.ts';

const follower = { appid: 'wx0000000000000001', openid: 'oFollower000000000000000001', unionid: 'uUnion0001' };

function linksFor(corp: Partial<StoredWeComCorp> | undefined) {
  const sent: CustomerSyncStep[] = [];
  const links = tenantFollowerLinks({
    corps: { ofTenant: async () => (corp ? ({ corpId: 'wwcorp1', status: 'installed', customerPermission: true, ...corp } as StoredWeComCorp) : undefined) },
    requests: queuedLinkRequests({ send: async (steps) => void sent.push(...steps) }),
  });
  return { links, sent };
}

describe('followers handed to the WeCom link', () => {
  it('queues a link step for the corp of a tenant that installed it with customer permission', async () => {
    // Prepare
    const { links, sent } = linksFor({});

    // Act
    await links.followersWithUnionid('tenant-1', [follower]);

    // Assess
    expect(sent).toEqual([expect.objectContaining({ type: 'link', corpId: 'wwcorp1', jobId: '', followers: [follower] })]);
  });

  it.each([
    ['has no corp', undefined],
    ['uninstalled its corp', { status: 'uninstalled' as const }],
    ['installed it without customer permission', { customerPermission: false }],
  ])('queues nothing when the tenant %s', async (_case, corp) => {
    // Prepare
    const { links, sent } = linksFor(corp);

    // Act
    await links.followersWithUnionid('tenant-1', [follower]);

    // Assess
    expect(sent).toEqual([]);
  });
});
