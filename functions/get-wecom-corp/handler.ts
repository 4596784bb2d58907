/** GET /v1/wecom/corp — the tenant's WeCom corp (`WeComCorp`, never the permanent code); 404 when none. */
import { getCorp } from '#shared/domain/wecom/corp.ts';
import { consoleRoute } from '#shared/http/console-route.ts';
import { corpDeps } from '#shared/wiring/wecom.ts';

const deps = corpDeps();

export const handler = consoleRoute({ who: 'admin' }, async ({ caller }) => ({ status: 200, body: await getCorp(caller.tenantId, deps) }));
