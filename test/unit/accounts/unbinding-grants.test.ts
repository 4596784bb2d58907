import { describe, expect, it } from 'vitest';
import { grantsReleaseTakes, grantsUnbindingTakes, type GrantCascadeReads } from '#shared/domain/accounts/unbind.ts';

const APPID = 'wx0000000000000001';

function reads(grants: Record<string, string[]>): GrantCascadeReads {
  return {
    linkedTenants: async () => Object.keys(grants),
    grantedDepartments: async (tenantId) => grants[tenantId] ?? [],
  };
}

describe('what unbinding and release take from the departments', () => {
  it('takes the account’s grants in the owner’s and in every recipient’s tenant with an unbinding', async () => {
    // Act
    const removals = await grantsUnbindingTakes(APPID, reads({ owner: ['sales', 'ops'], r1: ['front-desk'], r2: [] }));

    // Assess
    expect(removals).toEqual([
      { tenantId: 'owner', departmentId: 'sales' },
      { tenantId: 'owner', departmentId: 'ops' },
      { tenantId: 'r1', departmentId: 'front-desk' },
    ]);
  });

  it('takes only the releasing recipient’s grants with a release', async () => {
    // Act
    const removals = await grantsReleaseTakes('r1', APPID, reads({ owner: ['sales'], r1: ['front-desk'] }));

    // Assess
    expect(removals).toEqual([{ tenantId: 'r1', departmentId: 'front-desk' }]);
  });
});
