/**
 * The tenant's WeCom corp as the console sees it (API.md §7): `GET /v1/wecom/corp`,
 * `DELETE /v1/wecom/corp` (refused while WeCom still shows the app installed; after `cancel_auth`
 * the corp goes with everything the customer sync kept of it), `PUT /v1/wecom/miniprogram-secret`.
 * Every route needs the tenant's `features.wecom`. Nothing returned carries the permanent code.
 */
import { corpNotFound, uninstallInWeComFirst } from '#shared/domain/wecom/errors.ts';
import { requireWeComFeature } from '#shared/domain/wecom/install.ts';
import type {
  MiniProgramSecretStore,
  SecretBox,
  StoredWeComCorp,
  WeComCorp,
  WeComCorpData,
  WeComCorpStore,
  WeComFeatureGate,
  WeComLog,
} from '#shared/domain/wecom/ports.ts';

export interface CorpDeps {
  gate: WeComFeatureGate;
  corps: WeComCorpStore;
  corpData: WeComCorpData;
  miniPrograms: MiniProgramSecretStore;
  secrets: SecretBox;
  now: () => Date;
  log: WeComLog;
}

/** The API shape: exactly the fields of `WeComCorp`, none of what only the hub sees. */
export function corpView(corp: StoredWeComCorp): WeComCorp {
  return {
    corpId: corp.corpId,
    corpName: corp.corpName,
    status: corp.status,
    installedAt: corp.installedAt,
    ...(corp.uninstalledAt ? { uninstalledAt: corp.uninstalledAt } : {}),
    authType: corp.authType,
    visibleRange: corp.visibleRange,
    customerPermission: corp.customerPermission,
    ...(corp.customers ? { customers: corp.customers } : {}),
    ...(corp.links ? { links: corp.links } : {}),
  };
}

export async function getCorp(tenantId: string, deps: Pick<CorpDeps, 'gate' | 'corps'>): Promise<WeComCorp> {
  await requireWeComFeature(deps.gate, tenantId);
  const corp = await deps.corps.ofTenant(tenantId);
  if (!corp) throw corpNotFound();
  return corpView(corp);
}

export async function deleteCorp(tenantId: string, deps: Pick<CorpDeps, 'gate' | 'corps' | 'corpData' | 'log'>): Promise<void> {
  await requireWeComFeature(deps.gate, tenantId);
  const corp = await deps.corps.ofTenant(tenantId);
  if (!corp) throw corpNotFound();
  if (corp.status === 'installed') throw uninstallInWeComFirst(corp.corpId);
  // Customers and links first: a failure leaves the corp, so the DELETE can be repeated.
  await deps.corpData.removeAll(corp.corpId);
  if (!(await deps.corps.remove(corp.corpId, tenantId))) throw uninstallInWeComFirst(corp.corpId);
  deps.log.info('WeCom corp deleted', { corpId: corp.corpId, tenantId });
}

export async function putMiniProgramSecret(
  caller: { tenantId: string; userId: string },
  body: { appid: string; secret: string },
  deps: Pick<CorpDeps, 'gate' | 'miniPrograms' | 'secrets' | 'now'>,
): Promise<{ appid: string; secretSet: true; updatedAt: string }> {
  await requireWeComFeature(deps.gate, caller.tenantId);
  const updatedAt = deps.now().toISOString();
  const sealed = await deps.secrets.seal(body.secret, miniProgramSecretContext(caller.tenantId, body.appid));
  await deps.miniPrograms.put(caller.tenantId, { appid: body.appid, secret: sealed, updatedAt, updatedBy: caller.userId });
  return { appid: body.appid, secretSet: true, updatedAt };
}

export const miniProgramSecretContext = (tenantId: string, appid: string): Record<string, string> => ({ tenantId, appid, purpose: 'miniprogram_secret' });

/** Until the customer sync fills it: nothing is kept of a corp but the corp. */
export const noCorpData: WeComCorpData = { removeAll: async () => undefined };
