/** GET /v1/wecom/customer-syncs/{jobId} (admin; `features.wecom`) — one customer sync with its progress (API.md `CustomerSyncJob`). */
import * as v from 'valibot';
import { consoleRoute } from '#shared/http/console-route.ts';
import { noQuery } from '#shared/http/validation.ts';
import { customerConsole } from '#shared/wiring/wecom.ts';

const customers = customerConsole();
const params = v.strictObject({ jobId: v.pipe(v.string(), v.regex(/^[0-9a-z]{1,64}$/, 'must be a job id this API returned')) });

export const handler = consoleRoute({ who: 'admin', params, query: noQuery }, async ({ caller, params }) => ({
  status: 200,
  body: await customers.job(caller, params.jobId),
}));
