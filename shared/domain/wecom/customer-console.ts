/**
 * The console's side of the customer sync (API.md §7, admin only, behind the tenant's `features.wecom`):
 * starting a sync (one running per corp, like fan syncs: a request while one still progresses gets its
 * id; a job quiet for `STALE_RUNNING_MS` is replaced), reading a job, and the customers page by page.
 */
import { DomainError } from '#shared/errors/domain-errors.ts';
import { isStillRunning } from '#shared/domain/fans/sync-requests.ts';
import type {
  CustomerStepQueue,
  CustomerStore,
  CustomerSyncJob,
  CustomerSyncJobStore,
  WeComCorpStore,
  WeComCustomer,
  WeComFeatureGate,
} from '#shared/domain/wecom/ports.ts';
import { newCustomerSyncJob } from '#shared/domain/wecom/customer-jobs.ts';

export interface CustomerConsoleDeps {
  gate: WeComFeatureGate;
  corps: Pick<WeComCorpStore, 'ofTenant'>;
  jobs: CustomerSyncJobStore;
  customers: Pick<CustomerStore, 'page'>;
  queue: CustomerStepQueue;
  now?: () => Date;
}

interface Admin {
  tenantId: string;
  isAdmin: boolean;
}

const ATTEMPTS = 4;

export class CustomerConsole {
  constructor(private readonly deps: CustomerConsoleDeps) {}

  private async installedCorp(caller: Admin): Promise<string> {
    if (!caller.isAdmin) throw new DomainError('forbidden', 'Only an administrator can manage the WeCom association.');
    if (!(await this.deps.gate.enabled(caller.tenantId))) {
      throw new DomainError('feature_disabled', "Your organisation's plan does not include WeCom (企业微信). Ask your account manager to turn it on.");
    }
    const corp = await this.deps.corps.ofTenant(caller.tenantId);
    if (!corp || corp.status !== 'installed') throw new DomainError('not_found', 'No WeCom corp is installed for your organisation.');
    return corp.corpId;
  }

  async startSync(caller: Admin): Promise<{ jobId: string }> {
    const corpId = await this.installedCorp(caller);
    const at = (this.deps.now ?? (() => new Date()))().toISOString();
    for (let attempt = 1; attempt <= ATTEMPTS; attempt += 1) {
      const held = await this.deps.jobs.held(corpId);
      if (held && isStillRunning(held, at)) return { jobId: held.jobId };
      const job = newCustomerSyncJob(corpId, caller.tenantId, at);
      if (await this.deps.jobs.create(job, held?.jobId)) {
        await this.deps.queue.send([{ type: 'start', corpId, jobId: job.jobId }]);
        return { jobId: job.jobId };
      }
    }
    throw new Error(`Could not queue a customer sync of ${corpId}: the running-job slot kept changing`);
  }

  async job(caller: Admin, jobId: string): Promise<CustomerSyncJob> {
    const corpId = await this.installedCorp(caller);
    const job = await this.deps.jobs.get(corpId, jobId);
    if (!job) throw new DomainError('not_found', 'No such customer sync.');
    return publicJob(job);
  }

  async customers(
    caller: Admin,
    request: { limit: number; cursor?: string; linked?: boolean },
  ): Promise<{ customers: WeComCustomer[]; nextCursor: string | null }> {
    const corpId = await this.installedCorp(caller);
    return this.deps.customers.page(corpId, request);
  }
}

/** The API shape of a job (no tenant, no internal counters). */
export function publicJob(job: CustomerSyncJob): CustomerSyncJob {
  const { jobId, corpId, status, members, customers, linked, pending, failed, startedAt, updatedAt, finishedAt, error } = job;
  return {
    jobId,
    corpId,
    status,
    members,
    customers,
    linked,
    pending,
    failed,
    startedAt,
    updatedAt,
    ...(finishedAt ? { finishedAt } : {}),
    ...(error ? { error } : {}),
  };
}
