/**
 * Local tokens: the HS256 key the local gateway verifies with and `npm run token` signs with, and
 * the minting of console and service tokens. In AWS the console's tokens come from the identity
 * provider configured on the JWT authorizer; none of this is deployed.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT } from 'jose';

export const LOCAL_ISSUER = 'oa-hub-local';
export const CONSOLE_AUDIENCE = 'oa-hub-console';
export const INTERNAL_AUDIENCE = 'oa-hub-internal';
export const DEFAULT_DATA_DIR = '.local';
export const DEFAULT_TOKEN_TTL_SECONDS = 12 * 60 * 60;
const SECRET_FILE = 'jwt-secret';
const MIN_SECRET_LENGTH = 32;

/** The data directory of the local stack: `LOCAL_DATA_DIR` or `.local` (relative to the working directory). */
export const localDataDir = (env: NodeJS.ProcessEnv = process.env): string => env.LOCAL_DATA_DIR || DEFAULT_DATA_DIR;

/**
 * The signing key: `LOCAL_JWT_SECRET`, else the one kept in `<dataDir>/jwt-secret`, created on first
 * use (mode 0600) so that `npm start` and `npm run token` agree without configuration. With
 * `persist: false` (in-memory test stacks) a missing key is generated for this process only.
 */
export function loadJwtSecret(options: { dataDir?: string; env?: NodeJS.ProcessEnv; persist?: boolean } = {}): Uint8Array {
  const env = options.env ?? process.env;
  const fromEnv = env.LOCAL_JWT_SECRET;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (fromEnv.length < MIN_SECRET_LENGTH) throw new Error(`LOCAL_JWT_SECRET must be at least ${MIN_SECRET_LENGTH} characters long.`);
    return new TextEncoder().encode(fromEnv);
  }
  if (options.persist === false) return new TextEncoder().encode(randomBytes(32).toString('base64url'));
  const dataDir = options.dataDir ?? localDataDir(env);
  const file = join(dataDir, SECRET_FILE);
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    try {
      // `wx`: two processes starting at once must not overwrite each other's key.
      writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  chmodSync(file, 0o600);
  const secret = readFileSync(file, 'utf8').trim();
  if (secret.length < MIN_SECRET_LENGTH) throw new Error(`${file} holds a key shorter than ${MIN_SECRET_LENGTH} characters; delete it to get a new one.`);
  return new TextEncoder().encode(secret);
}

export interface ConsoleTokenRequest {
  tenant: string;
  admin?: boolean;
  /** The roles claim as given (e.g. `['admin', 'operator']`), instead of the one `admin` makes. */
  roles?: string[];
  departments?: string[];
  sub?: string;
  ttlSeconds?: number;
  /** Claim names, as configured by `JWT_*_CLAIM` (shared/config/config.ts). */
  claimNames?: { tenant: string; roles: string; departments: string };
  /** Extra claims, for tests of unusual tokens. */
  extra?: Record<string, unknown>;
}

export async function mintConsoleToken(secret: Uint8Array, request: ConsoleTokenRequest): Promise<string> {
  const names = request.claimNames ?? { tenant: 'tenant_id', roles: 'roles', departments: 'departments' };
  return new SignJWT({
    ...request.extra,
    [names.tenant]: request.tenant,
    [names.roles]: request.roles ?? (request.admin ? ['admin'] : ['member']),
    [names.departments]: request.departments ?? [],
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(request.sub ?? (request.admin ? 'local-admin' : 'local-user'))
    .setIssuer(LOCAL_ISSUER)
    .setAudience(CONSOLE_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + (request.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS))
    .sign(secret);
}

/**
 * An operator's console token (API.md §3 ⁺): role `operator`, no tenant and no departments (an
 * operator belongs to no tenant; it may use the operator routes for any tenant and nothing else).
 */
export async function mintOperatorToken(
  secret: Uint8Array,
  request: { sub?: string; ttlSeconds?: number; claimNames?: ConsoleTokenRequest['claimNames'] } = {},
): Promise<string> {
  const names = request.claimNames ?? { tenant: 'tenant_id', roles: 'roles', departments: 'departments' };
  return new SignJWT({ [names.roles]: ['operator'] })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(request.sub ?? 'local-operator')
    .setIssuer(LOCAL_ISSUER)
    .setAudience(CONSOLE_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + (request.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS))
    .sign(secret);
}

/** A token for the internal routes (`iam` in the catalogue), standing in for SigV4 locally. */
export async function mintServiceToken(secret: Uint8Array, request: { service: string; ttlSeconds?: number }): Promise<string> {
  return new SignJWT({ token_use: 'service', service: request.service })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(`service:${request.service}`)
    .setIssuer(LOCAL_ISSUER)
    .setAudience(INTERNAL_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + (request.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS))
    .sign(secret);
}

/** Tenant ids, user ids and department ids the console accepts (shared/auth/caller.ts). */
export const identifierPattern = /^[A-Za-z0-9_.:@-]{1,128}$/;
export const serviceNamePattern = /^[a-z0-9][a-z0-9-]{0,62}$/;
