/**
 * The console's calls to the hub (API.md §3) with the signed-in token, and the signed-in session.
 * Every non-2xx answer becomes an `ApiError` carrying the envelope's code, message and details.
 */
import { browser } from './browser.ts';
import { t } from './words.ts';

// The answers' shapes are the hub's own view types (API.md §3), imported as types only: nothing of
// the server code enters the browser bundle.
export type { AccountView as Account, OpenPlatformOutcome } from '#shared/domain/accounts/model.ts';
export type { PermissionSet as Permission } from '#shared/wechat/permission-sets.ts';
export type { Share } from '#shared/domain/sharing/ports.ts';
export type { Community } from '#shared/domain/communities/model.ts';
export type { FanSyncJobView as FanSyncJob, FanView as Fan } from '#shared/domain/fans/model.ts';
export type { AuditEvent } from '#shared/domain/audit/audit-log.ts';
export type { AutoReplyRule, AutoReplyTrigger } from '#shared/domain/replies/auto-reply-rules.ts';
export type { PassiveReply as AutoReply } from '#shared/wechat/passive-replies.ts';
export type { Menu, MenuButton } from '#shared/domain/replies/menu-rules.ts';
export type { WeChatPush } from '#shared/domain/events/model.ts';

/** API.md §3 `TenantSettings` (⁺ v1.1), as `GET /v1/tenant` and the operator routes answer it. */
export interface TenantSettings {
  tenantId: string;
  accountQuota: number;
  ownedAccounts: number;
  bindingPolicy: { requireServiceAccount: boolean; requireVerified: boolean; requiredFuncIds: number[]; source: 'tenant' | 'default' };
  features: { wecom: boolean };
}

/** `GET /v1/contacts/{unionid}`. */
export interface Contact {
  unionid: string;
  accounts: { appid: string; openid: string; subscribed: boolean; subscribedAt?: string; unsubscribedAt?: string }[];
}

/** `GET /v1/accounts/{appid}/fans/{openid}/history` (⁺), newest first. */
export interface FanHistory {
  events: { at: string; event: 'subscribe' | 'unsubscribe'; scene?: string }[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export interface Session {
  token: string;
  tenant: string;
  admin: boolean;
  /** The SaaS's own staff (`operator` in the roles claim): the Operator screen and nothing else. */
  operator?: boolean;
  user: string;
}

const SESSION_KEY = 'oa-hub-console-session';

/** Per tab: two tabs can be two tenants, and closing the tab signs out. */
export function currentSession(): Session | undefined {
  const stored = browser.sessionStorage.getItem(SESSION_KEY);
  if (!stored) return undefined;
  try {
    return JSON.parse(stored) as Session;
  } catch {
    return undefined;
  }
}

export function signOut(): void {
  browser.sessionStorage.removeItem(SESSION_KEY);
}

/** Reads the tenant and role from the token's payload, for display only: the hub verifies it. */
export function sessionFromToken(token: string): Session {
  const payload = token.trim().split('.')[1];
  if (!payload) throw new ApiError(0, 'malformed', t().notJwt);
  let claims: Record<string, unknown>;
  try {
    // The payload is UTF-8 (a subject may be 张三): atob gives its bytes, TextDecoder the text.
    const bytes = Uint8Array.from(atob(payload.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
    claims = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch {
    throw new ApiError(0, 'malformed', t().unreadableToken);
  }
  const roles = Array.isArray(claims.roles) ? claims.roles : [];
  return {
    token: token.trim(),
    tenant: typeof claims.tenant_id === 'string' ? claims.tenant_id : '(unknown tenant)',
    admin: roles.includes('admin'),
    operator: roles.includes('operator'),
    user: typeof claims.sub === 'string' ? claims.sub : '',
  };
}

export function keepSession(session: Session): void {
  browser.sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
}

async function failure(response: Response): Promise<ApiError> {
  const text = await response.text();
  try {
    const { error } = JSON.parse(text) as { error?: { code?: string; message?: string; details?: Record<string, unknown> } };
    if (error?.message) return new ApiError(response.status, error.code ?? 'error', error.message, error.details ?? {});
  } catch {
    // Not the hub's envelope: a proxy or a crash page. Say so without showing it.
  }
  return new ApiError(response.status, 'http_error', t().httpStatus(response.status));
}

/** Signed-out listeners: a 401 ends the session wherever it happens. */
const unauthorizedListeners: (() => void)[] = [];
export const onUnauthorized = (listener: () => void): void => void unauthorizedListeners.push(listener);

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const session = currentSession();
  const headers: Record<string, string> = {};
  if (session) headers.authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  } catch {
    throw new ApiError(0, 'network', t().unreachable);
  }
  if (!response.ok) {
    const error = await failure(response);
    if (response.status === 401) for (const listener of unauthorizedListeners) listener();
    throw error;
  }
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/**
 * The local gateway's token minting (local stack only; in AWS tokens come from the identity provider):
 * a tenant's admin or member, or an operator (no tenant, no departments).
 */
export type MintRequest = { tenant: string; admin: boolean; departments: string[] } | { operator: true };

export async function mintToken(request: MintRequest): Promise<Session> {
  let response: Response;
  try {
    response = await fetch('/console/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) });
  } catch {
    throw new ApiError(0, 'network', t().unreachable);
  }
  if (!response.ok) throw await failure(response);
  return (await response.json()) as Session;
}
