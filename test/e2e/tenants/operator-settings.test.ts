/**
 * The tenant settings routes through the local gateway (API.md §3 ⁺): an operator reads and changes
 * any tenant's settings, the tenant's admin reads them (`GET /v1/tenant`) and finds the change in its
 * audit trail as `operator:<sub>`; a body that fails its schema is a 400 that changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '#infra/local/stack.ts';
import { call } from '#test/e2e/accounts/support.ts';

describe('the tenant settings routes', () => {
  let stack: LocalStack;
  let operator: string;
  let admin: string;

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, inMemory: true, log: () => undefined });
    operator = await stack.operatorToken({ sub: 'ops-e2e' });
    admin = await stack.consoleToken({ tenant: 't-settings-e2e', admin: true });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const patch = (tenantId: string, body: unknown) =>
    call(stack, { method: 'PATCH', path: `/v1/operator/tenants/${tenantId}`, token: operator, body: JSON.stringify(body) });

  it('answers the deployment defaults for a tenant the hub knows nothing of', async () => {
    // Act
    const answer = await call(stack, { method: 'GET', path: '/v1/operator/tenants/t-never-seen', token: operator });

    // Assess
    expect([answer.status, answer.json]).toEqual([
      200,
      {
        tenantId: 't-never-seen',
        accountQuota: 5,
        ownedAccounts: 0,
        bindingPolicy: { requireServiceAccount: true, requireVerified: true, requiredFuncIds: [1, 2, 3], source: 'default' },
        features: { wecom: false },
      },
    ]);
  });

  it('shows the tenant admin what an operator set, and the change in its audit trail as operator:<sub>', async () => {
    // Prepare
    const changed = await patch('t-settings-e2e', { accountQuota: 12, bindingPolicy: { requireServiceAccount: false }, features: { wecom: true } });

    // Act
    const own = await call(stack, { method: 'GET', path: '/v1/tenant', token: admin });
    const audit = await call(stack, { method: 'GET', path: '/v1/audit', token: admin });

    // Assess
    expect(changed.status).toBe(200);
    expect(own.json).toEqual(changed.json);
    expect(own.json).toMatchObject({
      accountQuota: 12,
      bindingPolicy: { requireServiceAccount: false, requireVerified: true, source: 'tenant' },
      features: { wecom: true },
    });
    expect(audit.json.events[0]).toMatchObject({ actor: 'operator:ops-e2e', action: 'tenant.settings_changed' });
  });

  it.each([
    ['a quota of 0', { accountQuota: 0 }, 'body.accountQuota'],
    ['a quota over 1000', { accountQuota: 1001 }, 'body.accountQuota'],
    ['a fractional quota', { accountQuota: 2.5 }, 'body.accountQuota'],
    ['an unknown policy field', { bindingPolicy: { requireEverything: true } }, 'body.bindingPolicy'],
    ['a permission set that is not a number', { bindingPolicy: { requiredFuncIds: ['1'] } }, 'body.bindingPolicy.requiredFuncIds.0'],
    ['an unknown feature', { features: { payroll: true } }, 'body.features'],
    ['a valid quota beside an unknown field', { accountQuota: 9, plan: 'gold' }, 'body'],
  ])('refuses %s with 400 validation_failed and changes nothing', async (_case, body, field) => {
    // Prepare
    const before = await call(stack, { method: 'GET', path: '/v1/operator/tenants/t-refused-e2e', token: operator });

    // Act
    const answer = await patch('t-refused-e2e', body);

    // Assess
    const after = await call(stack, { method: 'GET', path: '/v1/operator/tenants/t-refused-e2e', token: operator });
    const fields = ((answer.json?.error?.details?.fields ?? []) as { field: string }[]).map((f) => f.field);
    expect([answer.status, answer.json?.error?.code, fields.some((f) => f.startsWith(field))]).toEqual([400, 'validation_failed', true]);
    expect(after.json).toEqual(before.json);
  });

  it('refuses a tenant id that tokens cannot carry with 400 validation_failed', async () => {
    // Act
    const answer = await call(stack, { method: 'GET', path: '/v1/operator/tenants/a%23b', token: operator });

    // Assess
    expect([answer.status, answer.json?.error?.code]).toEqual([400, 'validation_failed']);
  });
});
