/**
 * Open platform accounts (WECHAT.md §4.10): binding an Official Account to one is what gives its
 * followers a unionid. Two ways in:
 *
 * - `POST /v1/accounts/{appid}/open-platform` (`bindOpenPlatform`, API.md §3): the owner binds an
 *   active account that granted permission set 24 (开放平台账号管理) to the open platform account it
 *   names, or to a new one; WeChat's refusals are `wechat_error` with the errcode and a message the
 *   tenant can act on; audited `open_platform.created` / `open_platform.bound`.
 * - Right after a binding (`openPlatformAfterBinding`, the binding's reaction), as the admin chose
 *   on `POST /v1/authorizations`: `create` → `open/create`, or keep the open account WeChat shows it
 *   bound to (`open/get`); `{ openAppId }` → `open/bind` to it; `none` → nothing. It never fails
 *   the binding: its outcome is stored as the account's `openPlatform` (`bound`, `failed` with a
 *   clear `error.code`, or `skipped` when set 24 was not granted: followers will have no unionid)
 *   and audited `account.open_platform_bound|failed|skipped`.
 *
 * Both go the same way through WeChat: `open/get` first (already bound → keep it; another one asked
 * for is refused: WeChat moves an account only after it is unbound, which the tenant does in WeChat);
 * not bound (89002) → `open/bind` or `open/create`; a concurrent bind (89000) → `open/get` again.
 */
import type { AccountReads } from '#shared/domain/accounts/ports.ts';
import type { AuditLog } from '#shared/domain/audit/audit-log.ts';
import { accountNotActive } from '#shared/domain/accounts/errors.ts';
import type { OpenPlatformChoice, OpenPlatformOutcome, OpenPlatformRecord } from '#shared/domain/accounts/model.ts';
import { DomainError, Forbidden, NotFound } from '#shared/errors/domain-errors.ts';
import type { WeChatApiClient } from '#shared/wechat/api-client.ts';
import { toDomainError, WeChatApiError } from '#shared/wechat/api-errors.ts';
import type { TokenSource } from '#shared/wechat/api-types.ts';
import { permissionSet } from '#shared/wechat/permission-sets.ts';

export const OPEN_PLATFORM_FUNC_ID = 24;

export interface OpenPlatformStore extends AccountReads {
  /**
   * Stores the outcome as the account's `openPlatform` (and, when bound, its `openAppId`), or
   * removes a stored outcome (`undefined`) — only while `tenantId` still owns the account:
   * `account_changed` otherwise (it was unbound or taken over meanwhile; nothing is written).
   */
  saveOpenPlatform(appid: string, tenantId: string, record: OpenPlatformRecord | undefined, at: string): Promise<'saved' | 'account_changed'>;
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
  const record: OpenPlatformRecord = {
    status: 'bound',
    openAppId: result.openAppId,
    created: result.created,
    choice: request.openAppId ? { openAppId: request.openAppId } : 'create',
    at,
  };
  if (result.openAppId !== account.openAppId || account.openPlatform?.status !== 'bound') await deps.store.saveOpenPlatform(appid, tenantId, record, at);
  if (result.openAppId !== account.openAppId) {
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

/** The clear `error.code` of each refusal of the open platform APIs in a stored outcome (WECHAT.md §4.10). */
export const openPlatformErrorCodes: Record<number, string> = {
  89000: 'open_platform_already_bound',
  89001: 'open_platform_entity_mismatch',
  89004: 'open_platform_limit_reached',
  89036: 'open_platform_not_bindable',
  48001: 'open_platform_permission_denied',
  61007: 'open_platform_permission_denied',
  40013: 'open_platform_unknown',
};

/** `{ code, message }` of a failed step: WeChat's known refusals by name, anything else by its domain code. */
function outcomeError(error: unknown): { code: string; message: string } {
  const errcode =
    error instanceof WeChatApiError
      ? error.errcode
      : error instanceof DomainError && typeof error.details?.errcode === 'number'
        ? error.details.errcode
        : undefined;
  const domainError = error instanceof DomainError ? error : refused(error);
  const named = errcode === undefined ? undefined : openPlatformErrorCodes[errcode];
  return { code: named ?? domainError.code, message: domainError.message };
}

const skippedForSet24 = (): { code: string; message: string } => {
  const set = permissionSet(OPEN_PLATFORM_FUNC_ID);
  return {
    code: 'missing_permissions',
    message: `The account did not grant ${set.name} (${set.id}), so it was not bound to an open platform account and its followers will have no unionid. Re-authorize it with that permission set.`,
  };
};

/**
 * The binding's reaction (API.md §3, `POST /v1/authorizations` options): the open-platform step as
 * `choice` says. Never throws — the binding stands whatever happens here. Returns the stored outcome,
 * or `undefined` when there was nothing to do (`none`, or the account moved on meanwhile).
 * `none` also drops a stored outcome that did not bind (`skipped`/`failed`): nothing is pending any more.
 */
export async function openPlatformAfterBinding(
  binding: { tenantId: string; userId: string; appid: string; choice: OpenPlatformChoice },
  deps: OpenPlatformDeps & { log: AfterBindingLog },
): Promise<OpenPlatformOutcome | undefined> {
  const { tenantId, appid, choice } = binding;
  try {
    const account = await deps.store.account(appid, { consistent: true });
    if (!account || account.status !== 'active' || account.ownerTenantId !== tenantId) return undefined;
    if (choice === 'none') {
      if (account.openPlatform && account.openPlatform.status !== 'bound')
        await deps.store.saveOpenPlatform(appid, tenantId, undefined, deps.now().toISOString());
      return undefined;
    }
    let outcome: OpenPlatformOutcome;
    if (!account.funcIds.includes(OPEN_PLATFORM_FUNC_ID)) {
      outcome = { status: 'skipped', error: skippedForSet24() };
    } else {
      try {
        const result = await bindInWeChat(appid, typeof choice === 'object' ? choice.openAppId : undefined, deps.wechat);
        outcome = { status: 'bound', openAppId: result.openAppId, created: result.created };
      } catch (error) {
        outcome = { status: 'failed', error: outcomeError(error) };
      }
    }
    const at = deps.now().toISOString();
    if ((await deps.store.saveOpenPlatform(appid, tenantId, { ...outcome, choice, at }, at)) === 'account_changed') return undefined;
    const fields = { appid, status: outcome.status, code: outcome.error?.code };
    if (outcome.status === 'failed') deps.log.warn('The open platform step after binding failed; the binding stands', fields);
    else deps.log.info('Open platform step after binding', fields);
    await deps.audit.record(tenantId, {
      at,
      actor: binding.userId,
      action: `account.open_platform_${outcome.status}`,
      appid,
      details: { choice, ...outcome },
    });
    return outcome;
  } catch (error) {
    const domainError = toDomainError(error);
    deps.log.warn('The open platform step after binding could not finish; the binding stands', { appid, code: domainError.code });
    return undefined;
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
