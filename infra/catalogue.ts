/**
 * The catalogue of the hub's Lambda functions: what each is for, what triggers it and which
 * resources it may touch. It is the single source for the CDK stack (functions, routes, grants,
 * schedules, queue consumers), the local stack (gateway routes, in-process queues and timers) and the
 * route-conformance tests. A function's folder is `functions/<name>/handler.ts`.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * How a route is authenticated before the handler runs:
 * - `jwt`: console routes; the gateway verifies the bearer JWT and passes its claims.
 * - `wechat`: WeChat's own calls; no gateway auth, the handler verifies WeChat's signature.
 * - `iam`: internal service-to-service routes (SigV4 in AWS, a local service token locally).
 */
export type RouteAuth = 'jwt' | 'wechat' | 'iam';

export interface Route {
  readonly method: HttpMethod;
  /** API Gateway path syntax: `/v1/accounts/{appid}`. */
  readonly path: string;
  readonly auth: RouteAuth;
}

/** Table access, mapped to the narrowest CDK grant. */
export type TableAccess = 'read' | 'write' | 'readwrite';

export interface HubFunction {
  readonly name: string;
  readonly description: string;
  readonly table: TableAccess;
  /** The fan-sync queue: `send` grants SendMessage, `consume` wires the event source. */
  readonly fanSyncQueue?: 'send' | 'consume' | 'send+consume';
  /** Reads the component credentials from Secrets Manager. */
  readonly readsWeChatSecret: boolean;
  /** Calls WeChat's APIs, so it egresses through the whitelisted NAT IPs in AWS. */
  readonly callsWeChat: boolean;
  readonly routes?: readonly Route[];
  /** EventBridge schedule, e.g. `rate(5 minutes)` or `cron(0 3 * * ? *)`. */
  readonly schedule?: string;
  readonly timeoutSeconds?: number;
  readonly memoryMb?: number;
}

export const hubFunctions: readonly HubFunction[] = [
  {
    name: 'list-audit',
    description: 'GET /v1/audit: the tenant audit trail, newest first, paginated',
    table: 'read',
    readsWeChatSecret: false,
    callsWeChat: false,
    routes: [{ method: 'GET', path: '/v1/audit', auth: 'jwt' }],
  },
];

export function functionNamed(name: string): HubFunction {
  const found = hubFunctions.find((fn) => fn.name === name);
  if (!found) throw new Error(`No hub function named "${name}" in infra/catalogue.ts`);
  return found;
}

export const allRoutes = (): { fn: HubFunction; route: Route }[] =>
  hubFunctions.flatMap((fn) => (fn.routes ?? []).map((route) => ({ fn, route })));
