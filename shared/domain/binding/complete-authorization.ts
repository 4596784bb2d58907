/**
 * GET /v1/wechat/authorized: WeChat sends the admin's browser back with `auth_code` after consent,
 * and this use case turns the authorization into a binding (DESIGN.md §3 "Binding"):
 *
 * 1. spend the `state` exactly once (unknown, spent or expired → nothing happens);
 * 2. exchange the code (`api_query_auth`) and read the account (`api_get_authorizer_info`);
 * 3. apply the tenant's binding policy: service account, verified, required permission sets (its
 *    effective settings, read once: the operator's fields over the deployment defaults);
 * 4. write account + tokens + owner link + the tenant's count in one transaction whose conditions
 *    keep "one active owner" and the quota (a concurrent change → read again and decide again); the
 *    quota condition reads the tenant's own quota on its settings item, else `defaultQuota`, so an
 *    operator's change applies to the next binding; a re-authorization takes no quota slot;
 *    an account found `unbinding` (its owner's unbind under way) is never re-activated: the
 *    unbinding is finished first (`endRevokedBinding`) and the account then bound afresh, so the
 *    admin lands on `bind=ok` with a binding that has none of the old one's shares, codes or grants;
 * 5. queue a full fan sync and write the audit trail; neither can undo a stored binding;
 * 6. the reaction (`afterBind`): the open-platform step the admin chose with the link. The choices
 *    come from the state (`create-authorization.ts`); what a request left out is decided here
 *    (`bindingChoicesFor`): a new binding (or a takeover) takes `openPlatform: 'create'` and
 *    `plaintextAuthorization: true`; a re-authorization of an account the tenant owns keeps the
 *    link's 明文授权 flag, and runs no open-platform step unless the last one did not bind
 *    (`skipped` for want of set 24 — the usual reason to re-authorize — or `failed`): that one is
 *    tried again with the choice that produced it. A bound account, or one whose tenant chose
 *    `none`, is left as it is; any option the request states wins.
 *
 * A rejection stores nothing but its audit entry. The outcome always becomes a redirect to the
 * console, so every failure is returned as a `DomainError` rather than thrown; only a failure of
 * the hub itself (the table unreachable) is thrown.
 */
import type { AccountRecord, OpenPlatformChoice } from '#shared/domain/accounts/model.ts';
import type { AuditLog } from '#shared/domain/audit/audit-log.ts';
import { accountEvent, detailTypes } from '#shared/domain/events/model.ts';
import type { EventOutbox } from '#shared/domain/events/ports.ts';
import { permissionSetNames, publishAfter } from '#shared/domain/events/publish.ts';
import { accountQuotaExceeded, planBinding, policyRejection } from '#shared/domain/binding/binding-policy.ts';
import type { AccountProfile, AccountStore, AuthorizationStates, BindingChoices, BindingPlan, BindingWeChat } from '#shared/domain/binding/ports.ts';
import type { FanSyncRequests } from '#shared/domain/fans/ports.ts';
import type { TenantSettingsReader } from '#shared/domain/tenants/ports.ts';
import { DomainError } from '#shared/errors/domain-errors.ts';
import { fromWeChat } from '#shared/domain/binding/wechat-binding.ts';

export interface BindingLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A binding that was stored: what the reactions that follow it (open platform binding) get. */
export interface StoredBinding {
  kind: 'bound' | 'reauthorized';
  tenantId: string;
  userId: string;
  appid: string;
  at: string;
  /** The open-platform step to run (the admin's choice, or its default); absent: none to run. */
  openPlatform?: OpenPlatformChoice;
}

export interface CompleteAuthorizationDeps {
  states: Pick<AuthorizationStates, 'spend'>;
  wechat: Pick<BindingWeChat, 'queryAuth' | 'getAuthorizerInfo'>;
  accounts: AccountStore;
  fanSync: FanSyncRequests;
  audit: Pick<AuditLog, 'record'>;
  /** The tenant's effective settings (policy, quota): read once per callback. */
  tenantSettings: Pick<TenantSettingsReader, 'tenantSettings'>;
  /** The quota of a tenant without its own (`TENANT_DEFAULT_ACCOUNT_QUOTA`), for the write's condition. */
  defaultQuota: number;
  now: () => Date;
  log: BindingLog;
  /**
   * Ends another tenant's revoked binding before this tenant takes the account over: the full unbind
   * with its cascade (shares, recipients' community and payment links, codes, grants, default), so
   * nothing of the old binding outlives it. Also finishes a binding found `unbinding` (any tenant's,
   * the caller's own included) before the account is bound afresh. `changed` when the account moved meanwhile.
   */
  endRevokedBinding?: (previous: AccountRecord, at: string) => Promise<'done' | 'changed'>;
  /** Runs after a binding is stored (e.g. the open platform binding); its failure is logged, never undoes the binding. */
  afterBind?: (binding: StoredBinding) => Promise<void>;
  /** Between attempts when concurrent bindings of the same account or tenant collide. */
  pause?: (attempt: number) => Promise<void>;
  /** The event bus's outbox (API.md §6): `Account Bound` / `Account Reauthorized`. */
  events?: EventOutbox;
}

export type AuthorizationOutcome = { ok: true; binding: StoredBinding; fanSyncJobId?: string } | { ok: false; error: DomainError; appid?: string };

/** Enough for 20 simultaneous binds of one account: each retry either wins or sees the winner. */
export const MAX_WRITE_ATTEMPTS = 8;

const defaultPause = (attempt: number) => new Promise<void>((resolve) => setTimeout(resolve, 10 * attempt + Math.random() * 40 * attempt));

export const invalidState = () =>
  new DomainError('validation_failed', 'This authorization link is unknown, was already used or has expired. Start the binding again.', {
    details: { fields: [{ field: 'query.state', message: 'unknown, already used or expired' }] },
  });

export async function completeAuthorization(request: { state: string; authCode: string }, deps: CompleteAuthorizationDeps): Promise<AuthorizationOutcome> {
  const now = deps.now();
  const state = await deps.states.spend(request.state);
  if (!state || !(Date.parse(state.expiresAt) > now.getTime())) {
    deps.log.warn('Authorization callback with an unknown, spent or expired state', { known: state !== undefined });
    return { ok: false, error: invalidState() };
  }
  const at = now.toISOString();
  const fail = async (action: 'binding.rejected' | 'binding.failed', error: DomainError, appid?: string): Promise<AuthorizationOutcome> => {
    await recordAudit(deps, state.tenantId, {
      at,
      actor: state.userId,
      action,
      ...(appid ? { appid } : {}),
      details: { code: error.code, ...(error.details ?? {}) },
    });
    return { ok: false, error, ...(appid ? { appid } : {}) };
  };

  let authorization: Awaited<ReturnType<BindingWeChat['queryAuth']>>;
  let profile: AccountProfile;
  try {
    authorization = await deps.wechat.queryAuth(request.authCode);
    if (state.appid && state.appid !== authorization.appid) {
      return fail(
        'binding.rejected',
        new DomainError('validation_failed', `This link re-authorizes ${state.appid}, but ${authorization.appid} was authorized. Use a new link.`, {
          details: { expectedAppid: state.appid },
        }),
        authorization.appid,
      );
    }
    const info = await deps.wechat.getAuthorizerInfo(authorization.appid);
    profile = { ...info, appid: authorization.appid, funcIds: [...new Set(authorization.funcIds)].sort((a, b) => a - b) };
  } catch (error) {
    const domainError = fromWeChat(error);
    if (!(domainError instanceof DomainError)) throw error;
    deps.log.warn('WeChat refused the authorization exchange', { code: domainError.code, details: domainError.details });
    return fail('binding.failed', domainError);
  }

  const settings = await deps.tenantSettings.tenantSettings(state.tenantId);
  const rejection = policyRejection(profile, settings.bindingPolicy);
  if (rejection) return fail('binding.rejected', rejection, profile.appid);
  if (!authorization.accessToken || !authorization.refreshToken) {
    // WeChat issues tokens only for accounts that granted at least one API permission set.
    return fail(
      'binding.rejected',
      new DomainError('missing_permissions', 'The account granted no permission set that lets the platform act for it. Authorize again.', {
        details: { missing: [] },
      }),
      profile.appid,
    );
  }
  const tokens = {
    accessToken: authorization.accessToken,
    refreshToken: authorization.refreshToken,
    expiresAt: new Date(now.getTime() + (authorization.expiresIn ?? 7200) * 1000).toISOString(),
  };

  let plan: BindingPlan | undefined;
  for (let attempt = 1; ; attempt += 1) {
    const current = await deps.accounts.account(profile.appid);
    if (current?.status === 'unbinding') {
      // Its owner is unbinding it: nothing brings such an account back. The unbinding is finished
      // first (it would be anyway, by the DELETE or its continuation), then the next round binds the
      // unbound account afresh — for its old owner as for anyone — with none of the old binding's data.
      if (!deps.endRevokedBinding) return fail('binding.rejected', beingUnbound(profile.appid), profile.appid);
      await deps.endRevokedBinding(current, at);
      if (attempt >= MAX_WRITE_ATTEMPTS) throw new Error(`The unbinding of ${profile.appid} could not be finished.`);
      continue;
    }
    const planned = planBinding(current, state.tenantId);
    if (planned instanceof DomainError) return fail('binding.rejected', planned, profile.appid);
    if (planned.kind === 'takeover' && planned.previous.status === 'revoked' && planned.previous.ownerTenantId !== state.tenantId && deps.endRevokedBinding) {
      // Unbind the old owner first; the next round sees an unbound account and takes it over.
      await deps.endRevokedBinding(planned.previous, at);
      if (attempt >= MAX_WRITE_ATTEMPTS) throw new Error(`The revoked binding of ${profile.appid} could not be ended.`);
      continue;
    }
    const result = await deps.accounts.writeBinding({
      tenantId: state.tenantId,
      plan: planned,
      profile,
      tokens,
      at,
      defaultQuota: deps.defaultQuota,
      ...linkChoice(state, planned),
    });
    if (result === 'written') {
      plan = planned;
      break;
    }
    if (result === 'quota_exceeded') return fail('binding.rejected', accountQuotaExceeded(settings.accountQuota), profile.appid);
    if (attempt >= MAX_WRITE_ATTEMPTS) throw new Error(`The binding of ${profile.appid} kept colliding with concurrent bindings (${result}).`);
    await (deps.pause ?? defaultPause)(attempt);
  }

  const { openPlatform } = bindingChoicesFor(state.choices, plan);
  const binding: StoredBinding = {
    kind: plan.kind === 'reauthorize' ? 'reauthorized' : 'bound',
    tenantId: state.tenantId,
    userId: state.userId,
    appid: profile.appid,
    at,
    ...(openPlatform ? { openPlatform } : {}),
  };
  deps.log.info('Account bound', { appid: binding.appid, kind: binding.kind, plan: plan.kind });
  await recordAudit(deps, state.tenantId, {
    at,
    actor: state.userId,
    action: binding.kind === 'bound' ? 'account.bound' : 'account.reauthorized',
    appid: binding.appid,
    details: { permissions: profile.funcIds, ...(plan.kind === 'takeover' ? { replacedBinding: plan.previous.status } : {}) },
  });
  if (plan.kind === 'takeover' && plan.previous.ownerTenantId !== state.tenantId) await auditReleased(deps, plan.previous, at);
  const permissions = profile.funcIds.map((id) => ({ id, name: permissionSetNames[id] ?? String(id) }));
  await publishAfter(
    deps.events,
    accountEvent(binding.kind === 'bound' ? detailTypes.bound : detailTypes.reauthorized, {
      appid: binding.appid,
      tenantId: state.tenantId,
      at,
      actor: state.userId,
      permissions,
    }),
    deps.log,
  );

  const fanSyncJobId = await queueFanSync(deps, binding);
  if (deps.afterBind) {
    try {
      await deps.afterBind(binding);
    } catch (error) {
      deps.log.error('A reaction to the binding failed; the binding stands', { appid: binding.appid, error: describe(error) });
    }
  }
  return { ok: true, binding, ...(fanSyncJobId ? { fanSyncJobId } : {}) };
}

/**
 * The binding options in force (step 6 of the header): what the request said, else the defaults of
 * a new binding, else — re-authorizing an account the tenant owns — what the account already has
 * (`undefined`: keep the link's flag / run no open-platform step).
 */
export function bindingChoicesFor(said: BindingChoices | undefined, plan: BindingPlan): BindingChoices {
  if (plan.kind !== 'reauthorize') return { openPlatform: said?.openPlatform ?? 'create', plaintextAuthorization: said?.plaintextAuthorization ?? true };
  const last = plan.previous.openPlatform;
  const openPlatform = said?.openPlatform ?? (last && last.status !== 'bound' ? last.choice : undefined);
  return {
    ...(openPlatform ? { openPlatform } : {}),
    ...(said?.plaintextAuthorization === undefined ? {} : { plaintextAuthorization: said.plaintextAuthorization }),
  };
}

/** The owner link's 明文授权 flag to write, when the binding decides it. */
const linkChoice = (state: { choices?: BindingChoices }, plan: BindingPlan): { plaintextAuthorization?: boolean } => {
  const { plaintextAuthorization } = bindingChoicesFor(state.choices, plan);
  return plaintextAuthorization === undefined ? {} : { plaintextAuthorization };
};

/** Only without `endRevokedBinding` (it is always wired): the unbinding under way is left to finish. */
const beingUnbound = (appid: string) =>
  new DomainError('try_again', `The account ${appid} is being unbound. Authorize it again once the unbinding has finished.`, { details: { appid } });

/** The previous owner learns that its revoked account now belongs to another organisation (whose id is not theirs to see). */
async function auditReleased(deps: CompleteAuthorizationDeps, previous: AccountRecord, at: string): Promise<void> {
  await recordAudit(deps, previous.ownerTenantId, {
    at,
    actor: 'system',
    action: 'account.released',
    appid: previous.appid,
    details: { reason: 'bound_by_another_organisation', previousStatus: previous.status },
  });
}

async function queueFanSync(deps: CompleteAuthorizationDeps, binding: StoredBinding): Promise<string | undefined> {
  try {
    return await deps.fanSync.queueFullSync(binding.appid, binding.at);
  } catch (error) {
    // Binding must not fail because of the sync: a person can start one from the console.
    deps.log.error('Could not queue the full fan sync after binding', { appid: binding.appid, error: describe(error) });
    return undefined;
  }
}

async function recordAudit(deps: CompleteAuthorizationDeps, tenantId: string, event: Parameters<AuditLog['record']>[1]): Promise<void> {
  try {
    await deps.audit.record(tenantId, event);
  } catch (error) {
    deps.log.error('Could not write the audit trail', { action: event.action, appid: event.appid, error: describe(error) });
  }
}

const describe = (error: unknown) => (error instanceof Error ? { name: error.name, message: error.message } : String(error));
