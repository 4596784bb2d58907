/**
 * `GET/PUT /v1/oauth/origins` (admin): the origins a tenant's pages live on, where web authorization
 * may send visitors back to (`origins.ts` holds the rules). A change is audited as `oauth.origins_changed`.
 */
import type { Caller } from '#shared/auth/caller.ts';
import type { AuditLog } from '#shared/domain/audit/audit-log.ts';
import { normalizeOrigins, type OriginPolicy } from '#shared/domain/oauth/origins.ts';
import type { OAuthOriginStore } from '#shared/domain/oauth/ports.ts';

export interface AllowedOriginsDeps {
  origins: OAuthOriginStore;
  policy: OriginPolicy;
  audit: Pick<AuditLog, 'record'>;
  now: () => Date;
}

export async function allowedOrigins(caller: Caller, deps: Pick<AllowedOriginsDeps, 'origins'>): Promise<{ origins: string[] }> {
  return { origins: await deps.origins.get(caller.tenantId) };
}

export async function replaceAllowedOrigins(caller: Caller, texts: readonly string[], deps: AllowedOriginsDeps): Promise<{ origins: string[] }> {
  const origins = normalizeOrigins(texts, deps.policy);
  const before = await deps.origins.get(caller.tenantId);
  const at = deps.now().toISOString();
  await deps.origins.put(caller.tenantId, origins, at);
  const added = origins.filter((origin) => !before.includes(origin));
  const removed = before.filter((origin) => !origins.includes(origin));
  if (added.length > 0 || removed.length > 0) {
    await deps.audit.record(caller.tenantId, { actor: caller.userId, action: 'oauth.origins_changed', at, details: { added, removed } });
  }
  return { origins };
}
