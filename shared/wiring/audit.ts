/** The audit area: the tenants' trail, read by `GET /v1/audit` (every area writes to it through `common.ts`). */
export { auditLog } from '#shared/wiring/common.ts';
