/**
 * `DELETE /v1/accounts/{appid}` (DESIGN.md §3 "Unbinding", API.md §3).
 *
 * The owner unbinds, but only once WeChat shows the authorization revoked: an `unauthorized` push
 * marked the account `revoked`, or WeChat answers 61003 when the hub checks now. While WeChat still
 * shows it, the answer is `409 revoke_in_wechat_first` with where to revoke, and nothing changes —
 * an account unbound here but still authorized in WeChat would keep receiving the platform's pushes
 * and could not be bound cleanly again.
 *
 * Unbinding is all-or-nothing from the caller's view, in three steps, each audited:
 * 1. **start** (`account.unbinding`): one conditional write moves the account from `revoked`, owned by
 *    the caller's tenant, to `unbinding`. Nothing ever brings an `unbinding` account back: a
 *    re-authorization push for it is acknowledged and changes nothing (`authorization-changes.ts`), and
 *    the binding callback finishes the unbinding first and then binds the account afresh, with none of
 *    the old binding's data (`complete-authorization.ts`, through `endRevokedBinding` below). Before the
 *    start, a continuation is queued (`continuation`), delayed past the request's own timeout.
 * 2. **cascade**: what unbinding takes is removed in chunks, to completion: the department grants of
 *    the owner and of every recipient (the rule is `grantsUnbindingTakes` below), and what the sharing
 *    area decides (`shared/domain/sharing/cascades.ts`: community counters, community and payment
 *    links, the recipients' links, unused codes). A chunk needs no "still revoked" check any more, only
 *    "still unbinding", so a run left behind by a faster one writes nothing once the account is unbound.
 * 3. **finish** (`account.unbound`): one transaction marks the account `unbound`, deletes the owner's
 *    link and the tokens, gives the tenant's quota slot back and clears its default if it was this
 *    account. Followers stay, no longer updated.
 *
 * The DELETE answers `204` once the unbinding is finished, within the request. If the request dies
 * mid-way (timeout, crash) the account stays `unbinding` — and reads show it so, API.md's `Account`
 * status ⁺ `unbinding` — until the queued continuation (`continueUnbinding`, the `unbinding-worker`
 * function) or the next DELETE finishes it; whichever writes the final transaction audits
 * `account.unbound`, every other run finds the account no longer `unbinding` and stops.
 *
 * A recipient (role `shared`) releases the share instead: its link and its department grants
 * (`grantsReleaseTakes`) go, and the sharing area may refuse while the recipient still has
 * communities linked.
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

/**
 * - `done`: this run wrote the final transaction;
 * - `not_unbinding`: the account is not (or no longer) being unbound by that tenant — another run
 *   finished it first, or it never started.
 */
export type CompletionResult = 'done' | 'not_unbinding';

export interface UnbindStore extends Pick<AccountReads, 'account' | 'link'>, Pick<StatusMarkStore, 'markRevoked'> {
  /** `revoked` → `unbinding` in one conditional write: only while the account is `revoked` and owned by `tenantId`. */
  startUnbinding(o: { tenantId: string; appid: string; at: string }): Promise<UnbindWriteResult>;
  /**
   * The cascade of an account `unbinding` by `tenantId`, in chunks that each require it still
   * `unbinding`, read again until nothing is left, then the final transaction (`unbound`, the owner's
   * link and the tokens gone, the quota slot back, the default cleared).
   */
  completeUnbinding(o: { tenantId: string; appid: string; at: string }): Promise<CompletionResult>;
  /** A recipient's release of a shared account. */
  release(o: { tenantId: string; appid: string; at: string }): Promise<UnbindWriteResult>;
}

/** Who finishes an unbinding whose run died mid-way. */
export interface UnbindingContinuation {
  /** Queues a later `continueUnbinding` of this unbinding (delayed past the run's own timeout). */
  schedule(job: UnbindingJob): Promise<void>;
}

export interface UnbindingJob {
  tenantId: string;
  appid: string;
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
  /** Queued before an unbinding starts; without it only the next DELETE finishes an interrupted one. */
  continuation?: UnbindingContinuation;
  /** Tries when the account changes under the request, before giving up. */
  attempts?: number;
  /** The event bus's outbox (API.md §6): `Account Revoked`, `Account Unbound`, `Share Revoked` (a release). */
  events?: EventOutbox;
}

/** What finishing an unbinding needs (the continuation worker, the binding callback). */
export type UnbindingDeps = Pick<UnbindDeps, 'store' | 'audit' | 'continuation' | 'events'>;

/** The actor of the steps the hub runs on its own (the continuation, a takeover). */
const SYSTEM = 'system';

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

  // An account already `unbinding` (an earlier DELETE died mid-way) is finished, not started again.
  if (account.status !== 'unbinding' && (await startUnbinding({ tenantId, appid, actor: input.userId }, deps.now().toISOString(), deps)) === 'changed') {
    return 'changed';
  }
  // `not_unbinding` here means another run (the continuation, a binding callback) finished it first.
  await finishUnbinding({ tenantId, appid, actor: input.userId }, deps.now().toISOString(), deps);
  return 'unbound';
}

async function startUnbinding(
  step: { tenantId: string; appid: string; actor: string; details?: Record<string, unknown> },
  at: string,
  deps: UnbindingDeps,
): Promise<UnbindWriteResult> {
  const { tenantId, appid } = step;
  // Queued first: a run that dies right after the start still has its continuation.
  if (deps.continuation) await deps.continuation.schedule({ tenantId, appid });
  if ((await deps.store.startUnbinding({ tenantId, appid, at })) === 'changed') return 'changed';
  await deps.audit.record(tenantId, { at, actor: step.actor, action: 'account.unbinding', appid, details: { previousStatus: 'revoked', ...step.details } });
  return 'done';
}

async function finishUnbinding(
  step: { tenantId: string; appid: string; actor: string; details?: Record<string, unknown> },
  at: string,
  deps: UnbindingDeps,
): Promise<CompletionResult> {
  const { tenantId, appid } = step;
  const result = await deps.store.completeUnbinding({ tenantId, appid, at });
  if (result === 'done') {
    await deps.audit.record(tenantId, { at, actor: step.actor, action: 'account.unbound', appid, ...(step.details ? { details: step.details } : {}) });
    await publishAfter(deps.events, accountEvent(detailTypes.unbound, { appid, tenantId, at, actor: step.actor }));
  }
  return result;
}

/**
 * The continuation (`unbinding-worker`): finishes an unbinding whose run died mid-way. Nothing to do
 * when it was finished meanwhile, or never started (the start's write was refused).
 */
export async function continueUnbinding(job: UnbindingJob, deps: Pick<UnbindDeps, 'store' | 'audit' | 'now' | 'events'>): Promise<'unbound' | 'nothing_to_do'> {
  const result = await finishUnbinding({ ...job, actor: SYSTEM, details: { resumed: true } }, deps.now().toISOString(), deps);
  return result === 'done' ? 'unbound' : 'nothing_to_do';
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
 * A binding that is over, ended before the binding callback binds the account (`complete-authorization.ts`):
 * - another organisation's binding that WeChat revoked: the same unbinding (start, cascade, finish)
 *   its owner would have run; the old owner's trail records why;
 * - a binding already `unbinding` (its owner's DELETE, or a continuation, is under way): finished
 *   here, so that the authorization that just came back binds the account afresh.
 * `changed` when the account moved meanwhile (the callback reads it again).
 */
export async function endRevokedBinding(previous: AccountRecord, at: string, deps: UnbindingDeps): Promise<UnbindWriteResult> {
  const step = { tenantId: previous.ownerTenantId, appid: previous.appid, actor: SYSTEM };
  if (previous.status === 'revoked') {
    const details = { reason: 'bound_by_another_organisation' };
    if ((await startUnbinding({ ...step, details }, at, deps)) === 'changed') return 'changed';
    await finishUnbinding({ ...step, details }, at, deps);
    return 'done';
  }
  if (previous.status !== 'unbinding') return 'changed';
  await finishUnbinding({ ...step, details: { reason: 'authorized_again_while_unbinding' } }, at, deps);
  return 'done';
}

/**
 * What an unbinding and a release take from the departments: the department grants hang on a
 * tenant's link to the account and must not outlive it.
 */
export interface GrantCascadeReads {
  /** The tenants that hold a link to the account: its owner and its recipients. */
  linkedTenants(appid: string): Promise<string[]>;
  /** The departments of the tenant that the account is granted to. */
  grantedDepartments(tenantId: string, appid: string): Promise<string[]>;
}

/** One department grant of the account. */
export interface GrantRemoval {
  tenantId: string;
  departmentId: string;
}

/** An unbinding takes the account's grants in its owner's and in every recipient's tenant. */
export async function grantsUnbindingTakes(appid: string, reads: GrantCascadeReads): Promise<GrantRemoval[]> {
  const tenants = await reads.linkedTenants(appid);
  return (await Promise.all(tenants.map((tenantId) => grantsReleaseTakes(tenantId, appid, reads)))).flat();
}

/** A release (and a revoked share) takes the recipient's grants of the account. */
export async function grantsReleaseTakes(tenantId: string, appid: string, reads: Pick<GrantCascadeReads, 'grantedDepartments'>): Promise<GrantRemoval[]> {
  return (await reads.grantedDepartments(tenantId, appid)).map((departmentId) => ({ tenantId, departmentId }));
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
