import { describe, expect, it } from 'vitest';
import type { StoredTenantSettings, TenantDefaults, TenantSettingsStore } from '#shared/domain/tenants/ports.ts';
import { applyChange, effectiveSettings, requireFeature, tenantSettingsReader } from '#shared/domain/tenants/settings.ts';
import { DomainError } from '#shared/errors/domain-errors.ts';

const defaults: TenantDefaults = { accountQuota: 5, bindingPolicy: { requireServiceAccount: true, requireVerified: true, requiredFuncIds: [1, 2, 3] } };
const nothing: StoredTenantSettings = { features: {}, ownedAccounts: 0, version: 0 };

describe("a tenant's effective settings", () => {
  it('says the policy is the tenant’s when only one of its fields is, the others following the defaults', () => {
    // Act
    const settings = effectiveSettings('t-1', { ...nothing, bindingPolicy: { requiredFuncIds: [2] } }, defaults);

    // Assess
    expect(settings.bindingPolicy).toEqual({ requireServiceAccount: true, requireVerified: true, requiredFuncIds: [2], source: 'tenant' });
  });

  it('takes the tenant’s quota over the default one', () => {
    // Act
    const settings = effectiveSettings('t-1', { ...nothing, accountQuota: 40 }, defaults);

    // Assess
    expect([settings.accountQuota, settings.bindingPolicy.source]).toEqual([40, 'default']);
  });
});

describe('a change of the settings', () => {
  it('replaces the tenant’s whole policy, so a field it leaves out follows the default again', () => {
    // Act
    const next = applyChange({ ...nothing, bindingPolicy: { requireVerified: false } }, { bindingPolicy: { requireServiceAccount: false } });

    // Assess
    expect(next.bindingPolicy).toEqual({ requireServiceAccount: false });
  });

  it('clears the policy with an empty one as with null', () => {
    // Act
    const next = applyChange({ ...nothing, bindingPolicy: { requireVerified: false } }, { bindingPolicy: {} });

    // Assess
    expect(next.bindingPolicy).toBeUndefined();
  });

  it('keeps the fields it does not name', () => {
    // Act
    const next = applyChange({ ...nothing, accountQuota: 9, features: { wecom: true } }, { bindingPolicy: { requireVerified: false } });

    // Assess
    expect([next.accountQuota, next.features]).toEqual([9, { wecom: true }]);
  });
});

describe('a feature switch', () => {
  const storeWith = (stored: StoredTenantSettings): TenantSettingsStore => ({ read: async () => stored, write: async () => 'written' });

  it('refuses a feature the tenant does not have with 422 feature_disabled', async () => {
    // Prepare
    const reader = tenantSettingsReader({ store: storeWith(nothing), defaults });

    // Act
    const refusal = await requireFeature(reader, 't-1', 'wecom').catch((error: unknown) => error);

    // Assess
    expect(refusal).toBeInstanceOf(DomainError);
    expect([(refusal as DomainError).code, (refusal as DomainError).statusCode]).toEqual(['feature_disabled', 422]);
  });

  it('lets a tenant use a feature an operator turned on', async () => {
    // Prepare
    const reader = tenantSettingsReader({ store: storeWith({ ...nothing, features: { wecom: true } }), defaults });

    // Act
    const enabled = await reader.featureEnabled('t-1', 'wecom');

    // Assess
    expect(enabled).toBe(true);
  });
});
