/**
 * POST /v1/wecom/customer-syncs (admin; the tenant's `features.wecom`) — the seed's 已完成设置: a sync of
 * the installed corp's customers and the link to followers, `202 { jobId }`; the running job's id when
 * one is running (one per corp).
 */
import { consoleRoute } from '#shared/http/console-route.ts';
import { noQuery } from '#shared/http/validation.ts';
import { customerConsole } from '#shared/wiring/wecom.ts';

const customers = customerConsole();

export const handler = consoleRoute({ who: 'admin', query: noQuery }, async ({ caller }) => ({ status: 202, body: await customers.startSync(caller) }));
