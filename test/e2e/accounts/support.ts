/**
 * What the account e2e tests share: the console routes of the catalogue, HTTP calls with a bearer
 * token, and an account of a tenant — bound through the simulator when the binding routes exist,
 * otherwise written by the seed fixture into the stack's table.
 */
import { request as httpRequest } from 'node:http';
import { allRoutes, type Route } from '#infra/catalogue.ts';
import type { LocalStack } from '#infra/local/stack.ts';
import { createDocumentClient } from '#shared/db/client.ts';
import { bindThroughSimulator } from '#test/e2e/support/binding.ts';
import { seedOwnedAccount } from '#test/support/seed.ts';
import type { AccountRecord } from '#shared/domain/accounts/model.ts';

export const routeKey = (route: Pick<Route, 'method' | 'path'>): string => `${route.method} ${route.path}`;

/** Every console route (bearer JWT) of the catalogue: new routes join by being catalogued. */
export const consoleRoutes = (): Route[] =>
  allRoutes()
    .filter(({ route }) => route.auth === 'jwt')
    .map(({ route }) => route);

export const hasRoute = (method: Route['method'], path: string): boolean => allRoutes().some(({ route }) => route.method === method && route.path === path);

export const canBindThroughSimulator = (): boolean => hasRoute('POST', '/v1/authorizations') && hasRoute('GET', '/v1/wechat/authorized');

export interface Answer {
  status: number;
  json: any;
  text: string;
}

/**
 * One request over loopback with node:http rather than fetch, which refuses a body on GET: the
 * validation walk sends bodies to every method, as any client may.
 */
export function call(stack: LocalStack, request: { method: string; path: string; token?: string; body?: string; contentType?: string }): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (request.token) headers.authorization = `Bearer ${request.token}`;
  const body = request.body === undefined ? undefined : Buffer.from(request.body, 'utf8');
  if (body) {
    headers['content-type'] = request.contentType ?? 'application/json';
    headers['content-length'] = String(body.length);
  }
  return new Promise<Answer>((resolve, reject) => {
    const outgoing = httpRequest(`${stack.baseUrl}${request.path}`, { method: request.method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: response.statusCode ?? 0, json, text });
      });
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/**
 * A verified service account owned by `tenant`: a new simulator account bound through the hub's own
 * flow (with `seed.openPay`), or — before the binding routes exist — one seeded into the table with `seed` applied.
 */
export async function ownedAccount(stack: LocalStack, tenant: string, seed: Partial<AccountRecord> = {}): Promise<string> {
  if (canBindThroughSimulator() && stack.simulator) {
    const account = stack.simulator.addAccount({
      nickname: `e2e ${tenant}`,
      serviceType: 'service',
      verified: true,
      principalName: `${tenant} Ltd`,
      openPay: seed.openPay ?? false,
    });
    const { location } = await bindThroughSimulator(stack, { tenant, appid: account.appid });
    if (location.searchParams.get('bind') !== 'ok') throw new Error(`binding ${account.appid} for ${tenant} ended with ${location.search}`);
    return account.appid;
  }
  const client = createDocumentClient(stack.dynamoDbEndpoint);
  try {
    const { account } = await seedOwnedAccount(client, stack.tableName, tenant, { account: seed, settings: {} });
    return account.appid;
  } finally {
    client.destroy();
  }
}

/** Polls `probe` until it returns true: for effects that arrive on their own, such as a push WeChat sends. */
export async function eventually(probe: () => Promise<boolean>, what: string, attempts = 40, pauseMs = 100): Promise<void> {
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  throw new Error(`gave up waiting for ${what}`);
}
