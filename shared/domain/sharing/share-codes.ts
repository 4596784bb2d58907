/**
 * `POST /v1/accounts/{appid}/share-codes` (DESIGN.md "Property management", §3 "Sharing"): the owner
 * of an active account makes 1–100 one-time codes. Each is shown in this answer only: the table
 * keeps its SHA-256 with `expiresAt = now + 24 h`, so a lost code cannot be shown again — the owner
 * makes new ones. The audit trail says how many were made, never which.
 *
 * A share includes the payment interface only when asked (`includePayment`, default false: sharing
 * a payment interface routes residents' money, so it must be a deliberate choice), and only for an
 * account WeChat Pay is open for (`capabilities.payment`): otherwise `422 payment_not_available`,
 * and nothing is stored or audited.
 */
import type { AuditLog } from '#shared/domain/audit/audit-log.ts';
import { accountNotActive } from '#shared/domain/accounts/errors.ts';
import { capabilitiesOf } from '#shared/domain/accounts/model.ts';
import { ownedAccount } from '#shared/domain/sharing/access.ts';
import type { ShareCodeStore } from '#shared/domain/sharing/ports.ts';
import { DomainError } from '#shared/errors/domain-errors.ts';
import { generateShareCode, normalizeShareCode, SHARE_CODE_LIFETIME_MS, shareCodeHash } from '#shared/domain/sharing/share-code.ts';

export const MAX_CODES_PER_REQUEST = 100;

export interface CreateShareCodesDeps {
  store: Pick<ShareCodeStore, 'account' | 'link' | 'saveCodes'>;
  audit: Pick<AuditLog, 'record'>;
  now: () => Date;
}

export interface CreateShareCodesInput {
  tenantId: string;
  userId: string;
  appid: string;
  count: number;
  includePayment: boolean;
}

export const paymentNotAvailable = (appid: string): DomainError =>
  new DomainError(
    'payment_not_available',
    `WeChat Pay is not open for ${appid}, so its payment interface cannot be shared. Make the codes without the payment interface.`,
    { details: { appid } },
  );

export async function createShareCodes(input: CreateShareCodesInput, deps: CreateShareCodesDeps): Promise<{ codes: string[]; expiresAt: string }> {
  const { tenantId, appid } = input;
  const account = await ownedAccount(deps.store, tenantId, appid, { active: true });
  if (input.includePayment && !capabilitiesOf(account).payment) throw paymentNotAvailable(appid);

  const now = deps.now();
  const createdAt = now.toISOString();
  const expiresAt = new Date(now.getTime() + SHARE_CODE_LIFETIME_MS).toISOString();
  const codes = Array.from({ length: input.count }, generateShareCode);
  const codeHashes = codes.map((code) => shareCodeHash(normalizeShareCode(code)!));

  const saved = await deps.store.saveCodes({
    appid,
    ownerTenantId: tenantId,
    createdBy: input.userId,
    includePayment: input.includePayment,
    codeHashes,
    createdAt,
    expiresAt,
  });
  if (saved === 'account_changed') {
    // Revoked or unbound between the read and the write: the read again says which.
    const account = await ownedAccount(deps.store, tenantId, appid);
    throw accountNotActive(appid, account.status);
  }
  await deps.audit.record(tenantId, {
    at: createdAt,
    actor: input.userId,
    action: 'share_codes.created',
    appid,
    details: { count: codes.length, includePayment: input.includePayment, expiresAt },
  });
  return { codes, expiresAt };
}
