/**
 * GET|DELETE /v1/wecom/corp — the tenant's WeCom corp: read it (`WeComCorp`, never the permanent
 * code; 404 when none), or remove it once WeCom uninstalled the app (`cancel_auth`), `409
 * revoke_in_wechat_first` while it is installed (`shared/domain/wecom/corp.ts`). One function for the
 * one resource, as the stack is at CloudFormation's resource limit.
 */
import type { ConsoleEvent } from '#shared/http/console-route.ts';
import { deleteCorp, getCorp } from '#shared/domain/wecom/corp.ts';
import { consoleRoute } from '#shared/http/console-route.ts';
import { corpDeps } from '#shared/wiring/wecom.ts';
import type { Context } from 'aws-lambda';

const deps = corpDeps();

const read = consoleRoute({ who: 'admin' }, async ({ caller }) => ({ status: 200, body: await getCorp(caller.tenantId, deps) }));

const remove = consoleRoute({ who: 'admin' }, async ({ caller }) => {
  await deleteCorp(caller.tenantId, deps);
  return { status: 204 };
});

/** Both methods share one contract (admin, no path, query or body), which the OpenAPI document reads. */
export const handler = Object.assign(
  (event: ConsoleEvent, context: Context) => (event.requestContext.http.method === 'DELETE' ? remove(event, context) : read(event, context)),
  { contract: read.contract },
);
