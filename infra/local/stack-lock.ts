/**
 * One local stack per data directory: `<dataDir>/stack.lock` names the process that holds it (pid,
 * its gateway URL once listening, the embedded engine's pid). A second stack on the same directory
 * refuses to start with `LocalStackLockedError` naming the first; a lock whose process is gone (a
 * crash, a kill -9) is stale and taken over, and an embedded engine that crash left running on the
 * directory's database is stopped first (it runs in its own process group, so it can outlive us).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '#infra/local/state-file.ts';

export const LOCK_FILE = 'stack.lock';

export interface LockHolder {
  pid: number;
  /** Linux: the process's start time in clock ticks after boot, so a reused pid is not taken for the holder. */
  startTicks?: number;
  startedAt: string;
  gatewayUrl?: string;
  enginePid?: number;
}

export class LocalStackLockedError extends Error {
  override readonly name = 'LocalStackLockedError';

  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    super(
      `another local stack is running on ${dataDir}: pid ${holder.pid}, gateway ${holder.gatewayUrl ?? '(still starting)'}` +
        ` — stop it (Ctrl-C in its terminal, or kill ${holder.pid}) or use another --data-dir`,
    );
  }
}

export interface StackLock {
  readonly file: string;
  /** Adds what a second stack's message should name, once known. */
  update(info: { gatewayUrl?: string; enginePid?: number }): void;
  /** Removes the lock if it is still ours. */
  release(): void;
}

/** Field 22 of /proc/<pid>/stat (after the parenthesised command, which may itself hold spaces). */
function startTicksOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? ticks : undefined;
  } catch {
    return undefined;
  }
}

export function processAlive(pid: number, startTicks?: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (startTicks === undefined) return true;
  const now = startTicksOf(pid);
  return now === undefined || now === startTicks;
}

function readHolder(file: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as LockHolder;
    return Number.isSafeInteger(parsed.pid) && parsed.pid > 0 ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

/** An engine left behind by a crashed stack still has the database open: stop it before another opens it. */
async function stopOrphanedEngine(pid: number, log: (line: string) => void): Promise<void> {
  if (!processAlive(pid) || !commandLine(pid).includes('dynoxide')) return;
  log(`stopping the embedded DynamoDB (pid ${pid}) left running by a stack that ended without stopping it`);
  process.kill(pid, 'SIGTERM');
  for (let waited = 0; waited < 5_000 && processAlive(pid); waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
  if (processAlive(pid)) process.kill(pid, 'SIGKILL');
}

export async function acquireStackLock(dataDir: string, log: (line: string) => void = () => {}): Promise<StackLock> {
  const file = join(dataDir, LOCK_FILE);
  // The first `npm start` of a fresh clone takes the lock before anything else creates the directory.
  mkdirSync(dataDir, { recursive: true });
  const mine: LockHolder = {
    pid: process.pid,
    ...(startTicksOf(process.pid) !== undefined ? { startTicks: startTicksOf(process.pid)! } : {}),
    startedAt: new Date().toISOString(),
  };
  for (let attempt = 1; ; attempt += 1) {
    try {
      // `wx`: of two stacks starting at once, exactly one creates the file.
      writeFileSync(file, JSON.stringify(mine), { mode: 0o600, flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readHolder(file);
    if (holder && processAlive(holder.pid, holder.startTicks)) throw new LocalStackLockedError(dataDir, holder);
    if (attempt > 3) throw new Error(`could not take over the stale lock ${file}; delete it if no stack runs on ${dataDir}`);
    log(`taking over a stale lock of pid ${holder?.pid ?? '?'} (no longer running)`);
    if (holder?.enginePid) await stopOrphanedEngine(holder.enginePid, log);
    rmSync(file, { force: true });
  }
  const current = { ...mine };
  return {
    file,
    update: (info) => {
      Object.assign(current, info);
      writeFileAtomic(file, JSON.stringify(current));
    },
    release: () => {
      if (readHolder(file)?.pid === process.pid) rmSync(file, { force: true });
    },
  };
}
