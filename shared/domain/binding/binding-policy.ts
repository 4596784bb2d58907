/**
 * The binding policy (DESIGN.md §3 "Binding", API.md §1): which accounts a tenant may bind, and how
 * a binding is written given the account's current owner. Pure decisions, no I/O. The policy applied
 * is the tenant's effective one (`shared/domain/tenants/settings.ts`: the operator's fields over the
 * deployment's `BIND_*` defaults), read once by the callback.
 */
import type { AccountRecord } from '#shared/domain/accounts/model.ts';
import { isVerified, serviceTypeOf } from '#shared/domain/accounts/model.ts';
import { DomainError } from '#shared/errors/domain-errors.ts';
import { permissionSet } from '#shared/wechat/permission-sets.ts';
import type { BindingPlan } from '#shared/domain/binding/ports.ts';
import type { BindingPolicy } from '#shared/domain/tenants/ports.ts';

export type { BindingPolicy } from '#shared/domain/tenants/ports.ts';

/** Why the policy refuses an account, or `undefined` when it may be bound. Type first, then verification, then permissions. */
export function policyRejection(
  account: { serviceTypeId: number; verifyTypeId: number; funcIds: readonly number[] },
  policy: BindingPolicy,
): DomainError | undefined {
  if (policy.requireServiceAccount && serviceTypeOf(account.serviceTypeId) !== 'service') {
    return new DomainError('not_service_account', 'Only service accounts (服务号) can be bound; this is a subscription account (订阅号).', {
      details: { serviceTypeId: account.serviceTypeId },
    });
  }
  if (policy.requireVerified && !isVerified(account.verifyTypeId)) {
    return new DomainError('not_verified', 'Only verified accounts (已认证) can be bound; complete WeChat verification first.', {
      details: { verifyTypeId: account.verifyTypeId },
    });
  }
  const granted = new Set(account.funcIds);
  const missing = [...new Set(policy.requiredFuncIds)]
    .filter((id) => !granted.has(id))
    .sort((a, b) => a - b)
    .map(permissionSet);
  if (missing.length > 0) {
    return new DomainError(
      'missing_permissions',
      `The account did not grant: ${missing.map((set) => `${set.name} (${set.id})`).join(', ')}. Authorize again and keep these permission sets ticked.`,
      { details: { missing } },
    );
  }
  return undefined;
}

export const accountBoundElsewhere = () =>
  new DomainError('account_bound_elsewhere', 'This Official Account is already bound by another organisation. It must be unbound there first.');

export const accountQuotaExceeded = (quota?: number) =>
  new DomainError(
    'account_quota_exceeded',
    'Your organisation already owns its maximum number of bound accounts. Unbind one or ask for a higher quota.',
    quota === undefined ? {} : { details: { quota } },
  );

/**
 * How `tenantId` binds the account, given what is stored about it:
 * - nothing stored → a new binding;
 * - the tenant owns it and has not unbound it → a re-authorization (an update, not an error);
 * - its binding is over (`revoked` or `unbound`) → a takeover by this tenant;
 * - another tenant holds it (`active`, or `reauthorization_required`) → `account_bound_elsewhere`.
 */
export function planBinding(current: AccountRecord | undefined, tenantId: string): BindingPlan | DomainError {
  if (!current) return { kind: 'new' };
  if (current.ownerTenantId === tenantId && current.status !== 'unbound') return { kind: 'reauthorize', previous: current };
  if (current.status === 'revoked' || current.status === 'unbound') return { kind: 'takeover', previous: current };
  return accountBoundElsewhere();
}
