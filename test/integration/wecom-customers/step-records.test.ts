import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoCustomerSyncJobs } from '#shared/adapters/dynamodb/wecom-customers.ts';
import { newCustomerSyncJob } from '#shared/domain/wecom/customer-jobs.ts';
import { freshTable, type TestTable } from '#test/integration/support/table.ts';

describe('customer-sync step records on the embedded engine', () => {
  let table: TestTable;

  beforeAll(async () => {
    table = await freshTable('wecom-step-records');
  });

  it('records steps finishing at the same moment, each once, without a conflict thrown back to the queue', async () => {
    // Prepare
    const jobs = new DynamoCustomerSyncJobs(table.client, table.name);
    const job = newCustomerSyncJob('wwCorpRecords', 't-records', '2026-12-06T03:00:00.000Z');
    await jobs.create(job, undefined);
    await jobs.markRunning(job.corpId, job.jobId, { members: 1, open: 40, at: job.startedAt });

    // Act
    const outcomes = await Promise.allSettled(
      Array.from({ length: 40 }, (_, n) => jobs.record(job.corpId, job.jobId, { key: `l#${n}`, next: [], counts: { linked: 1 }, at: job.startedAt })),
    );

    // Assess
    expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
    expect(await jobs.get(job.corpId, job.jobId)).toMatchObject({ open: 0, linked: 40 });
  });
});
