/**
 * An account's custom menu (API.md §3 menu routes, WECHAT.md §15), kept in WeChat — the hub stores
 * no copy: `GET` reads `menu/get` (the menu set through the API, in the shape `menu/create` takes, so
 * an editor can put back what it read; a menu made in WeChat's own backend is not that shape and reads
 * as `null`), `PUT` is `menu/create` of a menu already checked against §15's limits
 * (`menu-rules.ts`), `DELETE` is `menu/delete`.
 *
 * Each needs the owner's admin, an active account and permission set 15 (自定义菜单) — `422
 * missing_permissions` before any call; WeChat's refusal is `502 wechat_error` with its errcode.
 */
import type { AccountRecord } from '#shared/domain/accounts/model.ts';
import { accountNotActive } from '#shared/domain/accounts/errors.ts';
import type { AuditLog } from '#shared/domain/audit/audit-log.ts';
import { ownedAccountFor } from '#shared/domain/replies/auto-replies.ts';
import type { Menu, MenuButton } from '#shared/domain/replies/menu-rules.ts';
import type { AutoReplyConsoleStore, MenuWeChat } from '#shared/domain/replies/ports.ts';
import { DomainError } from '#shared/errors/domain-errors.ts';
import type { WeChatApiClient } from '#shared/wechat/api-client.ts';
import { toDomainError, WeChatApiError } from '#shared/wechat/api-errors.ts';
import type { MenuJson, TokenSource } from '#shared/wechat/api-types.ts';
import { permissionSet } from '#shared/wechat/permission-sets.ts';

export const MENU_FUNC_ID = 15;
/** `menu/get` when no menu was set through the API. */
export const NO_MENU_ERRCODE = 46003;

export interface MenuDeps {
  store: Pick<AutoReplyConsoleStore, 'account' | 'link'>;
  wechat: MenuWeChat;
  audit: Pick<AuditLog, 'record'>;
  now: () => Date;
}

export interface MenuRequest {
  tenantId: string;
  userId: string;
  appid: string;
}

/** The owned, active account that granted set 15. */
async function menuAccount(request: { tenantId: string; appid: string }, deps: Pick<MenuDeps, 'store'>): Promise<AccountRecord> {
  const account = await ownedAccountFor(deps.store, request.tenantId, request.appid, 'menu');
  if (account.status !== 'active') throw accountNotActive(request.appid, account.status);
  if (!account.funcIds.includes(MENU_FUNC_ID)) {
    const missing = permissionSet(MENU_FUNC_ID);
    throw new DomainError('missing_permissions', `The account did not grant: ${missing.name} (${missing.id}). Re-authorize it with that permission set.`, {
      details: { missing: [missing] },
    });
  }
  return account;
}

async function inWeChat<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toDomainError(error);
  }
}

/** `GET /v1/accounts/{appid}/menu` → `{ menu }`, `null` when WeChat holds no API menu. */
export async function readMenu(request: Omit<MenuRequest, 'userId'>, deps: Pick<MenuDeps, 'store' | 'wechat'>): Promise<{ menu: Menu | null }> {
  await menuAccount(request, deps);
  return { menu: (await inWeChat(() => deps.wechat.get(request.appid))) ?? null };
}

/** `PUT /v1/accounts/{appid}/menu` (the body was validated by `menuSchema`) → `{ menu }`. */
export async function putMenu(request: MenuRequest & { menu: Menu }, deps: MenuDeps): Promise<{ menu: Menu }> {
  await menuAccount(request, deps);
  await inWeChat(() => deps.wechat.create(request.appid, request.menu));
  await deps.audit.record(request.tenantId, {
    at: deps.now().toISOString(),
    actor: request.userId,
    action: 'menu.replaced',
    appid: request.appid,
    details: { buttons: request.menu.button.length },
  });
  return { menu: request.menu };
}

/** `DELETE /v1/accounts/{appid}/menu` → 204. */
export async function deleteMenu(request: MenuRequest, deps: MenuDeps): Promise<void> {
  await menuAccount(request, deps);
  await inWeChat(() => deps.wechat.delete(request.appid));
  await deps.audit.record(request.tenantId, { at: deps.now().toISOString(), actor: request.userId, action: 'menu.deleted', appid: request.appid });
}

/** A button as `menu/get` answers it, in `menu/create`'s shape: no empty `sub_button` on a leaf, no empty fields. */
function asCreated(button: MenuJson['button'][number]): MenuButton {
  const { sub_button: subs = [], ...fields } = button;
  const out: MenuButton = { name: button.name };
  for (const [name, value] of Object.entries(fields) as [keyof Omit<MenuButton, 'sub_button'>, string | undefined][]) {
    if (typeof value === 'string' && value !== '') out[name] = value;
  }
  if (subs.length > 0) {
    delete out.type;
    out.sub_button = subs.map(asCreated);
  }
  return out;
}

/** `MenuWeChat` on the typed client, with each account's own access token. */
export function menuWeChat(client: Pick<WeChatApiClient, 'menuGet' | 'menuCreate' | 'menuDelete'>, tokens: (appid: string) => TokenSource): MenuWeChat {
  return {
    async get(appid) {
      try {
        const menu = await client.menuGet(tokens(appid));
        return { button: menu.button.map(asCreated) };
      } catch (error) {
        if (error instanceof WeChatApiError && error.errcode === NO_MENU_ERRCODE) return undefined;
        throw error;
      }
    },
    async create(appid, menu) {
      await client.menuCreate(tokens(appid), menu);
    },
    async delete(appid) {
      await client.menuDelete(tokens(appid));
    },
  };
}
