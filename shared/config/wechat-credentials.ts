/**
 * The component's credentials: appid, secret, message token, EncodingAESKey (and the previous key
 * during a rotation). In AWS they live in one Secrets Manager secret (`WECHAT_SECRET_ARN`), read
 * through Powertools' cached `getSecret`; locally and in tests they come from `WECHAT_COMPONENT_*`.
 * They are never logged and never returned.
 */
import * as v from 'valibot';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { config, type EnvInput } from '#shared/config/config.ts';

const aesKey = v.pipe(v.string(), v.regex(/^[A-Za-z0-9]{43}$/, 'must be 43 characters of A-Z, a-z, 0-9'));

const credentialsSchema = v.object({
  componentAppId: v.pipe(v.string(), v.regex(/^wx[0-9a-zA-Z]{16}$/, 'must look like wx followed by 16 characters')),
  componentSecret: v.pipe(v.string(), v.minLength(1, 'must not be empty')),
  token: v.pipe(v.string(), v.regex(/^[A-Za-z0-9]{3,32}$/, 'must be 3 to 32 letters or digits')),
  aesKey,
  previousAesKey: v.optional(aesKey),
});

export type WeChatCredentials = v.InferOutput<typeof credentialsSchema>;

function parseCredentials(input: unknown, source: string): WeChatCredentials {
  const result = v.safeParse(credentialsSchema, input);
  if (!result.success) {
    // Name the fields, never echo their values: they are secrets.
    const fields = result.issues.map((issue) => `${v.getDotPath(issue) ?? '(root)'}: ${issue.message}`);
    throw new Error(`Invalid WeChat component credentials from ${source}. ${fields.join('; ')}`);
  }
  return result.output;
}

/** Reads the credentials from `WECHAT_COMPONENT_*` variables. */
export function credentialsFromEnv(env: EnvInput): WeChatCredentials {
  const previous = env.WECHAT_COMPONENT_PREVIOUS_AES_KEY;
  return parseCredentials(
    {
      componentAppId: env.WECHAT_COMPONENT_APPID,
      componentSecret: env.WECHAT_COMPONENT_SECRET,
      token: env.WECHAT_COMPONENT_TOKEN,
      aesKey: env.WECHAT_COMPONENT_AES_KEY,
      ...(previous ? { previousAesKey: previous } : {}),
    },
    'the WECHAT_COMPONENT_* environment variables',
  );
}

/**
 * The last credentials read and the raw values they were parsed from. The same values give the same
 * object, so that what is built from the credentials (the MessageCrypto of wechat-route.ts) is
 * built once per set of credentials, not once per request.
 */
let remembered: { source: 'env' | 'secret'; raw: string; credentials: WeChatCredentials } | undefined;

function rememberedOr(source: 'env' | 'secret', raw: string, parse: () => WeChatCredentials): WeChatCredentials {
  if (remembered?.source === source && remembered.raw === raw) return remembered.credentials;
  const credentials = parse();
  remembered = { source, raw, credentials };
  return credentials;
}

const envNames = [
  'WECHAT_COMPONENT_APPID',
  'WECHAT_COMPONENT_SECRET',
  'WECHAT_COMPONENT_TOKEN',
  'WECHAT_COMPONENT_AES_KEY',
  'WECHAT_COMPONENT_PREVIOUS_AES_KEY',
] as const;

/**
 * The current credentials. From Secrets Manager (cached by Powertools for 5 minutes, so a rotated
 * EncodingAESKey is picked up without a redeploy) when `WECHAT_SECRET_ARN` is set, else from the env.
 * Parsed again only when the secret's value or the variables changed.
 */
export async function wechatCredentials(): Promise<WeChatCredentials> {
  const arn = config().wechatSecretArn;
  if (!arn) {
    const env = process.env;
    return rememberedOr('env', JSON.stringify(envNames.map((name) => env[name] ?? null)), () => credentialsFromEnv(env));
  }
  const secret = await getSecret(arn, { maxAge: 300 });
  const raw = typeof secret === 'string' ? secret : secret === undefined ? '' : new TextDecoder().decode(secret);
  return rememberedOr('secret', raw, () => parseCredentials(parseSecretJson(raw), 'the Secrets Manager secret WECHAT_SECRET_ARN'));
}

function parseSecretJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    // Never the text itself: it is the secret.
    throw new Error('Invalid WeChat component credentials from the Secrets Manager secret WECHAT_SECRET_ARN: its value is not JSON.');
  }
}

/** Forgets the remembered credentials (tests that change them in place). */
export function resetWechatCredentialsForTests(): void {
  remembered = undefined;
}
