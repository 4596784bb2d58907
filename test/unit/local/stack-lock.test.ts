import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireStackLock, LocalStackLockedError, LOCK_FILE, type LockHolder } from '#infra/local/stack-lock.ts';

let dataDir: string;
let lockFile: string;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'oa-hub-lock-'));
  lockFile = join(dataDir, LOCK_FILE);
});
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

const holdBy = (holder: Partial<LockHolder> & { pid: number }) => writeFileSync(lockFile, JSON.stringify({ startedAt: '2024-01-01T00:00:00.000Z', ...holder }));

/** The pid of a process that has ended. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('the local stack lock', () => {
  it('creates the data directory of a fresh clone before taking the lock', async () => {
    // Prepare
    const fresh = join(dataDir, 'never-created', '.local');

    // Act
    const lock = await acquireStackLock(fresh);

    // Assess
    expect(existsSync(join(fresh, LOCK_FILE))).toBe(true);
    lock.release();
  });

  it('refuses while a running process holds it, naming its pid and gateway URL', async () => {
    // Prepare
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    holdBy({ pid: other.pid!, gatewayUrl: 'http://127.0.0.1:3999' });

    try {
      // Act
      const acquiring = acquireStackLock(dataDir);

      // Assess
      await expect(acquiring).rejects.toThrow(LocalStackLockedError);
      await expect(acquiring).rejects.toThrow(`pid ${other.pid}, gateway http://127.0.0.1:3999`);
    } finally {
      other.kill();
    }
  });

  it('takes over a lock whose process is gone', async () => {
    // Prepare
    holdBy({ pid: deadPid(), gatewayUrl: 'http://127.0.0.1:3999' });

    // Act
    const lock = await acquireStackLock(dataDir);

    // Assess
    expect(JSON.parse(readFileSync(lockFile, 'utf8'))).toMatchObject({ pid: process.pid });
    lock.release();
  });

  it('takes over a lock whose pid now belongs to a process started later', async () => {
    // Prepare
    holdBy({ pid: process.pid, startTicks: 1 });

    // Act
    const lock = await acquireStackLock(dataDir);

    // Assess
    const holder = JSON.parse(readFileSync(lockFile, 'utf8')) as LockHolder;
    expect(holder.pid).toBe(process.pid);
    expect(holder.startTicks).not.toBe(1);
    lock.release();
  });

  it('records the gateway URL once known, for the message a second stack prints', async () => {
    // Prepare
    const lock = await acquireStackLock(dataDir);

    // Act
    lock.update({ gatewayUrl: 'http://127.0.0.1:4321', enginePid: 12345 });

    // Assess
    expect(JSON.parse(readFileSync(lockFile, 'utf8'))).toMatchObject({ pid: process.pid, gatewayUrl: 'http://127.0.0.1:4321', enginePid: 12345 });
    lock.release();
  });

  it('is gone once released, so the next stack starts', async () => {
    // Prepare
    const lock = await acquireStackLock(dataDir);

    // Act
    lock.release();

    // Assess
    expect(existsSync(lockFile)).toBe(false);
  });
});
