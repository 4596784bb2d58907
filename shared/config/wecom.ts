/**
 * WeCom configuration (API.md §4 ⁺): the origins, the install type, and the suite's credentials.
 *
 * - `WECOM_API_BASE` (default `https://qyapi.weixin.qq.com`), `WECOM_OPEN_BASE` (default
 *   `https://open.work.weixin.qq.com`), `WECOM_AUTH_TYPE` (`test` | `live`, default `live`; the local
 *   stack sets `test`): parsed once, like `config.ts`.
 * - The credentials: in AWS the Secrets Manager secret of `WECOM_SECRET_ARN` holding
 *   `{ suiteId, suiteSecret, token, aesKey, providerCorpId, providerSecret?, systemToken?,
 *   systemAesKey?, registerTemplateId? }`; locally and in tests `WECOM_SUITE_ID`, `WECOM_SUITE_SECRET`,
 *   `WECOM_SUITE_TOKEN`, `WECOM_SUITE_AES_KEY`, `WECOM_PROVIDER_CORPID`, `WECOM_PROVIDER_SECRET` (and the
 *   optional `WECOM_SYSTEM_TOKEN`, `WECOM_SYSTEM_AES_KEY`, `WECOM_REGISTER_TEMPLATE_ID`).
 * - Secrets at rest: `WECOM_KMS_KEY_ID` (AWS: the KMS key that seals the permanent codes and the mini
 *   program secrets); without it, the 32-byte key file `WECOM_LOCAL_KEY_FILE` (default
 *   `.local/wecom-secret-key`, created on first use).
 *
 * A missing credential makes WeCom routes fail with a message naming the variable, never its value.
 */
import * as v from 'valibot';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { EnvInput } from '#shared/config/config.ts';
import type { WeComAuthType, WeComCredentials } from '#shared/domain/wecom/ports.ts';

const origin = (fallback: string) =>
  v.pipe(
    v.optional(v.string(), fallback),
    v.url('must be an absolute URL'),
    v.transform((url) => url.replace(/\/+$/, '')),
  );

const envSchema = v.object({
  WECOM_API_BASE: origin('https://qyapi.weixin.qq.com'),
  WECOM_OPEN_BASE: origin('https://open.work.weixin.qq.com'),
  WECOM_AUTH_TYPE: v.optional(v.picklist(['test', 'live'], 'must be test or live'), 'live'),
  WECOM_SECRET_ARN: v.optional(v.string()),
  WECOM_KMS_KEY_ID: v.optional(v.string()),
  WECOM_LOCAL_KEY_FILE: v.optional(v.string(), '.local/wecom-secret-key'),
});

export interface WeComConfig {
  apiBase: string;
  openBase: string;
  authType: WeComAuthType;
  secretArn?: string;
  kmsKeyId?: string;
  localKeyFile: string;
}

export function parseWeComConfig(env: EnvInput): WeComConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = v.safeParse(envSchema, present);
  if (!result.success) {
    const problems = result.issues.map((issue) => `${v.getDotPath(issue) ?? '(environment)'}: ${issue.message}`);
    throw new Error(`Invalid WeCom configuration. ${problems.join('; ')}`);
  }
  const e = result.output;
  return {
    apiBase: e.WECOM_API_BASE,
    openBase: e.WECOM_OPEN_BASE,
    authType: e.WECOM_AUTH_TYPE,
    ...(e.WECOM_SECRET_ARN ? { secretArn: e.WECOM_SECRET_ARN } : {}),
    ...(e.WECOM_KMS_KEY_ID ? { kmsKeyId: e.WECOM_KMS_KEY_ID } : {}),
    localKeyFile: e.WECOM_LOCAL_KEY_FILE,
  };
}

let cached: WeComConfig | undefined;

export function wecomConfig(): WeComConfig {
  cached ??= parseWeComConfig(process.env);
  return cached;
}

const aesKey = v.pipe(v.string(), v.regex(/^[A-Za-z0-9]{43}$/, 'must be 43 characters of A-Z, a-z, 0-9'));
const callbackToken = v.pipe(v.string(), v.regex(/^[A-Za-z0-9]{1,32}$/, 'must be 1 to 32 letters or digits'));
const id = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, _ or -'));

const credentialsSchema = v.object({
  suiteId: id,
  suiteSecret: v.pipe(v.string(), v.minLength(1, 'must not be empty')),
  token: callbackToken,
  aesKey,
  providerCorpId: id,
  providerSecret: v.optional(v.pipe(v.string(), v.minLength(1))),
  systemToken: v.optional(callbackToken),
  systemAesKey: v.optional(aesKey),
  registerTemplateId: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(128))),
});

function parseCredentials(input: unknown, source: string): WeComCredentials {
  const result = v.safeParse(credentialsSchema, input);
  if (!result.success) {
    // Name the fields, never echo their values: they are secrets.
    const fields = result.issues.map((issue) => `${v.getDotPath(issue) ?? '(root)'}: ${issue.message}`);
    throw new Error(`Invalid WeCom suite credentials from ${source}. ${fields.join('; ')}`);
  }
  const out: WeComCredentials = { ...result.output };
  for (const key of Object.keys(out) as (keyof WeComCredentials)[]) if (out[key] === undefined) delete out[key];
  return out;
}

const envNames = {
  suiteId: 'WECOM_SUITE_ID',
  suiteSecret: 'WECOM_SUITE_SECRET',
  token: 'WECOM_SUITE_TOKEN',
  aesKey: 'WECOM_SUITE_AES_KEY',
  providerCorpId: 'WECOM_PROVIDER_CORPID',
  providerSecret: 'WECOM_PROVIDER_SECRET',
  systemToken: 'WECOM_SYSTEM_TOKEN',
  systemAesKey: 'WECOM_SYSTEM_AES_KEY',
  registerTemplateId: 'WECOM_REGISTER_TEMPLATE_ID',
} as const;

export function wecomCredentialsFromEnv(env: EnvInput): WeComCredentials {
  const input: Record<string, string> = {};
  for (const [field, name] of Object.entries(envNames)) {
    const value = env[name];
    if (value !== undefined && value !== '') input[field] = value;
  }
  return parseCredentials(input, 'the WECOM_* environment variables');
}

let remembered: { raw: string; credentials: WeComCredentials } | undefined;

/** The suite's credentials: the secret (cached 5 minutes by Powertools) when `WECOM_SECRET_ARN` is set, else the env. */
export async function wecomCredentials(): Promise<WeComCredentials> {
  const arn = wecomConfig().secretArn;
  let raw: string;
  let parse: () => WeComCredentials;
  if (!arn) {
    raw = JSON.stringify(Object.values(envNames).map((name) => process.env[name] ?? null));
    parse = () => wecomCredentialsFromEnv(process.env);
  } else {
    const secret = await getSecret(arn, { maxAge: 300 });
    raw = typeof secret === 'string' ? secret : secret === undefined ? '' : new TextDecoder().decode(secret);
    parse = () => {
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        throw new Error('Invalid WeCom suite credentials from the Secrets Manager secret WECOM_SECRET_ARN: its value is not JSON.');
      }
      return parseCredentials(json, 'the Secrets Manager secret WECOM_SECRET_ARN');
    };
  }
  if (remembered?.raw !== raw) remembered = { raw, credentials: parse() };
  return remembered.credentials;
}

/** For tests and the local stack, which set the environment before handlers load. */
export function resetWeComConfigForTests(): void {
  cached = undefined;
  remembered = undefined;
}
