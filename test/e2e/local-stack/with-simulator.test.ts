import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '#infra/local/stack.ts';
import { simulatorCredentials } from '#infra/local/wechat-simulator/simulator.ts';

describe('local stack with the WeChat simulator', () => {
  let stack: LocalStack;
  const logs: string[] = [];
  const previousApiBase = process.env.WECHAT_API_BASE;

  beforeAll(async () => {
    delete process.env.WECHAT_API_BASE;
    stack = await startLocalStack({ port: 0, inMemory: true, simulator: { ticketIntervalMs: 0 }, log: (line) => logs.push(line) });
  });
  afterAll(async () => {
    await stack?.stop();
    if (previousApiBase !== undefined) process.env.WECHAT_API_BASE = previousApiBase;
  });

  it('starts the simulator by default and points the handlers’ WeChat at it', async () => {
    // Act
    const response = await fetch(`${stack.simulator?.baseUrl}/__sim/accounts`);

    // Assess
    expect(response.status).toBe(200);
    expect(process.env.WECHAT_API_BASE).toBe(stack.simulator?.baseUrl);
    expect(process.env.WECHAT_MP_BASE).toBe(stack.simulator?.baseUrl);
  });

  it('gives the handlers the simulator’s component credentials', () => {
    // Assess
    expect(process.env.WECHAT_COMPONENT_APPID).toBe(simulatorCredentials.componentAppId);
    expect(process.env.WECHAT_COMPONENT_TOKEN).toBe(simulatorCredentials.token);
  });

  it('receives the simulator’s ticket push on the component route', async () => {
    // Act
    await stack.simulator?.pushTicket();

    // Assess
    expect(logs).toContainEqual(expect.stringMatching(/^POST \/v1\/wechat\/component 200 /));
  });

  it('links the console page to the simulator', async () => {
    // Act
    const page = await (await fetch(`${stack.baseUrl}/console`)).text();

    // Assess
    expect(page).toContain(`${stack.simulator?.baseUrl}/__sim/accounts`);
  });

  // Last: it stops the stack that the tests above share.
  it('stops the simulator and gives the environment back when the stack stops', async () => {
    // Prepare
    const simulatorUrl = stack.simulator?.baseUrl;

    // Act
    await stack.stop();

    // Assess
    await expect(fetch(`${simulatorUrl}/__sim/accounts`)).rejects.toThrow();
    expect(process.env.WECHAT_API_BASE).toBeUndefined();
  });
});
