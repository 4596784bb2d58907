import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, stopCli, type RunningCli } from './support.ts';

describe('npm start as a process', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'oa-hub-start-'));
  // A fresh environment: the test runner's variables must not leak into the CLI's defaults.
  const env = { PORT: '0', LOCAL_JWT_SECRET: '', DYNAMODB_ENDPOINT: '', WECHAT_API_BASE: '', PUBLIC_BASE_URL: '', CONSOLE_URL: '' };
  let started: RunningCli;
  let readyLine: string;
  let gatewayUrl: string;

  beforeAll(async () => {
    started = startCli('bin/start.ts', ['--fresh', '--data-dir', dataDir], env);
    readyLine = await started.waitForLine(/ready/);
    gatewayUrl = /gateway\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(started.output())?.[1] ?? '';
  });
  afterAll(async () => {
    await stopCli(started);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints each URL and then a ready line telling how to mint a token', () => {
    // Assess
    const output = started.output();
    expect(output).toMatch(/console\s+http:\/\/127\.0\.0\.1:\d+\/console/);
    expect(output).toMatch(/WeChat push URL\s+http:\/\/127\.0\.0\.1:\d+\/v1\/wechat\/component/);
    expect(output).toMatch(/DynamoDB\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(output).toMatch(/WeCom simulator\s+http:\/\/127\.0\.0\.1:\d+ /);
    expect(output).toMatch(/demo product page\s+http:\/\/127\.0\.0\.1:\d+\/demo\/h5/);
    expect(output).toContain(dataDir);
    expect(readyLine).toContain('npm run token -- --tenant demo --admin');
  });

  it('answers /healthz', async () => {
    // Act
    const response = await fetch(`${gatewayUrl}/healthz`);

    // Assess
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });

  it('accepts a token from npm run token sharing its data directory, whose key file is private', async () => {
    // Prepare
    const minted = await runCli('bin/token.ts', ['--tenant', 'demo', '--admin', '--data-dir', dataDir], env);

    // Act
    const response = await fetch(`${gatewayUrl}/v1/audit`, { headers: { authorization: `Bearer ${minted.stdout.trim()}` } });

    // Assess
    expect(minted).toMatchObject({ code: 0, stderr: '' });
    expect(response.status).toBe(200);
    expect(statSync(join(dataDir, 'jwt-secret')).mode & 0o777).toBe(0o600);
  });

  it('accepts an operator token from npm run token -- --operator on the operator routes only', async () => {
    // Prepare
    const minted = await runCli('bin/token.ts', ['--operator', '--sub', 'ops-1', '--data-dir', dataDir], env);
    const headers = { authorization: `Bearer ${minted.stdout.trim()}` };

    // Act
    const statuses = [
      (await fetch(`${gatewayUrl}/v1/operator/tenants/demo`, { headers })).status,
      (await fetch(`${gatewayUrl}/v1/accounts`, { headers })).status,
    ];

    // Assess
    expect([minted.code, minted.stderr, statuses]).toEqual([0, '', [200, 403]]);
  });

  it('stops cleanly and exits 0 on SIGINT', async () => {
    // Act
    started.child.kill('SIGINT');
    const code = await started.exited;

    // Assess
    expect(code).toBe(0);
    await expect(fetch(`${gatewayUrl}/healthz`)).rejects.toThrow();
  });
});

describe('npm run token as a process', () => {
  it('prints only the token on stdout', async () => {
    // Act
    const minted = await runCli('bin/token.ts', ['--service', 'template-sender'], { LOCAL_JWT_SECRET: 'k'.repeat(40) });

    // Assess
    expect(minted.code).toBe(0);
    expect(minted.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
  });

  it.each([
    [['--tenant']],
    [['--admin']],
    [['--tenant', 'demo', '--ttl', 'soon']],
    [['--tenant', 'has space']],
    [['--tenant', 'demo', '--service', 'x']],
    [['--operator', '--tenant', 'demo']],
    [['--nonsense']],
  ])('refuses %j with exit code 2 and a message on stderr', async (args) => {
    // Act
    const minted = await runCli('bin/token.ts', args, { LOCAL_JWT_SECRET: 'k'.repeat(40) });

    // Assess
    expect(minted.code).toBe(2);
    expect(minted.stdout).toBe('');
    expect(minted.stderr).toMatch(/^token: /);
  });
});
