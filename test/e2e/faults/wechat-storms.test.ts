/**
 * WeChat 5xx and timeout storms on every path the hub calls WeChat on (issue 17 item 9): the binding
 * callback (`api_query_auth`, `api_get_authorizer_info`), the scheduled token refresh and vending's
 * on-demand refresh (`api_authorizer_token`), the follower sync's pages and chunks (`user/get`,
 * `user/info/batchget`), the follow event's profile read (`user/info`) and unbinding's authorization
 * check (`api_get_authorizer_info`). The simulator answers HTTP 5xx from WeChat's gateway, or stalls
 * a call past the client's timeout and then carries it out (a token issued, a code spent, that the
 * hub never hears of). Each scenario prints its figures line (support.ts) and asserts nothing is
 * lost or duplicated against the simulator's world; where the contract promises no 5xx (WeChat's
 * routes: the callback redirects, a push answers `success`) none is allowed, elsewhere only the
 * documented `502 wechat_error` / `503 wechat_not_ready | try_again` are.
 */
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '#infra/local/stack.ts';
import { accountKeys, authorizerTokenAttributes } from '#shared/adapters/dynamodb/account-keys.ts';
import { createDocumentClient } from '#shared/db/client.ts';
import { AUTHORIZER_VERIFY_AFTER_MS } from '#shared/domain/tokens/refresh-margin.ts';
import {
  bindWithRetries,
  compareFollowers,
  currentSync,
  followersInHub,
  followersInWeChat,
  HubCalls,
  printFigures,
  storedToken,
  syncAgainstWeChat,
  syncEnded,
  totalOf,
  sleep,
  type Answer,
} from '#test/e2e/faults/support.ts';

const TENANT = 't-storms';
/** The follower scenarios' accounts: a tenant owns at most 5 (TENANT_DEFAULT_ACCOUNT_QUOTA). */
const OTHER_TENANT = 't-storms-fans';
/** Past the client's 5 s timeout: the caller gives up, WeChat carries the call out afterwards. */
const STALL_MS = 5_500;
/** A chunk whose retries all failed waits out the queue's 60 s visibility timeout; the waits inside fail sooner when nothing moves. */
const SYNC_TIMEOUT_MS = 600_000;
/** Well past the client's timeout and its first retry: WeChat carries the call out after the retry was answered. */
const LATE_STALL_MS = 8_000;
/** Past the profile client's 1.5 s timeout (the follow event waits at most 2.5 s for the profile). */
const PROFILE_STALL_MS = 2_000;

describe('WeChat 5xx and timeout storms on every call path', () => {
  let stack: LocalStack;
  let client: DynamoDBDocumentClient;
  let admin: string;
  let fansAdmin: string;
  let service: string;
  const bound: string[] = [];

  const newAccount = (nickname: string, followers: number) =>
    stack.simulator!.addAccount({ nickname, serviceType: 'service', verified: true, followers, unionidRatio: 0.3, principalName: 'Storm Ltd' }).appid;

  /** Audit events of the tenant with this action, by appid. */
  async function auditCounts(calls: HubCalls, action: string): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    let cursor: string | null = null;
    do {
      const page: Answer = await calls.call('GET', `/v1/audit${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`, admin);
      for (const event of page.json.events as { action: string; appid?: string }[]) {
        if (event.action === action && event.appid) counts.set(event.appid, (counts.get(event.appid) ?? 0) + 1);
      }
      cursor = page.json.nextCursor;
    } while (cursor);
    return counts;
  }

  const duplicatesIn = (counts: Map<string, number>) => [...counts.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, inMemory: true, log: () => undefined });
    client = createDocumentClient(stack.dynamoDbEndpoint);
    admin = await stack.consoleToken({ tenant: TENANT, admin: true, sub: 'storm-admin' });
    fansAdmin = await stack.consoleToken({ tenant: OTHER_TENANT, admin: true, sub: 'storm-fans-admin' });
    service = await stack.serviceToken('storm-e2e');
  });

  afterAll(async () => {
    client?.destroy();
    await stack?.stop();
  });

  it('binds every consenting account through 5xx and a stall on the binding callback, with no 5xx answered', async () => {
    // Prepare
    const simulator = stack.simulator!;
    const calls = new HubCalls(stack);
    const appids = [1, 2, 3, 4].map((n) => newAccount(`Storm bind ${n}`, 20));
    simulator.resetCalls();
    simulator.injectFault({ path: '/cgi-bin/component/api_query_auth', httpStatus: 502, times: 5 });
    simulator.injectFault({ path: '/cgi-bin/component/api_get_authorizer_info', stallMs: STALL_MS, times: 1 });
    simulator.injectFault({ path: '/cgi-bin/component/api_query_auth', stallMs: STALL_MS, times: 1 });

    // Act
    for (const appid of appids) await bindWithRetries(stack, calls, TENANT, appid);
    simulator.clearFaults();

    // Assess
    const listed = ((await calls.call('GET', '/v1/accounts', admin)).json.accounts as { appid: string; status: string }[]).filter((a) =>
      appids.includes(a.appid),
    );
    const authorizedInWeChat = appids.filter((appid) => simulator.account(appid)!.authorization.state === 'authorized');
    const lost = authorizedInWeChat.filter((appid) => !listed.some((account) => account.appid === appid && account.status === 'active')).length;
    const boundEvents = await auditCounts(calls, 'account.bound');
    const duplicated = listed.length - new Set(listed.map((a) => a.appid)).size + duplicatesIn(boundEvents);
    const figures = {
      faultsInjected: totalOf(simulator.faultsServed()),
      operations: calls.operations,
      lost,
      duplicated,
      serverErrors: calls.serverErrors.length,
    };
    printFigures('binding callback storm', figures);
    bound.push(...appids);
    expect(figures.faultsInjected).toBeGreaterThanOrEqual(6);
    expect(authorizedInWeChat).toEqual(appids);
    expect(figures).toMatchObject({ lost: 0, duplicated: 0, serverErrors: 0 });
  });

  /** The bound accounts' tokens fall due for the scheduled refresh (10 minutes from expiry, inside the 20-minute margin). */
  async function makeDue(appids: readonly string[]): Promise<Map<string, string>> {
    const before = new Map<string, string>();
    for (const appid of appids) {
      const item = (await storedToken(client, stack, appid))!;
      const expiresAt = new Date(Date.now() + 10 * 60_000).toISOString();
      const attributes = authorizerTokenAttributes(appid, { accessToken: item.accessToken, refreshToken: item.refreshToken, expiresAt }, item.refreshedAt);
      await client.send(
        new UpdateCommand({
          TableName: stack.tableName,
          Key: { pk: accountKeys.accountPk(appid), sk: accountKeys.tokenSk },
          UpdateExpression: 'SET expiresAt = :e, gsi2pk = :p, gsi2sk = :s',
          ExpressionAttributeValues: { ':e': expiresAt, ':p': attributes.gsi2pk, ':s': attributes.gsi2sk },
        }),
      );
      before.set(appid, expiresAt);
    }
    return before;
  }

  /**
   * Ground truth is the newest token WeChat issued for each account: lost = an account no longer
   * active, a token not renewed, or one WeChat does not know; duplicated = the hub holds a token
   * WeChat already replaced by a newer issue (a refresh the hub did not keep).
   */
  async function tokensAgainstWeChat(before: Map<string, string>): Promise<{ lost: number; duplicated: number; calls: HubCalls }> {
    const simulator = stack.simulator!;
    const calls = new HubCalls(stack);
    let lost = 0;
    let duplicated = 0;
    for (const appid of bound) {
      const item = (await storedToken(client, stack, appid))!;
      const account = (await calls.call('GET', `/v1/accounts/${appid}`, admin)).json;
      const standing = simulator.authorizerTokenStanding(appid, String(item.accessToken));
      if (account.status !== 'active' || item.expiresAt <= before.get(appid)! || standing === 'expired' || standing === 'unknown') lost += 1;
      if (standing === 'superseded') duplicated += 1;
    }
    return { lost, duplicated, calls };
  }

  it("keeps every account's token current through a 5xx storm on the scheduled refresh", async () => {
    // Prepare
    const simulator = stack.simulator!;
    const before = await makeDue(bound);
    simulator.resetCalls();
    simulator.injectFault({ path: '/cgi-bin/component/api_authorizer_token', httpStatus: 503, times: 10 });

    // Act: one run in the storm, the next one after it.
    await stack.runSchedule('token-refresh');
    const faultsInjected = totalOf(simulator.faultsServed());
    simulator.clearFaults();
    await stack.runSchedule('token-refresh');

    // Assess
    const { lost, duplicated, calls } = await tokensAgainstWeChat(before);
    const figures = { faultsInjected, operations: bound.length, lost, duplicated, serverErrors: calls.serverErrors.length };
    printFigures('scheduled refresh 5xx storm', figures);
    expect(faultsInjected).toBe(10);
    expect(figures).toMatchObject({ lost: 0, duplicated: 0, serverErrors: 0 });
  });

  /*
   * A refresh whose first attempt timed out is retried at once; WeChat carries the timed-out call out
   * after the retry answered, and its late token supersedes the one the hub stored. The hub stores
   * such a token with a short verification horizon (shared/domain/tokens/refresh-margin.ts): the next
   * run after it mints again, after the late call, so the hub holds the newest token.
   */
  it('keeps the newest token WeChat issued when a timed-out refresh is carried out after the retry', async () => {
    // Prepare
    const simulator = stack.simulator!;
    const before = await makeDue(bound);
    simulator.resetCalls();
    simulator.injectFault({ path: '/cgi-bin/component/api_authorizer_token', stallMs: LATE_STALL_MS, times: 2 });

    // Act: the run, then a second one once the stalled calls were carried out and the tokens' verification horizon has passed.
    await stack.runSchedule('token-refresh');
    const faultsInjected = totalOf(simulator.faultsServed());
    simulator.clearFaults();
    await sleep(Math.max(LATE_STALL_MS, AUTHORIZER_VERIFY_AFTER_MS + 500));
    await stack.runSchedule('token-refresh');

    // Assess
    const { lost, duplicated, calls } = await tokensAgainstWeChat(before);
    const figures = { faultsInjected, operations: bound.length, lost, duplicated, serverErrors: calls.serverErrors.length };
    printFigures('scheduled refresh timeout storm', figures);
    expect(faultsInjected).toBe(2);
    expect(figures).toMatchObject({ lost: 0, duplicated: 0, serverErrors: 0 });
  });

  it('vends one working token per account through a 5xx storm on the on-demand refresh, answering only documented 5xx', async () => {
    // Prepare: the hub's tokens expired a moment ago, as far as it knows.
    const simulator = stack.simulator!;
    for (const appid of bound) {
      await client.send(
        new UpdateCommand({
          TableName: stack.tableName,
          Key: { pk: accountKeys.accountPk(appid), sk: accountKeys.tokenSk },
          UpdateExpression: 'SET expiresAt = :past',
          ExpressionAttributeValues: { ':past': new Date(Date.now() - 1_000).toISOString() },
        }),
      );
    }
    simulator.resetCalls();
    simulator.injectFault({ path: '/cgi-bin/component/api_authorizer_token', httpStatus: 502, times: 10 });
    const calls = new HubCalls(stack);
    const vended = new Map<string, Set<string>>(bound.map((appid) => [appid, new Set<string>()]));

    // Act: three services ask at once for each account, again while any of them got no token.
    for (let round = 0; round < 5; round += 1) {
      const answers = await Promise.all(
        bound.flatMap((appid) => [1, 2, 3].map(async () => [appid, await calls.call('GET', `/v1/internal/accounts/${appid}/access-token`, service)] as const)),
      );
      for (const [appid, answer] of answers) if (answer.status === 200) vended.get(appid)!.add(answer.json.accessToken);
      if (answers.every(([, answer]) => answer.status === 200)) break;
    }
    const faultsInjected = totalOf(simulator.faultsServed());
    simulator.clearFaults();

    // Assess
    let lost = 0;
    let duplicated = 0;
    for (const [appid, tokens] of vended) {
      const current = [...tokens].filter((token) => simulator.authorizerTokenStanding(appid, token) === 'current');
      if (current.length !== 1) lost += 1;
      duplicated += Math.max(0, tokens.size - 1);
    }
    const figures = { faultsInjected, operations: calls.operations, lost, duplicated, serverErrors: calls.serverErrors.length };
    printFigures('vending storm', figures);
    expect(faultsInjected).toBeGreaterThanOrEqual(10);
    expect(calls.undocumentedServerErrors()).toEqual([]);
    expect(figures).toMatchObject({ lost: 0, duplicated: 0 });
  });

  it('syncs every follower exactly through 5xx and stalls on user/get and user/info/batchget', { timeout: SYNC_TIMEOUT_MS }, async () => {
    // Prepare: an account with 2 500 followers, bound and synced; then 120 leave and 80 arrive, unseen by the hub.
    const simulator = stack.simulator!;
    const calls = new HubCalls(stack);
    const appid = newAccount('Storm sync', 2_500);
    expect((await bindWithRetries(stack, calls, OTHER_TENANT, appid)).bound).toBe(true);
    await syncEnded(calls, fansAdmin, appid, await currentSync(calls, fansAdmin, appid));
    simulator.unfollow(appid, 120);
    simulator.follow(appid, 80);
    simulator.resetCalls();
    // Three of the page's four attempts fail: the client's retries carry it.
    simulator.injectFault({ path: '/cgi-bin/user/get', httpStatus: 502, times: 2 });
    simulator.injectFault({ path: '/cgi-bin/user/get', stallMs: STALL_MS, times: 1 });
    // A quarter of batchget calls fail for the storm's length (the client's retries absorb most; a chunk
    // whose four attempts all fail waits out the queue's visibility timeout, 60 s, and runs again).
    simulator.injectFault({ path: '/cgi-bin/user/info/batchget', stallMs: STALL_MS, times: 2 });
    simulator.injectFault({ path: '/cgi-bin/user/info/batchget', httpStatus: 502, rate: 0.2, times: 30 });
    simulator.injectFault({ path: '/cgi-bin/user/info/batchget', errcode: -1, rate: 0.05, times: 10 });

    // Act
    const job = await syncEnded(calls, fansAdmin, appid, await currentSync(calls, fansAdmin, appid));
    const faultsInjected = totalOf(simulator.faultsServed());
    simulator.clearFaults();

    // Assess
    const truth = await syncAgainstWeChat(calls, client, stack, fansAdmin, appid, job);
    const figures = { faultsInjected, operations: job.listed, lost: truth.lost, duplicated: truth.duplicated, serverErrors: calls.serverErrors.length };
    printFigures('follower sync storm', figures);
    expect(faultsInjected).toBeGreaterThanOrEqual(6);
    expect(job).toMatchObject({ status: 'done', listed: 2_460, synced: 2_460, failed: 0, unsubscribedMarked: 120 });
    expect(figures, JSON.stringify(truth.detail)).toMatchObject({ lost: 0, duplicated: 0, serverErrors: 0 });
  });

  it('records every follow event through 5xx and stalls on the profile read, answering every push success', async () => {
    // Prepare
    const simulator = stack.simulator!;
    const calls = new HubCalls(stack);
    const appid = newAccount('Storm events', 10);
    expect((await bindWithRetries(stack, calls, OTHER_TENANT, appid)).bound).toBe(true);
    await syncEnded(calls, fansAdmin, appid, await currentSync(calls, fansAdmin, appid));
    const newcomers = simulator.follow(appid, 30);
    simulator.resetCalls();
    simulator.injectFault({ path: '/cgi-bin/user/info', httpStatus: 502, times: 20 });
    simulator.injectFault({ path: '/cgi-bin/user/info', stallMs: PROFILE_STALL_MS, times: 4 });

    // Act
    let pushes = 0;
    let notSuccess = 0;
    await Promise.all(
      [0, 1, 2].map(async (lane) => {
        for (let i = lane; i < newcomers.length; i += 3) {
          const response = await simulator.sendAccountEvent(appid, { fromUserName: newcomers[i]!, event: 'subscribe' });
          const text = await response.text();
          pushes += 1;
          calls.record(response.status, undefined, `/v1/wechat/accounts/${appid}/messages`);
          if (response.status !== 200 || text !== 'success') notSuccess += 1;
        }
      }),
    );
    const faultsInjected = totalOf(simulator.faultsServed());
    simulator.clearFaults();

    // Assess
    const tokenItem = await storedToken(client, stack, appid);
    const wechat = await followersInWeChat(stack, String(tokenItem?.accessToken));
    const compared = compareFollowers(wechat, await followersInHub(calls, fansAdmin, appid));
    const fans = (await calls.call('GET', `/v1/accounts/${appid}`, fansAdmin)).json.fans;
    const duplicated = compared.duplicated + Math.max(0, fans.subscribed - wechat.length) + Math.max(0, fans.total - wechat.length);
    const figures = {
      faultsInjected,
      operations: pushes,
      lost: compared.lost + Math.max(0, wechat.length - fans.subscribed),
      duplicated,
      serverErrors: calls.serverErrors.length,
    };
    printFigures('follow event profile storm', figures);
    expect(faultsInjected).toBeGreaterThanOrEqual(20);
    expect(notSuccess).toBe(0);
    expect(figures, JSON.stringify({ fans, wechat: wechat.length, missing: compared.missing })).toMatchObject({ lost: 0, duplicated: 0, serverErrors: 0 });
  });

  it("unbinds exactly the accounts WeChat no longer authorizes through 5xx and a stall on unbinding's check, answering only documented 5xx", async () => {
    // Prepare: of the four bound accounts, two are revoked in WeChat and the `unauthorized` push is lost.
    const simulator = stack.simulator!;
    const [keptA, keptB, goneA, goneB] = bound as [string, string, string, string];
    await simulator.revoke(goneA, { push: false });
    await simulator.revoke(goneB, { push: false });
    simulator.resetCalls();
    simulator.injectFault({ path: '/cgi-bin/component/api_get_authorizer_info', httpStatus: 502, times: 10 });
    simulator.injectFault({ path: '/cgi-bin/component/api_get_authorizer_info', stallMs: STALL_MS, times: 1 });
    const calls = new HubCalls(stack);
    const ended = new Map<string, number>();

    // Act: the admin asks to unbind each, and asks again after a 5xx (at most four times).
    await Promise.all(
      bound.map(async (appid) => {
        for (let attempt = 0; attempt < 4; attempt += 1) {
          const answer = await calls.call('DELETE', `/v1/accounts/${appid}`, admin);
          ended.set(appid, answer.status);
          if (answer.status < 500) return;
        }
      }),
    );
    const faultsInjected = totalOf(simulator.faultsServed());
    simulator.clearFaults();

    // Assess
    const status = async (appid: string) => (await calls.call('GET', `/v1/accounts/${appid}`, admin)).json?.status ?? 'unbound';
    const lost = [
      (await status(keptA)) !== 'active',
      (await status(keptB)) !== 'active',
      (await status(goneA)) !== 'unbound',
      (await status(goneB)) !== 'unbound',
    ].filter(Boolean).length;
    const duplicated = duplicatesIn(await auditCounts(calls, 'account.unbound'));
    const figures = { faultsInjected, operations: calls.operations, lost, duplicated, serverErrors: calls.serverErrors.length };
    printFigures('unbind authorization check storm', figures);
    expect(faultsInjected).toBeGreaterThanOrEqual(10);
    expect(Object.fromEntries(ended)).toEqual({ [keptA]: 409, [keptB]: 409, [goneA]: 204, [goneB]: 204 });
    expect(calls.undocumentedServerErrors()).toEqual([]);
    expect(figures).toMatchObject({ lost: 0, duplicated: 0 });
  });
});
