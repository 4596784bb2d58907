/**
 * A restart of `npm start` keeps everything usable (issue 11): the stack runs as a process with its
 * own data directory, binds an account through the simulator, is interrupted by a SIGINT to its
 * process group (what Ctrl-C in a terminal sends) in the middle of a follower sync, and is started
 * again without --fresh: the sync finishes with exact counts, the account and its token still work,
 * and a second stack on the same directory refuses to start.
 *
 * The stack runs as `node --import tsx bin/start.ts`, one process: the tsx CLI's parent process
 * SIGKILLs a script that does not acknowledge a signal within ~60 ms, as a busy stack on a loaded
 * machine may not (see `local-stack/support.ts`).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCK_FILE, processAlive, type LockHolder } from '#infra/local/stack-lock.ts';
import { loadJwtSecret, mintConsoleToken, mintServiceToken } from '#infra/local/tokens.ts';
import { DEFAULT_BIND_FUNC_IDS, followCallback, openAuthorizeUrl } from '#test/e2e/support/binding.ts';
import { runCli, startCli, stopCli, type RunningCli } from '#test/e2e/local-stack/support.ts';

const TENANT = 't-restart';
/** One user/get page and 80 chunks: four rounds of the worker's 4 × 5 steps, so a stop lands mid-way. */
const FOLLOWERS = 8_000;
/**
 * Slows each WeChat call of the first run so that the sync is still going when it is stopped, even
 * when a loaded machine answers the poll late (latency is not saved: the second run is fast).
 */
const FIRST_RUN_LATENCY_MS = 1_000;
/** Generous for a loaded 2-core machine; the waits below fail sooner when nothing moves. */
const SYNC_TIMEOUT_MS = 600_000;

interface Job {
  status: string;
  listed: number;
  synced: number;
  failed: number;
}

/**
 * Polls `probe` until it gives a value, for as long as `progress` keeps changing: it gives up when
 * nothing moved for `stallMs`, never on a deadline (a loaded machine is slower, not wrong).
 */
async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, progress: () => Promise<unknown>, stallMs = 90_000): Promise<T> {
  let last: string | undefined;
  let lastChange = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    const current = JSON.stringify(await progress());
    if (current !== last) {
      last = current;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > stallMs) {
      throw new Error(`gave up waiting for ${what}: nothing moved for ${stallMs / 1000} s (last ${current})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function urlIn(output: string, label: RegExp): string {
  const url = new RegExp(`${label.source}\\s+(http://127\\.0\\.0\\.1:\\d+)`).exec(output)?.[1];
  if (!url) throw new Error(`no ${label.source} URL in the output:\n${output}`);
  return url;
}

/** The process group of a pid (field 5 of /proc/<pid>/stat). */
function processGroupOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

async function json(response: Response): Promise<any> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`HTTP ${response.status}: ${text.slice(0, 300)}`);
  }
}

describe('npm start across a restart in the middle of a follower sync', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'oa-hub-restart-'));
  // A fresh environment: the test runner's variables must not leak into the CLI's defaults.
  const env = { PORT: '0', LOCAL_JWT_SECRET: '', DYNAMODB_ENDPOINT: '', WECHAT_API_BASE: '', PUBLIC_BASE_URL: '', CONSOLE_URL: '', TABLE_NAME: '' };
  let first: RunningCli;
  let second: RunningCli | undefined;
  let gateway: string;
  let appid: string;
  let jobId: string;
  let beforeStop: Job;
  let firstHolder: LockHolder;
  let admin: string;

  const headers = () => ({ authorization: `Bearer ${admin}`, 'content-type': 'application/json' });
  const job = async (id = jobId): Promise<Job> => json(await fetch(`${gateway}/v1/accounts/${appid}/fan-syncs/${id}`, { headers: headers() }));
  const ended = (id: string) =>
    waitFor(
      async () => {
        const view = await job(id);
        return view.status === 'done' || view.status === 'failed' ? view : undefined;
      },
      `fan sync ${id} to end`,
      () => job(id),
    );

  /** POST /v1/authorizations (until the hub holds a ticket), consent on the simulator, the browser at the callback. */
  async function bind(simulator: string, account: string): Promise<URL> {
    let link: { authorizeUrl: string } | undefined;
    while (!link) {
      const response = await fetch(`${gateway}/v1/authorizations`, { method: 'POST', headers: headers(), body: '{}' });
      if (response.status === 201) link = await json(response);
      else if (response.status === 503) await new Promise((resolve) => setTimeout(resolve, 250));
      else throw new Error(`POST /v1/authorizations answered ${response.status} ${await response.text()}`);
    }
    // The hub's authorization page forwards the browser to the simulator's consent page (WeChat's 授权发起页 rule).
    const authorizeUrl = await openAuthorizeUrl(link.authorizeUrl);
    const consent = await fetch(`${simulator}/__sim/consent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        preAuthCode: authorizeUrl.searchParams.get('pre_auth_code'),
        appid: account,
        funcIds: DEFAULT_BIND_FUNC_IDS,
        redirectUri: authorizeUrl.searchParams.get('redirect_uri'),
      }),
    });
    const { location } = await json(consent);
    return (await followCallback(location)).location;
  }

  beforeAll(async () => {
    first = startCli('bin/start.ts', ['--fresh', '--data-dir', dataDir], env);
    await first.waitForLine(/ready/);
    gateway = urlIn(first.output(), /gateway/);
    const simulator = urlIn(first.output(), /WeChat simulator/);
    admin = await mintConsoleToken(loadJwtSecret({ dataDir, env: {} }), { tenant: TENANT, admin: true, sub: 'restart-admin' });

    const created = await fetch(`${simulator}/__sim/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ nickname: 'Restart e2e', serviceType: 'service', verified: true, followers: FOLLOWERS }),
    });
    appid = (await json(created)).account.appid;
    await fetch(`${simulator}/__sim/latency`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ms: FIRST_RUN_LATENCY_MS }),
    });
    const location = await bind(simulator, appid);
    if (location.searchParams.get('bind') !== 'ok') throw new Error(`binding ended with ${location.search}`);
    // The binding queued the sync; asking for one answers the running job.
    jobId = (await json(await fetch(`${gateway}/v1/accounts/${appid}/fan-syncs`, { method: 'POST', headers: headers() }))).jobId;
    beforeStop = await waitFor(
      async () => {
        const view = await job();
        return view.listed > 0 ? view : undefined;
      },
      'the sync to list the followers',
      () => job(),
    );
    firstHolder = JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')) as LockHolder;
  }, SYNC_TIMEOUT_MS);

  afterAll(async () => {
    await stopCli(first);
    if (second) await stopCli(second);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("runs the embedded DynamoDB outside the stack's process group, so Ctrl-C does not reach it first", () => {
    // Assess
    expect(firstHolder.enginePid).toEqual(expect.any(Number));
    expect(processGroupOf(firstHolder.enginePid!)).not.toBe(processGroupOf(firstHolder.pid));
  });

  it('drains, prints stopped and exits 0 when its process group gets SIGINT mid-sync', async () => {
    // Act
    process.kill(-first.child.pid!, 'SIGINT');
    const code = await first.exited;

    // Assess
    expect(beforeStop).toMatchObject({ status: 'running' });
    expect(beforeStop.synced).toBeLessThan(FOLLOWERS);
    expect(code).toBe(0);
    expect(first.output()).toMatch(/^\d\d:\d\d:\d\d stopped$/m);
    expect(processAlive(firstHolder.enginePid!)).toBe(false);
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
  });

  it(
    'finishes the interrupted sync with exact counts after a start without --fresh',
    async () => {
      // Act
      second = startCli('bin/start.ts', ['--data-dir', dataDir], env);
      await second.waitForLine(/ready/);
      gateway = urlIn(second.output(), /gateway/);
      const view = await ended(jobId);

      // Assess
      expect(second.output()).toMatch(/queue fan-sync: [1-9]\d* messages kept from the previous run/);
      expect(view).toMatchObject({ status: 'done', listed: FOLLOWERS, synced: FOLLOWERS, failed: 0 });
    },
    SYNC_TIMEOUT_MS,
  );

  it('keeps the account active', async () => {
    // Act
    const account = await json(await fetch(`${gateway}/v1/accounts/${appid}`, { headers: headers() }));

    // Assess
    expect(account).toMatchObject({ appid, status: 'active' });
  });

  it("vends the account's token, and the simulated WeChat still accepts it", async () => {
    // Prepare
    const service = await mintServiceToken(loadJwtSecret({ dataDir, env: {} }), { service: 'restart-e2e' });

    // Act
    const vended = await fetch(`${gateway}/v1/internal/accounts/${appid}/access-token`, { headers: { authorization: `Bearer ${service}` } });
    const { accessToken } = await json(vended);
    const list = await json(await fetch(`${urlIn(second!.output(), /WeChat simulator/)}/cgi-bin/user/get?access_token=${accessToken}`));

    // Assess
    expect(vended.status).toBe(200);
    expect(list).toMatchObject({ total: FOLLOWERS });
  });

  it(
    'starts a new sync and finishes it',
    async () => {
      // Act
      const started = await fetch(`${gateway}/v1/accounts/${appid}/fan-syncs`, { method: 'POST', headers: headers() });
      const { jobId: newJob } = await json(started);
      const view = await ended(newJob);

      // Assess
      expect(started.status).toBe(202);
      expect(newJob).not.toBe(jobId);
      expect(view).toMatchObject({ status: 'done', listed: FOLLOWERS, synced: FOLLOWERS, failed: 0 });
    },
    SYNC_TIMEOUT_MS,
  );

  it('refuses a second stack on the same data directory, naming the running one', async () => {
    // Prepare
    const holder = JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')) as LockHolder;

    // Act
    const refused = await runCli('bin/start.ts', ['--data-dir', dataDir], env);

    // Assess
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`pid ${holder.pid}, gateway ${gateway}`);
    expect(holder.pid).toBe(second!.child.pid);
    expect(await fetch(`${gateway}/healthz`).then((response) => response.status)).toBe(200);
  });
});
