/**
 * `POST /v1/accounts/{appid}/share-codes` (DESIGN.md "Property management", §3 "Sharing"): the owner
 * of an active account makes 1–100 one-time codes. Each is shown in this answer only: the table
 * keeps its SHA-256 with `expiresAt = now + 24 h`, so a lost code cannot be shown again — the owner
 * makes new ones. The audit trail says how many were made, never which.
 */
import type { AuditLog } from '#shared/domain/audit/audit-log.ts';
import { accountNotActive } from '#shared/domain/accounts/errors.ts';
import { ownedAccount } from '#shared/domain/sharing/access.ts';
import type { ShareCodeStore } from '#shared/domain/sharing/ports.ts';
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

export async function createShareCodes(input: CreateShareCodesInput, deps: CreateShareCodesDeps): Promise<{ codes: string[]; expiresAt: string }> {
  const { tenantId, appid } = input;
  await ownedAccount(deps.store, tenantId, appid, { active: true });

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
