/**
 * The accounts API over HTTP on the local stack: an admin sees its accounts, sets the default,
 * grants accounts to departments, and members see exactly what their departments were granted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '#infra/local/stack.ts';
import { call, ownedAccount } from '#test/e2e/accounts/support.ts';

const TENANT = 't-accounts-api';

describe('the accounts API', () => {
  let stack: LocalStack;
  let admin: string;
  let first: string;
  let second: string;

  const json = (body: unknown) => JSON.stringify(body);

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, inMemory: true, log: () => undefined });
    admin = await stack.consoleToken({ tenant: TENANT, admin: true, sub: 'api-admin' });
    first = await ownedAccount(stack, TENANT);
    second = await ownedAccount(stack, TENANT);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('lists the tenant’s accounts in the Account shape, with capabilities and permission names', async () => {
    // Act
    const answer = await call(stack, { method: 'GET', path: '/v1/accounts', token: admin });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.json.accounts.map((a: { appid: string }) => a.appid)).toEqual([first, second].sort());
    expect(answer.json.accounts[0]).toMatchObject({
      role: 'owner',
      status: 'active',
      serviceType: 'service',
      verified: true,
      isDefault: false,
      plaintextAuthorization: true,
      capabilities: { qrCodes: true, templateMessages: true },
      permissions: expect.arrayContaining([{ id: 1, name: '消息管理' }]),
    });
  });

  it('moves the default from one account to another, so that one account at most is the default', async () => {
    // Prepare
    await call(stack, { method: 'PATCH', path: `/v1/accounts/${first}`, token: admin, body: json({ isDefault: true }) });

    // Act
    const patched = await call(stack, { method: 'PATCH', path: `/v1/accounts/${second}`, token: admin, body: json({ isDefault: true }) });

    // Assess
    const listed = await call(stack, { method: 'GET', path: '/v1/accounts', token: admin });
    expect([patched.status, patched.json.isDefault]).toEqual([200, true]);
    expect(listed.json.accounts.filter((a: { isDefault: boolean }) => a.isDefault).map((a: { appid: string }) => a.appid)).toEqual([second]);
  });

  it('refuses a PATCH that changes nothing with 400 validation_failed', async () => {
    // Act
    const answer = await call(stack, { method: 'PATCH', path: `/v1/accounts/${first}`, token: admin, body: '{}' });

    // Assess
    expect([answer.status, answer.json.error.code]).toEqual([400, 'validation_failed']);
  });

  it('shows a member only the accounts granted to its own departments, and not to their child departments', async () => {
    // Prepare
    await call(stack, { method: 'PUT', path: '/v1/departments/sales/accounts', token: admin, body: json({ appids: [first] }) });
    await call(stack, { method: 'PUT', path: '/v1/departments/ops/accounts', token: admin, body: json({ appids: [second] }) });
    const salesMember = await stack.consoleToken({ tenant: TENANT, departments: ['sales'] });
    const childMember = await stack.consoleToken({ tenant: TENANT, departments: ['sales.east'] });

    // Act
    const sales = await call(stack, { method: 'GET', path: '/v1/accounts', token: salesMember });
    const child = await call(stack, { method: 'GET', path: '/v1/accounts', token: childMember });

    // Assess
    expect(sales.json.accounts.map((a: { appid: string }) => a.appid)).toEqual([first]);
    expect(child.json.accounts).toEqual([]);
  });

  it('answers a department’s grants with the set the last PUT named', async () => {
    // Prepare
    await call(stack, { method: 'PUT', path: '/v1/departments/support/accounts', token: admin, body: json({ appids: [first, second] }) });
    await call(stack, { method: 'PUT', path: '/v1/departments/support/accounts', token: admin, body: json({ appids: [second] }) });

    // Act
    const answer = await call(stack, { method: 'GET', path: '/v1/departments/support/accounts', token: admin });

    // Assess
    expect([answer.status, answer.json]).toEqual([200, { departmentId: 'support', appids: [second] }]);
  });

  it('refuses to grant an account of another tenant with 404 and keeps the department as it was', async () => {
    // Prepare
    const foreign = await ownedAccount(stack, 't-accounts-api-other');
    await call(stack, { method: 'PUT', path: '/v1/departments/legal/accounts', token: admin, body: json({ appids: [first] }) });

    // Act
    const answer = await call(stack, { method: 'PUT', path: '/v1/departments/legal/accounts', token: admin, body: json({ appids: [first, foreign] }) });

    // Assess
    const after = await call(stack, { method: 'GET', path: '/v1/departments/legal/accounts', token: admin });
    expect([answer.status, answer.json.error.code]).toEqual([404, 'not_found']);
    expect(after.json.appids).toEqual([first]);
  });

  it('records settings and grant changes in the audit trail', async () => {
    // Prepare
    await call(stack, { method: 'PATCH', path: `/v1/accounts/${first}`, token: admin, body: json({ plaintextAuthorization: false }) });
    await call(stack, { method: 'PUT', path: '/v1/departments/audited/accounts', token: admin, body: json({ appids: [first] }) });

    // Act
    const answer = await call(stack, { method: 'GET', path: '/v1/audit?limit=100', token: admin });

    // Assess
    const actions = new Set(answer.json.events.map((e: { action: string }) => e.action));
    expect(actions.has('settings.changed') && actions.has('department.grants_changed')).toBe(true);
  });
});
