/**
 * `POST /v1/shared-accounts` `{ code }`: a recipient's admin redeems a share code (DESIGN.md §3
 * "Sharing", API.md §1).
 *
 * - One transaction spends the code and creates the recipient's link, so among any number of
 *   concurrent redemptions exactly one succeeds.
 * - Unknown, spent, revoked (deleted) and expired codes get one answer, `410 share_code_invalid`,
 *   so the answer tells a guesser nothing. Expired means `expiresAt` passed, whether or not
 *   DynamoDB's TTL has deleted the item yet.
 * - The owner's own code is `409 cannot_redeem_own_code`; an account the tenant already holds is
 *   `409 already_linked`, and the code stays unspent for the tenant it was meant for.
 * - Brute force: every attempt first reserves a place in the tenant's sliding hour; an attempt that
 *   did not fail gives its place back. So at most 10 failed redemptions per tenant fit in any hour,
 *   however many run at once; the next is `429 rate_limited` with `Retry-After` (and "about N
 *   minutes" in its message), before the code is even looked at.
 * - Something that cannot be a code at all (not 28 symbols of the code alphabet once separators and
 *   case are set aside, `share-code.ts`) is a typing mistake, not a guess: `400 validation_failed`
 *   naming `body.code`, answered before the budget is touched, so it never counts toward the lockout.
 *   It tells a guesser nothing the code's published format does not.
 * - The answer's `missingPermissions` is judged against the recipient's own effective binding policy,
 *   as its later reads are (`shared/domain/accounts/queries.ts`), never the owner's.
 */
import { randomUUID } from 'node:crypto';
import { toAccountView, type AccountView } from '#shared/domain/accounts/model.ts';
import type { AuditLog } from '#shared/domain/audit/audit-log.ts';
import { detailTypes, shareEvent } from '#shared/domain/events/model.ts';
import type { EventOutbox } from '#shared/domain/events/ports.ts';
import { publishAfter } from '#shared/domain/events/publish.ts';
import { accountNotActive } from '#shared/domain/accounts/errors.ts';
import { requiredFuncIdsOf, type RequiredFuncIds } from '#shared/domain/accounts/ports.ts';
import type { RedemptionAttempts, ShareCodeStore } from '#shared/domain/sharing/ports.ts';
import { normalizeShareCode, shareCodeHash } from '#shared/domain/sharing/share-code.ts';
import { DomainError, RateLimited, ValidationFailed } from '#shared/errors/domain-errors.ts';

/** Failed redemptions a tenant may make within `REDEMPTION_WINDOW_MS`. */
export const MAX_FAILED_REDEMPTIONS = 10;
export const REDEMPTION_WINDOW_MS = 60 * 60 * 1000;

export interface RedeemShareCodeDeps {
  store: ShareCodeStore;
  attempts: RedemptionAttempts;
  audit: Pick<AuditLog, 'record'>;
  now: () => Date;
  /** The permission sets a tenant requires, for the view's `missingPermissions` (the recipient's). */
  requiredFuncIds: RequiredFuncIds;
  budget?: { limit: number; windowMs: number };
  /** The event bus's outbox (API.md §6): `Account Shared`. */
  events?: EventOutbox;
}

export interface RedeemShareCodeInput {
  tenantId: string;
  userId: string;
  code: string;
}

export const shareCodeInvalid = (): DomainError =>
  new DomainError('share_code_invalid', 'This share code is unknown, used, revoked or expired. Ask the account owner for a new one.');

/** The code's form is wrong: what a person mistyped, said before any attempt is counted. */
export const malformedShareCode = (): ValidationFailed =>
  new ValidationFailed(
    [{ field: 'body.code', message: 'must be a share code: 28 letters and digits, in groups of four like 7K2M-9QXD-…' }],
    'This is not a share code: a share code has 28 letters and digits, in groups of four. Check what you typed.',
  );

/** "about N minutes" of a lockout's remaining seconds, N rounded up (never "0 minutes"). */
export const aboutMinutes = (seconds: number): string => {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  return `about ${minutes} minute${minutes === 1 ? '' : 's'}`;
};

export async function redeemShareCode(input: RedeemShareCodeInput, deps: RedeemShareCodeDeps): Promise<AccountView> {
  const canonical = normalizeShareCode(input.code);
  if (!canonical) throw malformedShareCode();
  const attemptId = randomUUID();
  const slot = await deps.attempts.reserve(
    input.tenantId,
    attemptId,
    deps.now(),
    deps.budget ?? { limit: MAX_FAILED_REDEMPTIONS, windowMs: REDEMPTION_WINDOW_MS },
  );
  if (!slot.reserved) {
    throw new RateLimited(
      slot.retryAfterSeconds,
      `Too many failed share-code redemptions in the last hour. Try again in ${aboutMinutes(slot.retryAfterSeconds)}.`,
    );
  }
  let view: AccountView;
  try {
    view = await redeem(input, canonical, deps);
  } catch (error) {
    // Only a code that does not work counts against the tenant.
    if (!(error instanceof DomainError && error.code === 'share_code_invalid')) await deps.attempts.forgive(input.tenantId, attemptId);
    throw error;
  }
  await deps.attempts.forgive(input.tenantId, attemptId);
  return view;
}

async function redeem(input: RedeemShareCodeInput, canonical: string, deps: RedeemShareCodeDeps): Promise<AccountView> {
  const { tenantId } = input;
  const codeHash = shareCodeHash(canonical);

  for (let attempt = 1; attempt <= 3; attempt++) {
    const now = deps.now();
    const code = await deps.store.findCode(codeHash);
    if (!code || code.spentAt || Date.parse(code.expiresAt) <= now.getTime()) throw shareCodeInvalid();
    if (code.ownerTenantId === tenantId) {
      throw new DomainError('cannot_redeem_own_code', 'This code shares an account your tenant owns; give it to the tenant it is meant for.');
    }
    const account = await deps.store.account(code.appid);
    // A code outlives nothing: once its owner no longer holds the account, it is as good as revoked.
    if (!account || account.ownerTenantId !== code.ownerTenantId || account.status === 'unbound') throw shareCodeInvalid();
    if (account.status !== 'active') throw accountNotActive(account.appid, account.status);
    if (await deps.store.link(tenantId, code.appid)) throw alreadyLinked(code.appid);

    const at = now.toISOString();
    const result = await deps.store.redeem({
      codeHash,
      tenantId,
      appid: code.appid,
      ownerTenantId: code.ownerTenantId,
      includePayment: code.includePayment,
      at,
    });
    if (result === 'code_gone') throw shareCodeInvalid();
    if (result === 'already_linked') throw alreadyLinked(code.appid);
    if (result === 'account_changed') continue;

    await deps.audit.record(tenantId, {
      at,
      actor: input.userId,
      action: 'share.redeemed',
      appid: code.appid,
      details: { ownerTenantId: code.ownerTenantId, includePayment: code.includePayment },
    });
    await deps.audit.record(code.ownerTenantId, {
      at,
      actor: `tenant:${tenantId}`,
      action: 'share.redeemed',
      appid: code.appid,
      details: { tenantId, includePayment: code.includePayment },
    });
    await publishAfter(
      deps.events,
      shareEvent(detailTypes.shared, { appid: code.appid, ownerTenantId: code.ownerTenantId, tenantId, includePayment: code.includePayment, at }),
    );
    const [link, settings, required] = await Promise.all([
      deps.store.link(tenantId, code.appid),
      deps.store.tenantSettings(tenantId),
      requiredFuncIdsOf(deps.requiredFuncIds, tenantId),
    ]);
    return toAccountView(
      account,
      link ?? { tenantId, appid: code.appid, role: 'shared', linkedAt: at, plaintextAuthorization: false, includePayment: code.includePayment },
      settings,
      required,
    );
  }
  throw new DomainError('internal_error', 'The shared account kept changing during the redemption. Try again.');
}

const alreadyLinked = (appid: string): DomainError =>
  new DomainError('already_linked', `Your tenant already has the account ${appid}.`, { details: { appid } });
