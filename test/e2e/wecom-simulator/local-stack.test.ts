/**
 * The WeCom simulator inside the local stack: started on its own port, the handlers' WeCom variables
 * (API.md §4) pointing at it, its world kept under the data directory and dropped by `fresh`.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '#infra/local/stack.ts';
import { wecomSimulatorCredentials } from '#infra/local/wecom-simulator/simulator.ts';

const quiet = () => {};

describe('local stack with the WeCom simulator', () => {
  let stack: LocalStack;
  const previousApiBase = process.env.WECOM_API_BASE;

  beforeAll(async () => {
    delete process.env.WECOM_API_BASE;
    stack = await startLocalStack({ port: 0, inMemory: true, simulator: { ticketIntervalMs: 0 }, wecomSimulator: { ticketIntervalMs: 0 }, log: quiet });
  });
  afterAll(async () => {
    await stack?.stop();
    if (previousApiBase !== undefined) process.env.WECOM_API_BASE = previousApiBase;
  });

  it('starts the WeCom simulator on a port of its own and points WECOM_API_BASE and WECOM_OPEN_BASE at it', async () => {
    // Act
    const response = await fetch(`${stack.wecomSimulator?.baseUrl}/__sim/corps`);

    // Assess
    expect(response.status).toBe(200);
    expect(stack.wecomSimulator?.baseUrl).not.toBe(stack.simulator?.baseUrl);
    expect(process.env.WECOM_API_BASE).toBe(stack.wecomSimulator?.baseUrl);
    expect(process.env.WECOM_OPEN_BASE).toBe(stack.wecomSimulator?.baseUrl);
  });

  it('gives the handlers the simulator’s suite and provider credentials, and test installs', async () => {
    // Act
    const provider = await fetch(`${process.env.WECOM_API_BASE}/cgi-bin/service/get_provider_token`, {
      method: 'POST',
      body: JSON.stringify({ corpid: process.env.WECOM_PROVIDER_CORPID, provider_secret: process.env.WECOM_PROVIDER_SECRET }),
    }).then((r) => r.json());

    // Assess
    expect(provider).toMatchObject({ errcode: 0, expires_in: 7200 });
    expect(process.env.WECOM_SUITE_ID).toBe(wecomSimulatorCredentials.suiteId);
    expect(process.env.WECOM_SUITE_SECRET).toBe(wecomSimulatorCredentials.suiteSecret);
    expect(process.env.WECOM_SUITE_TOKEN).toBe(wecomSimulatorCredentials.token);
    expect(process.env.WECOM_SUITE_AES_KEY).toBe(wecomSimulatorCredentials.aesKey);
    expect(process.env.WECOM_AUTH_TYPE).toBe('test');
  });
});

describe('the WeCom simulator’s world under the data directory', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'oa-hub-wecom-stack-'));
  });
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is saved as wecom-simulator.json and started empty again with fresh', async () => {
    // Prepare
    const first = await startLocalStack({ port: 0, dataDir, simulator: { ticketIntervalMs: 0 }, wecomSimulator: { ticketIntervalMs: 0 }, log: quiet });
    const added = first.wecomSimulator!.addCorp({ corpName: 'Kept Corp', members: 2, customers: 3 });
    await first.stop();
    const saved = existsSync(join(dataDir, 'wecom-simulator.json'));

    // Act
    const fresh = await startLocalStack({
      port: 0,
      dataDir,
      fresh: true,
      simulator: { ticketIntervalMs: 0 },
      wecomSimulator: { ticketIntervalMs: 0 },
      log: quiet,
    });
    const afterFresh = fresh.wecomSimulator!.corp(added.corpId);
    await fresh.stop();

    // Assess
    expect(saved).toBe(true);
    expect(afterFresh).toBeUndefined();
  });
});
