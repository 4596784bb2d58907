/**
 * DELETE /v1/wecom/corp — removes the tenant's corp once WeCom uninstalled the app (`cancel_auth`);
 * `409 revoke_in_wechat_first` while it is installed (`shared/domain/wecom/corp.ts`).
 */
import { deleteCorp } from '#shared/domain/wecom/corp.ts';
import { consoleRoute } from '#shared/http/console-route.ts';
import { corpDeps } from '#shared/wiring/wecom.ts';

const deps = corpDeps();

export const handler = consoleRoute({ who: 'admin' }, async ({ caller }) => {
  await deleteCorp(caller.tenantId, deps);
  return { status: 204 };
});
