/**
 * Child processes of the local CLIs for the e2e tests, run as `npm start` and `npm run token` run
 * them: `node --import tsx <script>`, one process (not through npm: `npm exec` does not pass a SIGINT
 * on to its child, so going through npm would test npm's signal handling instead of `bin/start.ts`'s).
 *
 * `runner: 'tsx'` runs the script through the tsx CLI instead, a parent process that relays signals to
 * the script's process and SIGKILLs it when it has not acknowledged a signal within ~60 ms — which a
 * busy process on a loaded machine does not; that is why the package scripts do not use it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const projectRoot = fileURLToPath(new URL('../../../', import.meta.url));
const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: projectRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface RunningCli {
  child: ChildProcess;
  output(): string;
  /** Resolves with the first stdout line matching `pattern`; rejects if the process ends first. */
  waitForLine(pattern: RegExp): Promise<string>;
  exited: Promise<number | null>;
}

/** Starts a long-running CLI in its own process group, so that `stopCli` reaches tsx's child too. */
export function startCli(script: string, args: string[], env: NodeJS.ProcessEnv = {}, runner: 'tsx' | 'node' = 'node'): RunningCli {
  const [command, prefix] = runner === 'tsx' ? [tsx, []] : [process.execPath, ['--import', 'tsx']];
  const child = spawn(command, [...prefix, script, ...args], {
    cwd: projectRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: (line: string) => void; reject: (error: Error) => void }[] = [];
  const check = () => {
    for (const waiter of [...waiters]) {
      const line = stdout.split('\n').find((l) => waiter.pattern.test(l));
      if (line !== undefined) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  };
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    check();
  });
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      for (const waiter of waiters.splice(0))
        waiter.reject(new Error(`The process ended (code ${code}) before printing ${waiter.pattern}.\n${stdout}\n${stderr}`));
      resolve(code);
    }),
  );
  return {
    child,
    output: () => `${stdout}\n${stderr}`,
    waitForLine: (pattern) =>
      new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve, reject });
        check();
      }),
    exited,
  };
}

/** Cleanup for a test that failed half-way: a polite SIGINT to the group, then SIGKILL. */
export async function stopCli(running: RunningCli, graceMs = 10_000): Promise<void> {
  const pid = running.child.pid;
  if (pid === undefined || running.child.exitCode !== null || running.child.signalCode !== null) return;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // the group is gone already
    }
  };
  signalGroup('SIGINT');
  const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs));
  if ((await Promise.race([running.exited, timer])) === 'timeout') signalGroup('SIGKILL');
}
