/** PUT /v1/wecom/miniprogram-secret — the employee-marketing mini program's secret, sealed at rest, never returned or logged. */
import * as v from 'valibot';
import { putMiniProgramSecret } from '#shared/domain/wecom/corp.ts';
import { consoleRoute } from '#shared/http/console-route.ts';
import { appIdSchema } from '#shared/http/validation.ts';
import { corpDeps } from '#shared/wiring/wecom.ts';

const deps = corpDeps();

const body = v.strictObject({ appid: appIdSchema, secret: v.pipe(v.string(), v.regex(/^[0-9A-Za-z]{16,64}$/, 'must be 16 to 64 letters or digits')) });

export const handler = consoleRoute({ who: 'admin', body }, async ({ caller, body }) => ({
  status: 200,
  body: await putMiniProgramSecret({ tenantId: caller.tenantId, userId: caller.userId }, body, deps),
}));
