/**
 * Right after a binding that kept the default open-platform choice (`openPlatform: 'create'`,
 * API.md §3 ⁺ `POST /v1/authorizations`) and whose account granted set 24 gets an open platform account bound (or created), so that its followers
 * carry a unionid from the first sync.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '#infra/local/stack.ts';
import { bindThroughSimulator } from '#test/e2e/support/binding.ts';

describe('the open platform account after binding', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, inMemory: true, log: () => undefined });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const account = async (tenant: string, appid: string) => {
    const token = await stack.consoleToken({ tenant, admin: true });
    const response = await fetch(`${stack.baseUrl}/v1/accounts/${appid}`, { headers: { authorization: `Bearer ${token}` } });
    return (await response.json()) as { openAppId?: string };
  };

  it('is created when the account granted set 24', async () => {
    // Prepare
    const appid = stack.simulator!.addAccount({ nickname: 'Open after bind', serviceType: 'service', verified: true }).appid;

    // Act
    const { location } = await bindThroughSimulator(stack, { tenant: 'open-auto', appid, funcIds: [1, 2, 3, 24] });

    // Assess
    expect(location.searchParams.get('bind')).toBe('ok');
    expect((await account('open-auto', appid)).openAppId).toMatch(/^wx/);
  });

  it('is left alone when the account did not grant set 24', async () => {
    // Prepare
    const appid = stack.simulator!.addAccount({ nickname: 'No set 24', serviceType: 'service', verified: true }).appid;

    // Act
    const { location } = await bindThroughSimulator(stack, { tenant: 'open-none', appid, funcIds: [1, 2, 3] });

    // Assess
    expect(location.searchParams.get('bind')).toBe('ok');
    expect((await account('open-none', appid)).openAppId).toBeUndefined();
  });
});
