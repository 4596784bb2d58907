/**
 * The WeCom association through the local stack and the WeCom simulator (API.md §7): the suite
 * ticket pushed to `/v1/wecom/suite`, the install link, the admin's install on the simulator, the
 * redirect to `/v1/wecom/installed` (and the simulator's own `create_auth` push of the same code),
 * the corp and its vended token, cancel_auth by push, the delete; and none of the permanent code,
 * the corp token or the ticket in a console response, an event on the bus or the hub's log output.
 */
import { eventuallyValue } from '#test/e2e/support/eventually.ts';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '#infra/local/stack.ts';
import { createDocumentClient } from '#shared/db/client.ts';

const TENANT = 't-wecom-e2e';
const lines: string[] = [];
const events: unknown[] = [];
const answers: string[] = [];
/** Every secret the simulated WeCom handed the hub (permanent codes, tokens), recorded off the wire. */
const secrets = new Set<string>();
const SECRET_FIELDS = ['permanent_code', 'access_token', 'suite_access_token', 'provider_access_token'];

const eventually = <T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 10_000) => eventuallyValue(probe, what, timeoutMs);

describe('WeCom association through the local stack and the WeCom simulator', () => {
  let stack: LocalStack;
  let sim: string;
  let token: string;
  let corpId: string;
  const previousApiBase = process.env.WECOM_API_BASE;
  const write = process.stdout.write.bind(process.stdout);

  const hub = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${stack.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    answers.push(text);
    return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  const simPost = (path: string, body: unknown = {}) =>
    fetch(`${sim}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
      async (r) => (await r.json()) as Record<string, unknown>,
    );

  const realFetch = globalThis.fetch;

  beforeAll(async () => {
    delete process.env.WECOM_API_BASE;
    globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
      const response = await realFetch(input, init);
      if (String(input instanceof Request ? input.url : input).includes('/cgi-bin/')) {
        const body = (await response
          .clone()
          .json()
          .catch(() => ({}))) as Record<string, unknown>;
        for (const field of SECRET_FIELDS) if (typeof body[field] === 'string') secrets.add(body[field] as string);
      }
      return response;
    }) as typeof fetch;
    // Everything the hub logs while the test runs, to scan for secrets.
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      lines.push(String(chunk));
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stdout.write;
    stack = await startLocalStack({
      port: 0,
      inMemory: true,
      simulator: { ticketIntervalMs: 0 },
      wecomSimulator: { ticketIntervalMs: 0 },
      log: (line) => lines.push(line),
    });
    stack.events.subscribe((envelope) => void events.push(envelope));
    sim = stack.wecomSimulator!.baseUrl;
    token = await stack.consoleToken({ tenant: TENANT, admin: true, sub: 'admin-1' });
    // The operator's switch (features.wecom) on the tenant's settings item.
    await createDocumentClient(stack.dynamoDbEndpoint).send(
      new PutCommand({ TableName: stack.tableName, Item: { pk: `TENANT#${TENANT}`, sk: 'TENANT', features: { wecom: true } } }),
    );
    await simPost('/__sim/push-ticket');
  });

  afterAll(async () => {
    globalThis.fetch = realFetch;
    process.stdout.write = write;
    await stack?.stop();
    if (previousApiBase !== undefined) process.env.WECOM_API_BASE = previousApiBase;
  });

  it('installs a corp: install link, the admin’s install, the redirect to the console with wecom=ok', async () => {
    const link = await hub('POST', '/v1/wecom/installations');
    expect(link.status).toBe(201);
    const installUrl = new URL(String(link.json.installUrl));
    const corps = (await fetch(`${sim}/__sim/corps`).then((r) => r.json())) as { corps: { corpId: string }[] };
    corpId = corps.corps[0]!.corpId;
    const installed = await simPost(`/__sim/corps/${corpId}/install`, {
      preAuthCode: installUrl.searchParams.get('pre_auth_code'),
      redirectUri: installUrl.searchParams.get('redirect_uri'),
      state: installUrl.searchParams.get('state'),
      departments: [1],
    });
    const redirect = await fetch(String(installed.location), { redirect: 'manual' });
    const console = new URL(redirect.headers.get('location')!);
    expect(redirect.status).toBe(302);
    expect(Object.fromEntries(console.searchParams)).toEqual({ wecom: 'ok', corpId });
  });

  it('shows the installed corp with its visible range, and vends its token to an internal caller', async () => {
    const corp = await hub('GET', '/v1/wecom/corp');
    const vended = await fetch(`${stack.baseUrl}/v1/internal/wecom/corps/${corpId}/access-token`, {
      headers: { authorization: `Bearer ${await stack.serviceToken('wecom-e2e')}` },
    }).then((r) => r.json() as Promise<Record<string, unknown>>);
    expect(corp.json).toMatchObject({ corpId, status: 'installed', authType: 'test', visibleRange: { departments: [1] } });
    expect(vended).toMatchObject({ corpId, accessToken: expect.any(String) });
  });

  it('refuses the delete while WeCom shows the app installed, then deletes after the cancel_auth push', async () => {
    const early = await hub('DELETE', '/v1/wecom/corp');
    await simPost(`/__sim/corps/${corpId}/uninstall`, { push: true });
    await eventually(async () => ((await hub('GET', '/v1/wecom/corp')).json.status === 'uninstalled' ? true : undefined), 'the corp uninstalled');
    const deleted = await hub('DELETE', '/v1/wecom/corp');
    const after = await hub('GET', '/v1/wecom/corp');
    expect([early.status, early.json.error]).toEqual([409, expect.objectContaining({ code: 'revoke_in_wechat_first' })]);
    expect([deleted.status, after.status]).toEqual([204, 404]);
  });

  it('published WeCom Corp Installed and Uninstalled, and no secret reached a response, an event or a log line', async () => {
    await stack.events.drain();
    const detailTypes = events.map((envelope) => (envelope as { 'detail-type': string })['detail-type']);
    const haystack = JSON.stringify({ answers, events, lines });
    expect(detailTypes).toEqual(expect.arrayContaining(['WeCom Corp Installed', 'WeCom Corp Uninstalled']));
    expect(secrets.size).toBeGreaterThanOrEqual(3);
    expect([...secrets].filter((value) => haystack.includes(value))).toEqual([]);
  });
});
