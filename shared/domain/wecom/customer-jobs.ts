/** A new customer sync job: `queued`, with its start step as the one open step. */
import { randomBytes } from 'node:crypto';
import type { CustomerSyncJobState } from '#shared/domain/wecom/ports.ts';

export function newCustomerSyncJob(corpId: string, tenantId: string, at: string): CustomerSyncJobState {
  const jobId = `${Date.parse(at).toString(36).padStart(9, '0')}${randomBytes(6).toString('hex')}`;
  return {
    jobId,
    corpId,
    tenantId,
    status: 'queued',
    phase: 'customers',
    open: 1,
    members: 0,
    customers: 0,
    linked: 0,
    pending: 0,
    failed: 0,
    startedAt: at,
    updatedAt: at,
  };
}
