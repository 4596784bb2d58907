import { describe, expect, it } from 'vitest';
import type { AccountRecord } from '#shared/domain/accounts/model.ts';
import { planBinding, policyRejection, type BindingPolicy } from '#shared/domain/binding/binding-policy.ts';
import { DomainError } from '#shared/errors/domain-errors.ts';

const strict: BindingPolicy = { requireServiceAccount: true, requireVerified: true, requiredFuncIds: [1, 2, 3] };
const verifiedService = { serviceTypeId: 2, verifyTypeId: 0, funcIds: [1, 2, 3, 7] };

describe('the binding policy', () => {
  it('accepts a verified service account that granted every required permission set', () => {
    // Prepare
    const account = verifiedService;

    // Act
    const rejection = policyRejection(account, strict);

    // Assess
    expect(rejection).toBeUndefined();
  });

  it.each([
    ['a subscription account', 0],
    ['a subscription account upgraded from an old account', 1],
  ])('refuses %s as not_service_account', (_name, serviceTypeId) => {
    // Prepare
    const account = { ...verifiedService, serviceTypeId };

    // Act
    const rejection = policyRejection(account, strict);

    // Assess
    expect(rejection?.code).toBe('not_service_account');
  });

  it('refuses an unverified account as not_verified', () => {
    // Prepare
    const account = { ...verifiedService, verifyTypeId: -1 };

    // Act
    const rejection = policyRejection(account, strict);

    // Assess
    expect(rejection?.code).toBe('not_verified');
  });

  it('counts any verification type (Weibo, qualification) as verified', () => {
    // Prepare
    const account = { ...verifiedService, verifyTypeId: 3 };

    // Act
    const rejection = policyRejection(account, strict);

    // Assess
    expect(rejection).toBeUndefined();
  });

  it('names the missing permission sets by id and in Chinese', () => {
    // Prepare
    const account = { ...verifiedService, funcIds: [1, 7] };

    // Act
    const rejection = policyRejection(account, strict);

    // Assess
    expect([rejection?.code, rejection?.details]).toEqual([
      'missing_permissions',
      {
        missing: [
          { id: 2, name: '用户管理' },
          { id: 3, name: '账号服务' },
        ],
      },
    ]);
  });

  it('says which sets are missing in its message, the way WeChat’s console names them', () => {
    // Prepare
    const account = { ...verifiedService, funcIds: [1, 3] };

    // Act
    const rejection = policyRejection(account, strict);

    // Assess
    expect(rejection?.message).toContain('用户管理 (2)');
  });

  it('names a required set it has no Chinese name for by its id', () => {
    // Prepare
    const policy = { ...strict, requiredFuncIds: [1, 200] };

    // Act
    const rejection = policyRejection(verifiedService, policy);

    // Assess
    expect(rejection?.details).toEqual({ missing: [{ id: 200, name: '权限集 200' }] });
  });

  it('reports the account type before verification when both fail', () => {
    // Prepare
    const account = { serviceTypeId: 0, verifyTypeId: -1, funcIds: [] };

    // Act
    const rejection = policyRejection(account, strict);

    // Assess
    expect(rejection?.code).toBe('not_service_account');
  });

  it('accepts an unverified subscription account when the policy waives both requirements', () => {
    // Prepare
    const lenient: BindingPolicy = { requireServiceAccount: false, requireVerified: false, requiredFuncIds: [1] };

    // Act
    const rejection = policyRejection({ serviceTypeId: 0, verifyTypeId: -1, funcIds: [1] }, lenient);

    // Assess
    expect(rejection).toBeUndefined();
  });
});

describe('planning a binding', () => {
  const account = (overrides: Partial<AccountRecord>): AccountRecord => ({
    appid: 'wx0000000000000001',
    userName: 'gh_000000000001',
    nickname: 'n',
    serviceTypeId: 2,
    verifyTypeId: 0,
    openPay: false,
    funcIds: [1, 2, 3],
    status: 'active',
    ownerTenantId: 't-owner',
    authorizedAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  });

  it('binds an account the hub has never seen as new', () => {
    // Prepare
    const current = undefined;

    // Act
    const plan = planBinding(current, 't-a');

    // Assess
    expect(plan).toEqual({ kind: 'new' });
  });

  it.each(['active', 'revoked', 'reauthorization_required'] as const)('re-authorizes an account the tenant owns while it is %s', (status) => {
    // Prepare
    const current = account({ status, ownerTenantId: 't-a' });

    // Act
    const plan = planBinding(current, 't-a');

    // Assess
    expect(plan).toMatchObject({ kind: 'reauthorize' });
  });

  it.each(['active', 'reauthorization_required'] as const)('refuses an account another tenant holds %s as account_bound_elsewhere', (status) => {
    // Prepare
    const current = account({ status, ownerTenantId: 't-other' });

    // Act
    const plan = planBinding(current, 't-a');

    // Assess
    expect(plan instanceof DomainError && plan.code).toBe('account_bound_elsewhere');
  });

  it.each([
    ['revoked by another tenant', 'revoked', 't-other'],
    ['unbound by another tenant', 'unbound', 't-other'],
    ['unbound by the same tenant', 'unbound', 't-a'],
  ] as const)('takes over an account %s', (_name, status, ownerTenantId) => {
    // Prepare
    const current = account({ status, ownerTenantId });

    // Act
    const plan = planBinding(current, 't-a');

    // Assess
    expect(plan).toMatchObject({ kind: 'takeover' });
  });
});
