/** POST /v1/wecom/installations — the WeCom install link for the admin's tenant (`shared/domain/wecom/install.ts`). */
import { startInstallation } from '#shared/domain/wecom/install.ts';
import { consoleRoute } from '#shared/http/console-route.ts';
import { installDeps } from '#shared/wiring/wecom.ts';

const deps = installDeps();

export const handler = consoleRoute({ who: 'admin' }, async ({ caller }) => ({
  status: 201,
  body: await startInstallation({ tenantId: caller.tenantId, userId: caller.userId }, deps),
}));
