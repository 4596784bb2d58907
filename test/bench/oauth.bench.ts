/**
 * `npm run bench -- oauth`: web authorization's whole redirect round trip through the local gateway,
 * for OAUTH_BENCH_N (2 000) visitors at OAUTH_BENCH_CONCURRENCY (20), each as a browser and the
 * page's back end do it: `GET /v1/oauth/{appid}/authorize` (302 to WeChat) → WeChat's page (the
 * simulator: GET the consent page, POST 允许 with `snsapi_userinfo`) → `GET /v1/oauth/callback` (the
 * hub exchanges WeChat's code and reads `sns/userinfo`) → `POST /v1/internal/oauth/exchange`.
 * Figures: visitors/s, p50/p99 per visitor, and
 * - `ratio` = wall ÷ the WeChat-side floor, measured in the same run: the simulator's own work for as
 *   many visitors at the same concurrency with no hub in between (the consent page and its POST,
 *   `sns/oauth2/component/access_token`, `sns/userinfo`, straight to the simulator);
 * - `ratioToEngine` = wall ÷ the embedded engine's serial floor: the table requests of one visitor
 *   (account status, holders, origins, state put and spend, component token, code put, outbox entry,
 *   code spend) replayed one at a time on the same engine, × the visitors. The engine serves one
 *   request at a time, so no concurrency goes below it; DynamoDB serves them in parallel.
 */
import { performance } from 'node:perf_hooks';
import { DynamoComponentStore } from '#shared/adapters/dynamodb/component-store.ts';
import { DynamoEventOutbox } from '#shared/adapters/dynamodb/event-outbox.ts';
import { DynamoOAuthAccounts } from '#shared/adapters/dynamodb/oauth-accounts.ts';
import { DynamoOAuthCodes, DynamoOAuthStates } from '#shared/adapters/dynamodb/oauth-grants.ts';
import { DynamoOAuthOrigins } from '#shared/adapters/dynamodb/oauth-origins.ts';
import { createDocumentClient } from '#shared/db/client.ts';
import { userAuthorizedEvent } from '#shared/domain/events/model.ts';
import { wechatAuthorizeUrl } from '#shared/domain/oauth/wechat-urls.ts';
import { startLocalStack } from '#infra/local/stack.ts';
import { SIM_VISITORS } from '#infra/local/wechat-simulator/web-auth.ts';
import { bindThroughSimulator } from '#test/e2e/support/binding.ts';

export const description =
  '2 000 visitors through authorize → WeChat consent → callback → exchange at concurrency 20: p50/p99 per visitor (ratio = wall ÷ the WeChat-side floor)';

const N = Number(process.env.OAUTH_BENCH_N ?? 2_000);
const CONCURRENCY = Number(process.env.OAUTH_BENCH_CONCURRENCY ?? 20);
const WARM_UP = 20;
const ENGINE_SAMPLE = Math.min(N, 200);
const TENANT = 'bench-oauth';
const PAGE_ORIGIN = 'http://127.0.0.1:5173';

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const round = (value: number, digits = 1) => Number(value.toFixed(digits));

/** Runs `visit(i)` for i in [0, n) with `concurrency` in flight; returns each visit's milliseconds and the wall seconds. */
async function pool(n: number, concurrency: number, visit: (i: number) => Promise<void>, progress?: (done: number) => void) {
  const latencies: number[] = [];
  let next = 0;
  const start = performance.now();
  const worker = async () => {
    for (let i = next++; i < n; i = next++) {
      const began = performance.now();
      await visit(i);
      latencies.push(performance.now() - began);
      if (progress && latencies.length % 200 === 0) progress(latencies.length);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { latencies: latencies.sort((a, b) => a - b), wallSeconds: (performance.now() - start) / 1000 };
}

/** A redirect's target, failing loudly when the step did not redirect. */
async function location(response: Response, step: string): Promise<string> {
  await response.arrayBuffer();
  const target = response.headers.get('location');
  if (response.status !== 302 || !target) throw new Error(`${step} answered ${response.status}, not a redirect`);
  return target;
}

/** The visitor on WeChat's page: GET it, then POST 允许 as its form does. Returns where WeChat sends the browser. */
async function consent(wechatUrl: string, visitor: string): Promise<string> {
  const page = await fetch(wechatUrl);
  const html = await page.text();
  if (!html.includes('id="allow"')) throw new Error(`WeChat's page did not ask the visitor: ${html.slice(0, 200)}`);
  const url = new URL(wechatUrl);
  const form = new URLSearchParams(url.searchParams);
  form.set('visitor', visitor);
  form.set('decision', 'allow');
  return location(await fetch(`${url.origin}${url.pathname}`, { method: 'POST', body: form, redirect: 'manual' }), 'the consent');
}

export async function run(progress: (message: string) => void): Promise<Record<string, unknown>> {
  const stack = await startLocalStack({ port: 0, inMemory: true, log: () => undefined });
  try {
    const simulator = stack.simulator!;
    progress('binding an account and allowing the page’s origin');
    const appid = simulator.addAccount({ nickname: 'bench oauth', serviceType: 'service', verified: true, followers: 0 }).appid;
    const { location: bound } = await bindThroughSimulator(stack, { tenant: TENANT, appid });
    if (bound.searchParams.get('bind') !== 'ok') throw new Error(`binding ${appid} ended with ${bound.search}`);
    const admin = { authorization: `Bearer ${await stack.consoleToken({ tenant: TENANT, admin: true })}`, 'content-type': 'application/json' };
    await fetch(`${stack.baseUrl}/v1/accounts/${appid}/open-platform`, { method: 'POST', headers: admin, body: '{}' });
    const put = await fetch(`${stack.baseUrl}/v1/oauth/origins`, { method: 'PUT', headers: admin, body: JSON.stringify({ origins: [PAGE_ORIGIN] }) });
    if (put.status !== 200) throw new Error(`PUT /v1/oauth/origins answered ${put.status}`);
    const service = { authorization: `Bearer ${await stack.serviceToken('bench')}`, 'content-type': 'application/json' };
    await stack.queues.drain('fan-sync');

    // The hub's round trip for one visitor, as the browser and the page's back end make it.
    const statuses: Record<string, number> = {};
    const visitHub = async (i: number) => {
      const redirectUri = `${PAGE_ORIGIN}/h5?n=${i}`;
      const authorize = `${stack.baseUrl}/v1/oauth/${appid}/authorize?${new URLSearchParams({ redirect_uri: redirectUri, state: `p${i}`, scope: 'snsapi_userinfo' })}`;
      const wechatUrl = await location(await fetch(authorize, { redirect: 'manual' }), 'authorize');
      const callback = await consent(wechatUrl, SIM_VISITORS[i % SIM_VISITORS.length]!);
      const page = new URL(await location(await fetch(callback, { redirect: 'manual' }), 'the callback'));
      const code = page.searchParams.get('code');
      if (!code) throw new Error(`the page got no code: ${page.search}`);
      const exchanged = await fetch(`${stack.baseUrl}/v1/internal/oauth/exchange`, { method: 'POST', headers: service, body: JSON.stringify({ code }) });
      const user = (await exchanged.json()) as { openid?: string; user?: { nickname?: string } };
      statuses[exchanged.status] = (statuses[exchanged.status] ?? 0) + 1;
      if (exchanged.status !== 200 || !user.openid || !user.user?.nickname) throw new Error(`the exchange answered ${exchanged.status}`);
    };

    progress(`warming up (${WARM_UP} visitors)`);
    await pool(WARM_UP, Math.min(WARM_UP, CONCURRENCY), visitHub);
    for (const key of Object.keys(statuses)) delete statuses[key];
    const hub = await pool(N, CONCURRENCY, visitHub, (done) => progress(`${done} / ${N} visitors through the hub`));

    // The WeChat-side floor: the simulator's work for the same visitors, no hub in between.
    progress('measuring the WeChat-side floor');
    const sim = simulator.baseUrl;
    const { componentAppId, componentSecret } = simulator.credentials;
    const minted = await fetch(`${sim}/cgi-bin/component/api_component_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ component_appid: componentAppId, component_appsecret: componentSecret, component_verify_ticket: simulator.currentTicket() }),
    });
    const componentToken = ((await minted.json()) as { component_access_token: string }).component_access_token;
    const visitWeChat = async (i: number) => {
      const wechatUrl = wechatAuthorizeUrl({
        openBase: sim,
        appid,
        redirectUri: `${stack.baseUrl}/v1/oauth/callback`,
        scope: 'snsapi_userinfo',
        state: `floor${i}`,
        componentAppId,
      });
      const code = new URL(await consent(wechatUrl, SIM_VISITORS[i % SIM_VISITORS.length]!)).searchParams.get('code')!;
      const token = new URLSearchParams({
        appid,
        code,
        grant_type: 'authorization_code',
        component_appid: componentAppId,
        component_access_token: componentToken,
      });
      const grant = (await (await fetch(`${sim}/sns/oauth2/component/access_token?${token}`)).json()) as { access_token: string; openid: string };
      const info = (await (
        await fetch(`${sim}/sns/userinfo?${new URLSearchParams({ access_token: grant.access_token, openid: grant.openid, lang: 'zh_CN' })}`)
      ).json()) as {
        nickname?: string;
      };
      if (!info.nickname) throw new Error('the floor’s sns/userinfo gave no nickname');
    };
    const floor = await pool(N, CONCURRENCY, visitWeChat);

    // The engine's serial floor: one visitor's table requests, one at a time, on the same engine.
    progress('measuring the engine’s serial floor');
    const client = createDocumentClient(stack.dynamoDbEndpoint);
    const table = stack.tableName;
    const accounts = new DynamoOAuthAccounts(client, table);
    const origins = new DynamoOAuthOrigins(client, table);
    const states = new DynamoOAuthStates(client, table);
    const codes = new DynamoOAuthCodes(client, table);
    const component = new DynamoComponentStore(client, table);
    const outbox = new DynamoEventOutbox(client, table);
    const engineStart = performance.now();
    for (let i = 0; i < ENGINE_SAMPLE; i++) {
      const now = new Date();
      const later = new Date(now.getTime() + 300_000).toISOString();
      await accounts.status(appid);
      const holders = await accounts.holders(appid);
      await origins.ofTenants(holders.map((holder) => holder.tenantId));
      const record = {
        appid,
        tenantId: TENANT,
        redirectUri: `${PAGE_ORIGIN}/h5`,
        scope: 'snsapi_userinfo' as const,
        createdAt: now.toISOString(),
        expiresAt: later,
      };
      await states.save(`engine-state-${i}`, record);
      await states.spend(`engine-state-${i}`);
      await component.readToken(componentAppId);
      const user = { appid, tenantId: TENANT, openid: `o-engine-${i}`, scope: 'snsapi_userinfo' as const };
      await codes.save(`engine-code-${i}`, { user, createdAt: now.toISOString(), expiresAt: later });
      await outbox.publish(userAuthorizedEvent({ ...user, eventId: `hub:engine-floor-${i}`, at: now.toISOString() }));
      await codes.spend(`engine-code-${i}`);
    }
    const engineMsPerVisitor = (performance.now() - engineStart) / ENGINE_SAMPLE;
    const engineSeconds = (engineMsPerVisitor * N) / 1000;
    await stack.events.drain();

    return {
      visitors: N,
      concurrency: CONCURRENCY,
      statuses,
      wallSeconds: round(hub.wallSeconds),
      visitorsPerSecond: round(N / hub.wallSeconds),
      p50Ms: round(percentile(hub.latencies, 50)),
      p99Ms: round(percentile(hub.latencies, 99)),
      maxMs: round(hub.latencies[hub.latencies.length - 1]!),
      floorWallSeconds: round(floor.wallSeconds, 2),
      floorP50Ms: round(percentile(floor.latencies, 50)),
      floorP99Ms: round(percentile(floor.latencies, 99)),
      engineMsPerVisitor: round(engineMsPerVisitor, 2),
      engineSeconds: round(engineSeconds),
      ratio: round(hub.wallSeconds / floor.wallSeconds),
      ratioToEngine: round(hub.wallSeconds / engineSeconds, 2),
    };
  } finally {
    await stack.stop();
  }
}
