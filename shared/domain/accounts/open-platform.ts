/**
 * `POST /v1/accounts/{appid}/open-platform` (API.md §3, WECHAT.md §4.10): binds the account to an
 * open platform account — the one the tenant names, or a new one — so that its followers get a
 * unionid. Also what runs right after a binding when the tenant's `autoOpenPlatform` is on.
 *
 * 1. only the owner, only an active account that granted permission set 24 (开放平台账号管理);
 * 2. `open/get`: already bound → record it (asking for another one is refused: WeChat moves an
 *    account only after it is unbound from the current one, which the tenant does in WeChat);
 * 3. not bound (89002) → `open/bind` to the named one, or `open/create`; a concurrent bind (89000)
 *    → read again with `open/get`;
 * 4. store `openAppId` on the account; audit `open_platform.bound` / `open_platform.created`.
 *
 * WeChat's refusals become `wechat_error` with the errcode and a message the tenant can act on.
 */
import type { AccountReads } from '#shared/domain/accounts/ports.ts';
import type { AuditLog } from '#shared/domain/audit/audit-log.ts';
import { accountNotActive } from '#shared/domain/accounts/errors.ts';
import { DomainError, Forbidden, NotFound } from '#shared/errors/domain-errors.ts';
import type { WeChatApiClient } from '#shared/wechat/api-client.ts';
import { toDomainError, WeChatApiError } from '#shared/wechat/api-errors.ts';
import type { TokenSource } from '#shared/wechat/api-types.ts';
import { permissionSet } from '#shared/wechat/permission-sets.ts';

export const OPEN_PLATFORM_FUNC_ID = 24;

export interface OpenPlatformStore extends AccountReads {
  /** Sets `openAppId` on an account that still exists. */
  saveOpenAppId(appid: string, openAppId: string, at: string): Promise<void>;
}

/** The `open/*` APIs with the account's own access token (WeChat errors are thrown as `WeChatApiError`). */
export interface OpenPlatformWeChat {
  /** `open/get`; undefined when the account is bound to none (89002). */
  get(appid: string): Promise<string | undefined>;
  bind(appid: string, openAppId: string): Promise<void>;
  create(appid: string): Promise<string>;
}

export interface OpenPlatformDeps {
  store: OpenPlatformStore;
  wechat: OpenPlatformWeChat;
  audit: Pick<AuditLog, 'record'>;
  now: () => Date;
}

export interface OpenPlatformRequest {
  tenantId: string;
  /** The audit trail's actor. */
  userId: string;
  appid: string;
  openAppId?: string;
}

export interface OpenPlatformResult {
  openAppId: string;
  created: boolean;
}

/** What the tenant can do about each refusal of the open platform APIs (WECHAT.md §4.10, §7). */
const refusals: Record<number, string> = {
  89001: 'The Official Account and the open platform account belong to different entities (主体); WeChat only binds accounts of the same entity.',
  89004: 'The open platform account has reached its limit of bound accounts.',
  89036:
    'The open platform account was not created through the API and is not verified, so a platform cannot bind accounts to it. Verify it on open.weixin.qq.com, or let the hub create one.',
  48001:
    'WeChat does not let this account use the open platform APIs, or permission set 24 (开放平台账号管理) is held by another platform. Re-authorize with 开放平台账号管理.',
  61007: 'The account did not grant this platform permission set 24 (开放平台账号管理), or another platform holds it. Re-authorize with 开放平台账号管理.',
  40013: 'WeChat does not know that open platform appid.',
};

function refused(error: unknown): DomainError {
  if (error instanceof WeChatApiError && refusals[error.errcode]) {
    return new DomainError('wechat_error', `${refusals[error.errcode]} (WeChat ${error.api}, errcode ${error.errcode})`, {
      details: { errcode: error.errcode, ...(error.rid ? { rid: error.rid } : {}) },
      cause: error,
    });
  }
  return toDomainError(error);
}

function alreadyBoundElsewhere(appid: string, current: string, asked: string): DomainError {
  return new DomainError(
    'wechat_error',
    `${appid} is already bound to the open platform account ${current}, not ${asked}. Unbind it from ${current} on open.weixin.qq.com first, then try again. (errcode 89000)`,
    { details: { errcode: 89000, openAppId: current } },
  );
}

export async function bindOpenPlatform(request: OpenPlatformRequest, deps: OpenPlatformDeps): Promise<OpenPlatformResult> {
  const { tenantId, appid } = request;
  const link = await deps.store.link(tenantId, appid);
  const account = link ? await deps.store.account(appid) : undefined;
  if (!link || !account || account.status === 'unbound') throw new NotFound(`No account ${appid} is bound to this tenant.`);
  if (link.role !== 'owner') throw new Forbidden('Only the tenant that owns the account can bind it to an open platform account.');
  if (account.status !== 'active') throw accountNotActive(appid, account.status);
  if (!account.funcIds.includes(OPEN_PLATFORM_FUNC_ID)) {
    const missing = permissionSet(OPEN_PLATFORM_FUNC_ID);
    throw new DomainError('missing_permissions', `The account did not grant: ${missing.name} (${missing.id}). Re-authorize it with that permission set.`, {
      details: { missing: [missing] },
    });
  }

  let result: OpenPlatformResult;
  try {
    result = await bindInWeChat(appid, request.openAppId, deps.wechat);
  } catch (error) {
    throw refused(error);
  }

  const at = deps.now().toISOString();
  if (result.openAppId !== account.openAppId) {
    await deps.store.saveOpenAppId(appid, result.openAppId, at);
    await deps.audit.record(tenantId, {
      at,
      actor: request.userId,
      action: result.created ? 'open_platform.created' : 'open_platform.bound',
      appid,
      details: { openAppId: result.openAppId },
    });
  }
  return result;
}

async function bindInWeChat(appid: string, asked: string | undefined, wechat: OpenPlatformWeChat): Promise<OpenPlatformResult> {
  const current = await wechat.get(appid);
  if (current !== undefined) return unchanged(appid, current, asked);
  try {
    if (asked) {
      await wechat.bind(appid, asked);
      return { openAppId: asked, created: false };
    }
    return { openAppId: await wechat.create(appid), created: true };
  } catch (error) {
    if (!(error instanceof WeChatApiError && error.errcode === 89000)) throw error;
    // Bound meanwhile (a concurrent request, or a create whose answer was lost): WeChat knows to which.
    const now = await wechat.get(appid);
    if (now === undefined) throw error;
    return unchanged(appid, now, asked);
  }
}

function unchanged(appid: string, current: string, asked: string | undefined): OpenPlatformResult {
  if (asked && asked !== current) throw alreadyBoundElsewhere(appid, current, asked);
  return { openAppId: current, created: false };
}

export interface AfterBindingLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

/**
 * Right after a binding: binds the account to an open platform account (an existing binding is
 * kept, otherwise a new one is created) when the tenant's `autoOpenPlatform` is on (the default) and
 * the account granted set 24. Never throws: the binding stands either way, and a failure is in the
 * audit trail for the tenant to retry with the route.
 */
export async function openPlatformAfterBinding(
  binding: { tenantId: string; userId: string; appid: string },
  deps: OpenPlatformDeps & { log: AfterBindingLog },
): Promise<'bound' | 'skipped' | 'failed'> {
  const { tenantId, appid } = binding;
  try {
    const settings = await deps.store.tenantSettings(tenantId);
    if (settings && !settings.autoOpenPlatform) return 'skipped';
    const account = await deps.store.account(appid);
    if (!account || account.status !== 'active' || !account.funcIds.includes(OPEN_PLATFORM_FUNC_ID)) {
      deps.log.info('No automatic open platform binding: the account did not grant set 24', { appid });
      return 'skipped';
    }
    await bindOpenPlatform({ tenantId, userId: binding.userId, appid }, deps);
    return 'bound';
  } catch (error) {
    const domainError = toDomainError(error);
    deps.log.warn('Automatic open platform binding failed', { appid, code: domainError.code, details: domainError.details });
    await deps.audit
      .record(tenantId, {
        at: deps.now().toISOString(),
        actor: binding.userId,
        action: 'open_platform.failed',
        appid,
        details: { code: domainError.code, message: domainError.message, ...(domainError.details ? { details: domainError.details } : {}) },
      })
      .catch(() => undefined);
    return 'failed';
  }
}

/** `OpenPlatformWeChat` on the typed client, with each account's own access token. */
export function openPlatformWeChat(
  client: Pick<WeChatApiClient, 'openGet' | 'openBind' | 'openCreate'>,
  tokens: (appid: string) => TokenSource,
): OpenPlatformWeChat {
  return {
    async get(appid) {
      try {
        return (await client.openGet(tokens(appid), { appId: appid })).openAppId;
      } catch (error) {
        if (error instanceof WeChatApiError && error.errcode === 89002) return undefined;
        throw error;
      }
    },
    async bind(appid, openAppId) {
      await client.openBind(tokens(appid), { appId: appid, openAppId });
    },
    async create(appid) {
      return (await client.openCreate(tokens(appid), { appId: appid })).openAppId;
    },
  };
}
