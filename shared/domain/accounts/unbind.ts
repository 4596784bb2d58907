/**
 * `DELETE /v1/accounts/{appid}` (DESIGN.md §3 "Unbinding", API.md §3).
 *
 * The owner unbinds, but only once WeChat shows the authorization revoked: an `unauthorized` push
 * marked the account `revoked`, or WeChat answers 61003 when the hub checks now. While WeChat still
 * shows it, the answer is `409 revoke_in_wechat_first` with where to revoke, and nothing changes —
 * an account unbound here but still authorized in WeChat would keep receiving the platform's pushes
 * and could not be bound cleanly again.
 *
 * Unbinding marks the account `unbound`, deletes the owner's link, gives the tenant's quota slot
 * back, clears the tenant's default if it was this account, deletes the tokens and runs the cascade
 * (the department grants, and what the sharing use cases register: shares, the recipients'
 * community and payment links, unused share codes), all in one transaction when it fits. Followers
 * stay, no longer updated.
 *
 * A recipient (role `shared`) releases the share instead: its link and grants go, and the hooks of
 * the sharing use cases may refuse while the recipient still has communities linked.
 */
import type { AccountRecord } from '#shared/domain/accounts/model.ts';
import type { AccountReads, StatusMarkStore } from '#shared/domain/accounts/ports.ts';
import type { AuditLog } from '#shared/domain/audit/audit-log.ts';
import { accountEvent, detailTypes, shareEvent } from '#shared/domain/events/model.ts';
import type { EventOutbox } from '#shared/domain/events/ports.ts';
import { publishAfter } from '#shared/domain/events/publish.ts';
import { DomainError, NotFound } from '#shared/errors/domain-errors.ts';
import type { WeChatApiClient } from '#shared/wechat/api-client.ts';
import { toDomainError, WeChatApiError } from '#shared/wechat/api-errors.ts';
import type { TokenSource } from '#shared/wechat/api-types.ts';

/**
 * - `done`: written;
 * - `changed`: the account or the tenant is no longer as read (a re-authorization, a concurrent
 *   DELETE, a default change): read again and decide again.
 */
export type UnbindWriteResult = 'done' | 'changed';

export interface UnbindStore extends Pick<AccountReads, 'account' | 'link'>, Pick<StatusMarkStore, 'markRevoked'> {
  /** The owner's unbinding with its cascade; only while the account is `revoked` and owned by `tenantId`. */
  unbind(o: { tenantId: string; appid: string; at: string }): Promise<UnbindWriteResult>;
  /** A recipient's release of a shared account. */
  release(o: { tenantId: string; appid: string; at: string }): Promise<UnbindWriteResult>;
}

export interface AuthorizationCheck {
  /** False only when WeChat says the account no longer authorizes the platform (61003). */
  stillAuthorized(appid: string): Promise<boolean>;
}

export interface UnbindDeps {
  store: UnbindStore;
  wechat: AuthorizationCheck;
  audit: Pick<AuditLog, 'record'>;
  now: () => Date;
  /** Tries when the account changes under the request, before giving up. */
  attempts?: number;
  /** The event bus's outbox (API.md §6): `Account Revoked`, `Account Unbound`, `Share Revoked` (a release). */
  events?: EventOutbox;
}

/** Where an admin cancels the platform's authorization in WeChat's own backend. */
export const REVOKE_WHERE = 'mp.weixin.qq.com → 设置与开发 → 授权管理 (Settings → Authorization management)';

export function revokeInWeChatFirst(appid: string): DomainError {
  return new DomainError(
    'revoke_in_wechat_first',
    `WeChat still shows ${appid} as authorized. Cancel the authorization in ${REVOKE_WHERE}, then unbind again.`,
    {
      details: {
        appid,
        where: REVOKE_WHERE,
        steps: [
          'Log in to mp.weixin.qq.com as the administrator of the Official Account.',
          'Open 设置与开发 → 授权管理 (Settings → Authorization management).',
          'Find this platform among the authorized third-party platforms and cancel its authorization (取消授权).',
          'Unbind again here: the hub learns of the cancellation from WeChat at once.',
        ],
      },
    },
  );
}

export interface DeleteAccountInput {
  tenantId: string;
  /** The console user: the audit trail's actor. */
  userId: string;
  appid: string;
}

export async function deleteAccount(input: DeleteAccountInput, deps: UnbindDeps): Promise<'unbound' | 'released'> {
  const attempts = Math.max(1, deps.attempts ?? 3);
  for (let attempt = 1; ; attempt++) {
    const link = await deps.store.link(input.tenantId, input.appid);
    const account = link ? await deps.store.account(input.appid) : undefined;
    // The same answer for "never here", "another tenant's" and "already unbound": nothing is revealed.
    if (!link || !account) throw new NotFound(`No account ${input.appid} is bound to this tenant.`);

    const result = link.role === 'shared' ? await release(input, account, deps, link.includePayment === true) : await unbind(input, account, deps);
    if (result !== 'changed') return result;
    if (attempt >= attempts) {
      throw new DomainError('internal_error', 'The account kept changing while it was being unbound. Try again.');
    }
  }
}

async function unbind(input: DeleteAccountInput, account: AccountRecord, deps: UnbindDeps): Promise<'unbound' | 'changed'> {
  const { tenantId, appid } = input;
  if (account.ownerTenantId !== tenantId || account.status === 'unbound') {
    throw new NotFound(`No account ${appid} is bound to this tenant.`);
  }
  if (account.status === 'active' || account.status === 'reauthorization_required') {
    if (await stillAuthorized(appid, deps)) throw revokeInWeChatFirst(appid);
    // WeChat just said so: the hub missed (or has not yet received) the `unauthorized` push.
    const at = deps.now().toISOString();
    const before = await deps.store.markRevoked(appid, at);
    if (before) {
      await deps.audit.record(tenantId, { at, actor: 'wechat', action: 'account.revoked', appid, details: { previousStatus: before.status, errcode: 61003 } });
      await publishAfter(deps.events, accountEvent(detailTypes.revoked, { appid, tenantId, at, actor: 'wechat' }));
    }
  }

  const at = deps.now().toISOString();
  if ((await deps.store.unbind({ tenantId, appid, at })) === 'changed') return 'changed';
  await deps.audit.record(tenantId, { at, actor: input.userId, action: 'account.unbound', appid });
  await publishAfter(deps.events, accountEvent(detailTypes.unbound, { appid, tenantId, at, actor: input.userId }));
  return 'unbound';
}

async function stillAuthorized(appid: string, deps: UnbindDeps): Promise<boolean> {
  try {
    return await deps.wechat.stillAuthorized(appid);
  } catch (error) {
    if (error instanceof WeChatApiError && error.errcode === 61003) return false;
    throw toDomainError(error);
  }
}

async function release(input: DeleteAccountInput, account: AccountRecord, deps: UnbindDeps, includePayment: boolean): Promise<'released' | 'changed'> {
  const { tenantId, appid } = input;
  const at = deps.now().toISOString();
  if ((await deps.store.release({ tenantId, appid, at })) === 'changed') return 'changed';
  await deps.audit.record(tenantId, { at, actor: input.userId, action: 'share.released', appid });
  await publishAfter(deps.events, shareEvent(detailTypes.shareRevoked, { appid, ownerTenantId: account.ownerTenantId, tenantId, includePayment, at }));
  if (account.ownerTenantId !== tenantId) {
    await deps.audit.record(account.ownerTenantId, { at, actor: `tenant:${tenantId}`, action: 'share.released', appid, details: { tenantId } });
  }
  return 'released';
}

/**
 * Another organisation's binding that WeChat revoked ends with the same unbinding (and cascade) its
 * owner would have run, before a new tenant takes the account over (`complete-authorization.ts`
 * `endRevokedBinding`); the old owner's trail records why. `changed` when the account moved meanwhile.
 */
export async function endRevokedBinding(previous: AccountRecord, at: string, deps: Pick<UnbindDeps, 'store' | 'audit'>): Promise<UnbindWriteResult> {
  const result = await deps.store.unbind({ tenantId: previous.ownerTenantId, appid: previous.appid, at });
  if (result === 'done') {
    await deps.audit.record(previous.ownerTenantId, { at, actor: 'system', action: 'account.unbound', appid: previous.appid, details: { reason: 'bound_by_another_organisation' } });
  }
  return result;
}

/** `AuthorizationCheck` on the typed client: `api_get_authorizer_info` answers 61003 once the authorization is gone. */
export function authorizationCheck(
  client: Pick<WeChatApiClient, 'getAuthorizerInfo'>,
  component: TokenSource,
  componentAppId: () => Promise<string>,
): AuthorizationCheck {
  return {
    async stillAuthorized(appid) {
      await client.getAuthorizerInfo(component, { componentAppId: await componentAppId(), authorizerAppId: appid });
      return true;
    },
  };
}
