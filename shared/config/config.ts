/**
 * Configuration, parsed once per cold start from the environment by a valibot schema (API.md §4).
 * A bad value fails fast with a message that names the variable. Secrets are not part of this object:
 * in AWS they come from Secrets Manager (`WECHAT_SECRET_ARN`), see `shared/config/wechat-credentials.ts`.
 */
import * as v from 'valibot';
import { TABLE_DEFAULT_NAME } from '#shared/table/description.ts';

const booleanFlag = (fallback: boolean) =>
  v.pipe(
    v.optional(v.picklist(['true', 'false', '1', '0']), fallback ? 'true' : 'false'),
    v.transform((text) => text === 'true' || text === '1'),
  );

const integer = (fallback: number, min: number, max: number) =>
  v.pipe(
    v.optional(v.pipe(v.string(), v.regex(/^\d+$/, 'must be a whole number')), String(fallback)),
    v.transform(Number),
    v.number(),
    v.minValue(min, `must be at least ${min}`),
    v.maxValue(max, `must be at most ${max}`),
  );

const origin = (fallback?: string) =>
  v.pipe(
    fallback === undefined ? v.string() : v.optional(v.string(), fallback),
    v.url('must be an absolute URL'),
    v.transform((url) => url.replace(/\/+$/, '')),
  );

const funcIds = v.pipe(
  v.optional(v.string(), '1,2,3'),
  v.regex(/^\s*\d+(\s*,\s*\d+)*\s*$/, 'must be comma-separated permission-set ids, e.g. 1,2,3'),
  v.transform((text) => [...new Set(text.split(',').map((id) => Number(id.trim())))]),
);

const envSchema = v.object({
  TABLE_NAME: v.optional(v.pipe(v.string(), v.minLength(3), v.maxLength(255)), TABLE_DEFAULT_NAME),
  DYNAMODB_ENDPOINT: v.optional(v.pipe(v.string(), v.url('must be an absolute URL'))),
  FAN_SYNC_QUEUE_URL: v.optional(v.string()),
  RELEASE_TEST_QUEUE_URL: v.optional(v.string()),
  WECHAT_SECRET_ARN: v.optional(v.string()),
  WECHAT_API_BASE: origin('https://api.weixin.qq.com'),
  WECHAT_MP_BASE: origin('https://mp.weixin.qq.com'),
  WECHAT_OPEN_BASE: origin('https://open.weixin.qq.com'),
  OAUTH_LOOPBACK_ORIGINS: booleanFlag(false),
  WECHAT_MAX_CLOCK_SKEW_SECONDS: integer(300, 0, 86_400),
  PUBLIC_BASE_URL: v.optional(origin()),
  CONSOLE_URL: v.optional(origin()),
  BIND_REQUIRE_SERVICE_ACCOUNT: booleanFlag(true),
  BIND_REQUIRE_VERIFIED: booleanFlag(true),
  BIND_REQUIRED_FUNC_IDS: funcIds,
  TENANT_DEFAULT_ACCOUNT_QUOTA: integer(5, 0, 10_000),
  PORT: integer(3000, 1, 65_535),
  JWT_TENANT_CLAIM: v.optional(v.pipe(v.string(), v.minLength(1)), 'tenant_id'),
  JWT_ROLES_CLAIM: v.optional(v.pipe(v.string(), v.minLength(1)), 'roles'),
  JWT_DEPARTMENTS_CLAIM: v.optional(v.pipe(v.string(), v.minLength(1)), 'departments'),
  TOKEN_REFRESH_CONCURRENCY: integer(32, 1, 512),
  EVENT_BUS_NAME: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9._\-/]{1,256}$/, 'must be an EventBridge bus name')), 'oa-hub-events'),
  EVENT_TARGET_URL: v.optional(v.pipe(v.string(), v.url('must be an absolute URL'), v.regex(/^https?:\/\//i, 'must be an http(s) URL'))),
});

export type EnvInput = Record<string, string | undefined>;

export interface HubConfig {
  tableName: string;
  dynamoDbEndpoint?: string;
  fanSyncQueueUrl?: string;
  wechatSecretArn?: string;
  wechatApiBase: string;
  wechatMpBase: string;
  /** Origin of WeChat's web authorization page (`/connect/oauth2/authorize`, WECHAT.md §11.2). */
  wechatOpenBase: string;
  /**
   * Web authorization accepts `http://127.0.0.1:<port>` and `http://localhost:<port>` as allowed
   * origins and redirects (`OAUTH_LOOPBACK_ORIGINS`; the local stack sets it, nothing in AWS does).
   */
  oauthLoopbackOrigins: boolean;
  maxClockSkewSeconds: number;
  publicBaseUrl: string;
  consoleUrl: string;
  bindingPolicy: { requireServiceAccount: boolean; requireVerified: boolean; requiredFuncIds: number[] };
  defaultAccountQuota: number;
  port: number;
  claims: { tenant: string; roles: string; departments: string };
  /** Authorizer-token refreshes in flight at most during one scheduled run. */
  tokenRefreshConcurrency: number;
  /** The EventBridge bus the hub publishes to (API.md §6). */
  eventBusName: string;
  /** Local only: where the local bus POSTs every event (its EventBridge envelope). */
  eventTargetUrl?: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses the environment. Throws a `ConfigError` naming every bad variable. */
export function parseConfig(env: EnvInput): HubConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = v.safeParse(envSchema, present);
  if (!result.success) {
    const problems = result.issues.map((issue) => `${v.getDotPath(issue) ?? '(environment)'}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration. ${problems.join('; ')}`);
  }
  const e = result.output;
  const publicBaseUrl = e.PUBLIC_BASE_URL ?? `http://127.0.0.1:${e.PORT}`;
  return {
    tableName: e.TABLE_NAME,
    ...(e.DYNAMODB_ENDPOINT ? { dynamoDbEndpoint: e.DYNAMODB_ENDPOINT } : {}),
    ...(e.FAN_SYNC_QUEUE_URL ? { fanSyncQueueUrl: e.FAN_SYNC_QUEUE_URL } : {}),
    ...(e.WECHAT_SECRET_ARN ? { wechatSecretArn: e.WECHAT_SECRET_ARN } : {}),
    wechatApiBase: e.WECHAT_API_BASE,
    wechatMpBase: e.WECHAT_MP_BASE,
    wechatOpenBase: e.WECHAT_OPEN_BASE,
    oauthLoopbackOrigins: e.OAUTH_LOOPBACK_ORIGINS,
    maxClockSkewSeconds: e.WECHAT_MAX_CLOCK_SKEW_SECONDS,
    publicBaseUrl,
    consoleUrl: e.CONSOLE_URL ?? `${publicBaseUrl}/console`,
    bindingPolicy: {
      requireServiceAccount: e.BIND_REQUIRE_SERVICE_ACCOUNT,
      requireVerified: e.BIND_REQUIRE_VERIFIED,
      requiredFuncIds: e.BIND_REQUIRED_FUNC_IDS,
    },
    defaultAccountQuota: e.TENANT_DEFAULT_ACCOUNT_QUOTA,
    port: e.PORT,
    claims: { tenant: e.JWT_TENANT_CLAIM, roles: e.JWT_ROLES_CLAIM, departments: e.JWT_DEPARTMENTS_CLAIM },
    tokenRefreshConcurrency: e.TOKEN_REFRESH_CONCURRENCY,
    eventBusName: e.EVENT_BUS_NAME,
    ...(e.EVENT_TARGET_URL ? { eventTargetUrl: e.EVENT_TARGET_URL } : {}),
  };
}

let cached: HubConfig | undefined;

/** The process-wide configuration, parsed on first use (cold start) and kept. */
export function config(): HubConfig {
  cached ??= parseConfig(process.env);
  return cached;
}

/** For tests and the local stack, which set the environment before handlers load. */
export function resetConfigForTests(): void {
  cached = undefined;
}
