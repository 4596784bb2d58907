/**
 * Who is calling a console route, read from the JWT claims the gateway verified. The tenant always
 * comes from the token, never from the path or the body (API.md §3).
 *
 * Roles (the roles claim, `JWT_ROLES_CLAIM`; in Cognito the pool's groups): `admin` acts for its
 * tenant; without it a tenant user is a member (reads). `operator` is the SaaS's own platform staff
 * (API.md §3 ⁺): it may use the operator routes for any tenant and nothing else. A token whose roles
 * include `operator` but not `admin` is refused with 403 on every tenant route (`callerFromClaims`),
 * whatever tenant claim it carries: an operator sees no tenant data. A token with both roles is an
 * admin of its tenant on tenant routes and an operator on operator routes.
 */
import { config } from '#shared/config/config.ts';
import { Forbidden, Unauthorized } from '#shared/errors/domain-errors.ts';

export interface Caller {
  tenantId: string;
  userId: string;
  isAdmin: boolean;
  departments: string[];
}

export type Claims = Record<string, unknown>;

/** The caller of an operator route: platform staff, tied to no tenant. */
export interface OperatorCaller {
  userId: string;
}

export const ADMIN_ROLE = 'admin';
export const OPERATOR_ROLE = 'operator';

/**
 * A list claim as API Gateway's JWT authorizer passes it: HTTP APIs flatten arrays into a string
 * such as `[admin ops]`; tokens may also carry a real array, a JSON array string, or `a,b`.
 */
export function listClaim(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.map(String).filter(Boolean);
  const text = String(value).trim();
  if (text === '') return [];
  if (text.startsWith('[') && text.endsWith(']')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) return parsed.map(String).filter(Boolean);
    } catch {
      // not JSON: API Gateway's "[a b]" form
    }
    return text
      .slice(1, -1)
      .split(/[\s,]+/)
      .filter(Boolean);
  }
  return text.split(/[\s,]+/).filter(Boolean);
}

const identifier = /^[A-Za-z0-9_.:@-]{1,128}$/;

/** Each department costs a Query on a member's reads: a token naming more is refused, not truncated. */
export const MAX_DEPARTMENTS = 100;

/** Reads the caller from verified claims. A token without a usable tenant or subject is refused. */
export function callerFromClaims(claims: Claims | undefined): Caller {
  if (!claims) throw new Unauthorized();
  const names = config().claims;
  const roles = listClaim(claims[names.roles]);
  if (roles.includes(OPERATOR_ROLE) && !roles.includes(ADMIN_ROLE)) {
    throw new Forbidden('An operator may use the operator routes only; tenant data belongs to the tenant’s own users.');
  }
  const tenantId = claims[names.tenant];
  const userId = claims.sub;
  if (typeof tenantId !== 'string' || !identifier.test(tenantId)) {
    throw new Unauthorized(`The token has no usable "${names.tenant}" claim.`);
  }
  if (typeof userId !== 'string' || userId.length === 0 || userId.length > 256) {
    throw new Unauthorized('The token has no usable "sub" claim.');
  }
  const departments = listClaim(claims[names.departments]);
  if (departments.length > MAX_DEPARTMENTS) {
    throw new Unauthorized(`The token names ${departments.length} departments in "${names.departments}"; the hub accepts at most ${MAX_DEPARTMENTS}.`);
  }
  return {
    tenantId,
    userId,
    isAdmin: roles.includes(ADMIN_ROLE),
    departments: departments.filter((d) => identifier.test(d)),
  };
}

/**
 * Reads the caller of an operator route: a subject and `operator` among the roles; no tenant claim
 * is needed (an operator belongs to none). Any other valid token is refused with 403.
 */
export function operatorFromClaims(claims: Claims | undefined): OperatorCaller {
  if (!claims) throw new Unauthorized();
  const userId = claims.sub;
  if (typeof userId !== 'string' || userId.length === 0 || userId.length > 256) {
    throw new Unauthorized('The token has no usable "sub" claim.');
  }
  if (!listClaim(claims[config().claims.roles]).includes(OPERATOR_ROLE)) throw new Forbidden('Only a platform operator may do this.');
  return { userId };
}

export function requireAdmin(caller: Caller): void {
  if (!caller.isAdmin) throw new Forbidden('Only an admin of the tenant may do this.');
}
