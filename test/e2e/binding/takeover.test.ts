/**
 * An account whose owner's authorization WeChat revoked may be bound by another organisation. The old
 * binding then ends exactly as if its owner had unbound it: nothing of it survives the takeover.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '#infra/local/stack.ts';
import { bindThroughSimulator } from '#test/e2e/support/binding.ts';
import { tableSnapshot } from '#test/e2e/support/table-snapshot.ts';

describe('taking over an account whose previous binding WeChat revoked', () => {
  let stack: LocalStack;
  let appid: string;

  const call = async (tenant: string, method: string, path: string, body?: unknown) => {
    const token = await stack.consoleToken({ tenant, admin: true });
    const response = await fetch(`${stack.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, json: (await response.text().then((t) => (t ? JSON.parse(t) : undefined))) as any };
  };

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, inMemory: true, wecomSimulator: { ticketIntervalMs: 0 }, log: () => undefined });
    appid = stack.simulator!.addAccount({ nickname: 'Changing hands', serviceType: 'service', verified: true }).appid;
    await bindThroughSimulator(stack, { tenant: 'old-owner', appid });
    await call('old-owner', 'PATCH', `/v1/accounts/${appid}`, { isDefault: true });
    await call('old-owner', 'PUT', '/v1/departments/sales/accounts', { appids: [appid] });
    await stack.simulator!.revoke(appid);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('binds the account to the new organisation and ends the old binding with its cascade', async () => {
    // Act
    const { location } = await bindThroughSimulator(stack, { tenant: 'new-owner', appid });

    // Assess
    expect(location.searchParams.get('bind')).toBe('ok');
    expect((await call('new-owner', 'GET', `/v1/accounts/${appid}`)).json).toMatchObject({ appid, role: 'owner', status: 'active' });
    expect((await call('old-owner', 'GET', '/v1/accounts')).json.accounts).toEqual([]);
    const oldOwnerItems = (await tableSnapshot(stack.dynamoDbEndpoint, stack.tableName))
      .map((text) => JSON.parse(text) as Record<string, unknown>)
      .filter((item) => item.pk === 'TENANT#old-owner');
    expect(oldOwnerItems.filter((item) => String(item.sk).includes(appid))).toEqual([]);
    expect(oldOwnerItems.find((item) => item.sk === 'TENANT')).toMatchObject({ ownedCount: 0 });
    expect(oldOwnerItems.find((item) => item.sk === 'TENANT')?.defaultAppid).toBeUndefined();
  });

  it('tells the old owner in its audit trail', async () => {
    // Act
    const audit = await call('old-owner', 'GET', '/v1/audit');

    // Assess
    expect(audit.json.events).toContainEqual(expect.objectContaining({ action: 'account.unbound', appid, actor: 'system' }));
  });
});
