/**
 * What the fault scenarios share: the figures line, HTTP calls that tally 5xx answers, waiting on
 * progress (never on a deadline), binding accounts, and the ground truth on both sides — the
 * simulated WeChat's world (its follower lists, the newest token it issued) and what the hub
 * recorded (the table, the console API).
 *
 * Every scenario ends with one line
 *   `[faults] <scenario>: faults injected F / operations O / lost L / duplicated D / 5xx S`
 * where F counts the faults the simulator (or the test) actually served, O the operations the test
 * issued, L what the ground truth holds that the hub lost (or never finished), D what the hub
 * recorded more than once (a row twice, a counter past the truth, an event twice), and S the hub's
 * answers with a 5xx status.
 */
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LocalStack } from '#infra/local/stack.ts';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import { consentThroughSimulator } from '#test/e2e/support/binding.ts';

export interface Figures {
  faultsInjected: number;
  operations: number;
  lost: number;
  duplicated: number;
  serverErrors: number;
}

export function figuresLine(scenario: string, figures: Figures): string {
  return `[faults] ${scenario}: faults injected ${figures.faultsInjected} / operations ${figures.operations} / lost ${figures.lost} / duplicated ${figures.duplicated} / 5xx ${figures.serverErrors}`;
}

/** Prints the scenario's figures line (on stdout, which vitest shows under the test). */
export function printFigures(scenario: string, figures: Figures): void {
  console.log(figuresLine(scenario, figures));
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` until it gives a value, for as long as `progress` keeps changing: it gives up only
 * when nothing moved for `stallMs` (a loaded machine is slower, not wrong).
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  progress: () => Promise<unknown> = async () => undefined,
  stallMs = 150_000,
): Promise<T> {
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
    await sleep(250);
  }
}

export interface Answer {
  status: number;
  json: any;
  text: string;
  location?: string;
}

/** The hub's answers of one scenario: every call counted, 5xx answers kept with their error codes. */
export class HubCalls {
  operations = 0;
  /** GETs sent again because the connection closed before any answer (not the hub's answers: not in the figures). */
  transportRetries = 0;
  readonly serverErrors: { status: number; code: string | undefined; path: string }[] = [];

  constructor(private readonly stack: LocalStack) {}

  async call(method: string, path: string, token?: string, body?: unknown): Promise<Answer> {
    const send = () =>
      fetch(`${this.stack.baseUrl}${path}`, {
        method,
        redirect: 'manual',
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    let response: Response;
    try {
      response = await send();
    } catch (error) {
      // A kept-alive connection the gateway closed as it was reused (no answer was read): a client
      // sends a GET again, as browsers do; anything else is the test's failure.
      if (method !== 'GET') throw error;
      this.transportRetries += 1;
      response = await send();
    }
    const text = await response.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    this.record(response.status, json, path);
    const location = response.headers.get('location');
    return { status: response.status, json, text, ...(location ? { location } : {}) };
  }

  /** Counts an answer obtained elsewhere (a push the simulator sent, a callback followed). */
  record(status: number, json: any, path: string): void {
    this.operations += 1;
    if (status >= 500) this.serverErrors.push({ status, code: json?.error?.code, path: path.replace(/\?.*$/, '') });
  }

  /** 5xx answers whose code the contract does not list for a WeChat failure (API.md §1: 502 wechat_error, 503 wechat_not_ready / try_again). */
  undocumentedServerErrors(): { status: number; code: string | undefined; path: string }[] {
    const documented = new Map([
      [502, new Set(['wechat_error'])],
      [503, new Set(['wechat_not_ready', 'try_again'])],
    ]);
    return this.serverErrors.filter((error) => !documented.get(error.status)?.has(error.code ?? ''));
  }
}

export const totalOf = (counts: Record<string, number>): number => Object.values(counts).reduce((sum, n) => sum + n, 0);

/**
 * Binds an account the way a person does (link, consent, WeChat's redirect to the hub's callback),
 * and asks again with a new link while the callback lands on `bind=error`, as the console tells
 * them to. Every callback answer is tallied in `calls`.
 */
export async function bindWithRetries(
  stack: LocalStack,
  calls: HubCalls,
  tenant: string,
  appid: string,
  attempts = 4,
): Promise<{ bound: boolean; errors: string[] }> {
  const errors: string[] = [];
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const { callbackUrl } = await consentThroughSimulator(stack, { tenant, appid });
    const url = new URL(callbackUrl);
    const answer = await calls.call('GET', `${url.pathname}${url.search}`);
    const landed = answer.location ? new URL(answer.location, stack.baseUrl) : undefined;
    if (answer.status === 302 && landed?.searchParams.get('bind') === 'ok') return { bound: true, errors };
    errors.push(landed?.searchParams.get('code') ?? `HTTP ${answer.status}`);
  }
  return { bound: false, errors };
}

/** The hub's stored TOKEN item of an account (the access token the hub would vend). */
export async function storedToken(client: DynamoDBDocumentClient, stack: LocalStack, appid: string): Promise<Record<string, any> | undefined> {
  return (
    await client.send(new GetCommand({ TableName: stack.tableName, Key: { pk: accountKeys.accountPk(appid), sk: accountKeys.tokenSk }, ConsistentRead: true }))
  ).Item;
}

/**
 * WeChat's truth: the openids that follow the account now, listed with `user/get` on the
 * simulator, page by page, with the account's current token (faults must be cleared first).
 */
export async function followersInWeChat(stack: LocalStack, accessToken: string): Promise<string[]> {
  const openids: string[] = [];
  let next = '';
  for (;;) {
    const response = await fetch(
      `${stack.simulator!.baseUrl}/cgi-bin/user/get?access_token=${encodeURIComponent(accessToken)}&next_openid=${encodeURIComponent(next)}`,
    );
    const page = (await response.json()) as { errcode?: number; count?: number; data?: { openid: string[] }; next_openid?: string };
    if (page.errcode) throw new Error(`the simulator's user/get answered errcode ${page.errcode}`);
    openids.push(...(page.data?.openid ?? []));
    if (!page.count || !page.next_openid) return openids;
    next = page.next_openid;
  }
}

export interface HubFan {
  openid: string;
  subscribed: boolean;
  unionid?: string;
  unsubscribedAt?: string;
  subscribedAt?: string;
}

/** What the hub recorded: every follower of the account through the console API, page by page. */
export async function followersInHub(calls: HubCalls, token: string, appid: string): Promise<HubFan[]> {
  const fans: HubFan[] = [];
  let cursor: string | null = null;
  do {
    const answer: Answer = await calls.call('GET', `/v1/accounts/${appid}/fans?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, token);
    if (answer.status !== 200) throw new Error(`GET fans answered ${answer.status} ${answer.text.slice(0, 200)}`);
    fans.push(...(answer.json.fans as HubFan[]));
    cursor = answer.json.nextCursor;
  } while (cursor);
  return fans;
}

/**
 * Followers compared with WeChat's list: lost = following in WeChat but not subscribed in the hub,
 * or subscribed in the hub though WeChat no longer lists them (an unsubscribe lost); duplicated =
 * an openid the hub lists more than once.
 */
export function compareFollowers(wechat: readonly string[], hub: readonly HubFan[]): { lost: number; duplicated: number; missing: string[] } {
  const following = new Set(wechat);
  const seen = new Map<string, number>();
  for (const fan of hub) seen.set(fan.openid, (seen.get(fan.openid) ?? 0) + 1);
  const subscribedInHub = new Set(hub.filter((fan) => fan.subscribed).map((fan) => fan.openid));
  const missing = [...following].filter((openid) => !subscribedInHub.has(openid));
  const stale = [...subscribedInHub].filter((openid) => !following.has(openid));
  const duplicated = [...seen.values()].filter((n) => n > 1).reduce((sum, n) => sum + n - 1, 0);
  return { lost: missing.length + stale.length, duplicated, missing: [...missing, ...stale].slice(0, 10) };
}

export interface SyncJob {
  jobId: string;
  status: string;
  listed: number;
  synced: number;
  failed: number;
  unsubscribedMarked: number;
  error?: { code: string; message: string };
}

/** Waits for a follower sync to end (done or failed), polling the console API while its counters move. */
export async function syncEnded(calls: HubCalls, token: string, appid: string, jobId: string, stallMs?: number): Promise<SyncJob> {
  const view = async () => (await calls.call('GET', `/v1/accounts/${appid}/fan-syncs/${jobId}`, token)).json as SyncJob | undefined;
  return waitFor(
    async () => {
      const job = await view();
      return job && (job.status === 'done' || job.status === 'failed') ? job : undefined;
    },
    `fan sync ${jobId} to end`,
    async () => {
      const job = await view();
      return [job?.status, job?.listed, job?.synced, job?.failed];
    },
    stallMs,
  );
}

/** The job a binding queued (asking for a sync answers the running one) or a new one. */
export async function currentSync(calls: HubCalls, token: string, appid: string): Promise<string> {
  const started = await calls.call('POST', `/v1/accounts/${appid}/fan-syncs`, token);
  if (started.status !== 202) throw new Error(`POST fan-syncs answered ${started.status} ${started.text.slice(0, 200)}`);
  return started.json.jobId as string;
}

/**
 * A finished sync checked against WeChat: the hub's followers against WeChat's list, and the job's
 * counters against the list's length (a counter past the truth counts as duplicated work, one short
 * of it as lost).
 */
export async function syncAgainstWeChat(
  calls: HubCalls,
  client: DynamoDBDocumentClient,
  stack: LocalStack,
  token: string,
  appid: string,
  job: SyncJob,
  /** How many followers WeChat listed to this sync, when followers arrived after its listing (by push). Default: WeChat's list now. */
  listedTruth?: number,
): Promise<{ lost: number; duplicated: number; detail: Record<string, unknown> }> {
  const tokenItem = await storedToken(client, stack, appid);
  const wechat = await followersInWeChat(stack, String(tokenItem?.accessToken));
  const hub = await followersInHub(calls, token, appid);
  const compared = compareFollowers(wechat, hub);
  const account = (await calls.call('GET', `/v1/accounts/${appid}`, token)).json;
  const listed = listedTruth ?? wechat.length;
  const over = Math.max(0, job.listed - listed) + Math.max(0, job.synced - listed) + Math.max(0, (account?.fans?.subscribed ?? 0) - wechat.length);
  const under = job.status === 'done' ? Math.max(0, listed - job.synced) + Math.max(0, wechat.length - (account?.fans?.subscribed ?? 0)) : listed;
  return {
    lost: Math.max(compared.lost, under),
    duplicated: compared.duplicated + over,
    detail: { wechat: wechat.length, hub: hub.length, job, fans: account?.fans, missing: compared.missing },
  };
}
