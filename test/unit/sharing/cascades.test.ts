import { describe, expect, it } from 'vitest';
import type { AccountRecord } from '#shared/domain/accounts/model.ts';
import type { LinkedCommunity } from '#shared/domain/communities/ports.ts';
import { whatReleaseTakes, whatUnbindingTakes, type SharingCascadeReads } from '#shared/domain/sharing/cascades.ts';
import { DomainError } from '#shared/errors/domain-errors.ts';

const APPID = 'wx0000000000000001';

function reads(o: { linked?: LinkedCommunity[]; recipients?: string[]; codes?: string[]; owner?: string }): SharingCascadeReads {
  return {
    account: async () => (o.owner ? ({ appid: APPID, ownerTenantId: o.owner } as AccountRecord) : undefined),
    linkedCommunities: async (_appid, tenantId) => (o.linked ?? []).filter((community) => !tenantId || community.tenantId === tenantId),
    recipients: async () => o.recipients ?? [],
    unusedCodes: async () => o.codes ?? [],
  };
}

const community = (tenantId: string, communityId: string): LinkedCommunity => ({ tenantId, communityId, account: true, payment: false });

describe('what unbinding and release take from the sharing area', () => {
  it('takes every community link, the recipients’ links, the unused codes and every involved tenant’s counter with an unbinding', async () => {
    // Act
    const removals = await whatUnbindingTakes(
      APPID,
      reads({ owner: 'owner', recipients: ['r1'], linked: [community('r1', 'c1'), community('other', 'c2')], codes: ['h1', 'h2'] }),
    );

    // Assess
    expect(removals.communityLinks).toHaveLength(2);
    expect(removals.recipientLinks).toEqual(['r1']);
    expect(removals.unusedCodes).toEqual(['h1', 'h2']);
    expect(removals.communityCounters.map((counter) => counter.tenantId).sort()).toEqual(['other', 'owner', 'r1']);
    expect(removals.communityCounters.every((counter) => !counter.onlyIfUnlinked)).toBe(true);
  });

  it('refuses a release with communities_still_linked while the recipient’s communities link to the account', async () => {
    // Act
    const error = await whatReleaseTakes('r1', APPID, reads({ linked: [community('r1', 'c1'), community('other', 'c2')] })).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('communities_still_linked');
    expect((error as DomainError).details).toEqual({ appid: APPID, communities: 1 });
  });

  it('takes only the recipient’s counter with a release, on condition that nothing links', async () => {
    // Act
    const removals = await whatReleaseTakes('r1', APPID, reads({ linked: [community('other', 'c2')] }));

    // Assess
    expect(removals).toEqual({ communityLinks: [], communityCounters: [{ tenantId: 'r1', onlyIfUnlinked: true }], recipientLinks: [], unusedCodes: [] });
  });
});
