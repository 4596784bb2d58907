/**
 * The local gateway's authorizers, standing in for API Gateway's:
 * - `jwt` routes: the HTTP API JWT authorizer (issuer, audience, `exp`, signature) with the local
 *   HS256 key — and HS256 only, so `alg: none` and algorithm-confusion tokens are refused;
 * - `iam` routes: SigV4 in AWS; locally a service token (`npm run token -- --service <name>`) whose
 *   result is shaped like the IAM authorizer context.
 */
import { createHash } from 'node:crypto';
import { errors, jwtVerify, type JWTPayload } from 'jose';
import { CONSOLE_AUDIENCE, INTERNAL_AUDIENCE, LOCAL_ISSUER, serviceNamePattern } from '#infra/local/tokens.ts';

export type RefusalReason = 'missing' | 'malformed' | 'expired' | 'not_yet_valid' | 'bad_signature' | 'wrong_claims';

export type Verification = { ok: true; payload: JWTPayload } | { ok: false; reason: RefusalReason };

/** Messages in general terms: they say why, never echo the token. */
export const refusalMessages: Record<RefusalReason, string> = {
  missing: 'A bearer token is required (Authorization: Bearer <token>).',
  malformed: 'The bearer token is malformed or not signed with an accepted algorithm.',
  expired: 'The bearer token has expired.',
  not_yet_valid: 'The bearer token is not valid yet.',
  bad_signature: 'The bearer token signature is not valid.',
  wrong_claims: 'The bearer token was not issued for this API (issuer, audience or required claims).',
};

/** API Gateway's JWT authorizer takes the Authorization header with or without the `Bearer ` prefix. */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const token = authorization.replace(/^Bearer\s+/i, '').trim();
  return token === '' ? undefined : token;
}

async function verify(token: string | undefined, secret: Uint8Array, audience: string): Promise<Verification> {
  if (!token) return { ok: false, reason: 'missing' };
  try {
    const { payload } = await jwtVerify(token, secret, {
      algorithms: ['HS256'],
      issuer: LOCAL_ISSUER,
      audience,
      requiredClaims: ['exp'],
    });
    return { ok: true, payload };
  } catch (error) {
    if (error instanceof errors.JWTExpired) return { ok: false, reason: 'expired' };
    if (error instanceof errors.JWSSignatureVerificationFailed) return { ok: false, reason: 'bad_signature' };
    if (error instanceof errors.JWTClaimValidationFailed) {
      return { ok: false, reason: error.claim === 'nbf' || error.claim === 'iat' ? 'not_yet_valid' : 'wrong_claims' };
    }
    return { ok: false, reason: 'malformed' };
  }
}

export function verifyConsoleToken(token: string | undefined, secret: Uint8Array): Promise<Verification> {
  return verify(token, secret, CONSOLE_AUDIENCE);
}

export async function verifyServiceToken(token: string | undefined, secret: Uint8Array): Promise<Verification & { service?: string }> {
  const result = await verify(token, secret, INTERNAL_AUDIENCE);
  if (!result.ok) return result;
  const service = result.payload.service;
  if (result.payload.token_use !== 'service' || typeof service !== 'string' || !serviceNamePattern.test(service)) {
    return { ok: false, reason: 'wrong_claims' };
  }
  return { ...result, service };
}

/**
 * Claims as API Gateway's HTTP API JWT authorizer hands them to the function in payload 2.0: every
 * value is a string. What AWS does, from event dumps published by users and AWS's own examples:
 * - strings pass through; numbers keep their JSON text (`"exp": "1612061676"`, not `1.6e+09`);
 *   booleans become `"true"`/`"false"` (Cognito's `"email_verified": "true"`);
 * - arrays become `[a b]`: the elements space-separated in brackets, no quotes
 *   (`"cognito:groups": "[admin ops]"`) — the formatting of Go's `fmt` for a slice, so a value that
 *   contains a space cannot be told apart from two values (the console's ids never contain spaces);
 * - by the same Go formatting, objects become `map[key:value …]` with sorted keys and `null` becomes
 *   `<nil>`. These two are reported by users rather than shown in AWS's documentation; nothing in the
 *   hub reads such claims.
 * `shared/auth/caller.ts` `listClaim` reads the `[a b]` form back into a list.
 */
export function flattenClaims(payload: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(payload).map(([name, value]) => [name, flattenClaim(value)]));
}

export function flattenClaim(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return `[${value.map(flattenClaim).join(' ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `map[${entries.map(([key, inner]) => `${key}:${flattenClaim(inner)}`).join(' ')}]`;
  }
  return String(value);
}

/** The `requestContext.authorizer` of a `jwt` route. */
export function jwtAuthorizerContext(payload: JWTPayload) {
  // API Gateway fills `scopes` only for routes with authorization scopes; the hub's routes have none.
  return { jwt: { claims: flattenClaims(payload as Record<string, unknown>), scopes: null } };
}

export const LOCAL_ACCOUNT_ID = '000000000000';

/** Stable, AWS-looking ids (`AIDA…`, `ASIA…`) derived from the service name. */
function awsId(prefix: string, service: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const digest = createHash('sha256').update(`${prefix}:${service}`).digest();
  let id = prefix;
  for (let i = 0; id.length < 20; i += 1) id += alphabet[digest[i]! % 32];
  return id;
}

/** The `requestContext.authorizer` of an `iam` route, shaped like the IAM authorizer's for an IAM user. */
export function iamAuthorizerContext(service: string) {
  const userId = awsId('AIDA', service);
  return {
    iam: {
      accessKey: awsId('ASIA', service),
      accountId: LOCAL_ACCOUNT_ID,
      callerId: userId,
      cognitoIdentity: null,
      principalOrgId: null,
      userArn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:user/service/${service}`,
      userId,
    },
  };
}
