/** POST /v1/wecom/registrations — 注册并关联: a WeCom registration link (`get_register_code`); the new corp arrives as an install. */
import { startRegistration } from '#shared/domain/wecom/install.ts';
import { consoleRoute } from '#shared/http/console-route.ts';
import { installDeps } from '#shared/wiring/wecom.ts';

const deps = installDeps();

export const handler = consoleRoute({ who: 'admin' }, async ({ caller }) => ({
  status: 201,
  body: await startRegistration({ tenantId: caller.tenantId, userId: caller.userId }, deps),
}));
