/**
 * Keys of the follower sync's items in the one table (README "Data design"). Each item family has
 * its file: the job (`fan-sync-jobs.ts`), the account's running-job slot (`fan-sync-slot.ts`), page
 * ledgers (`fan-sync-pages.ts`) and parked steps (`fan-sync-parked.ts`); `fan-sync-requests.ts` writes
 * a new job and the slot together.
 *
 * | item | pk | sk | gsi2pk / gsi2sk | attributes |
 * |---|---|---|---|---|
 * | fan-sync job | `ACCOUNT#<appid>` | `FANSYNC#<jobId>` | `FANSYNC#PAUSED` / `<pausedAt>#<appid>#<jobId>` while `paused_quota` | API.md `FanSyncJob` fields: `jobId`, `appid`, `status`, `listed`, `synced`, `failed`, `unsubscribedMarked`, `startedAt`, `updatedAt`, `finishedAt?`, `error?`; plus `trigger`, and the workers' `tenantId`, `merge`, `checkpoint`, `listingDone`, `pagesTotal`, `pagesSettled`, `parks`, `p<n>` page markers |
 * | running job of an account | `ACCOUNT#<appid>` | `FANSYNC-RUNNING` | — | `jobId`, `since` |
 * | page ledger | `ACCOUNT#<appid>` | `FANSYNC-PAGE#<jobId>#<page, 6 digits>` | — | `listed`, `chunksTotal`, `chunksDone`, `synced`, `failed`, `failedOpenids`, `c<n>` chunk markers |
 * | parked step | `ACCOUNT#<appid>` | `FANSYNC-PARKED#<jobId>#<step>` | — | `message` (the queue message, re-sent by the daily resume) |
 *
 * Job ids start with the time in base 36, so one Query of `FANSYNC#` in reverse order reads the
 * newest job first (the other items' sort keys do not start with `FANSYNC#`).
 */
import { randomBytes } from 'node:crypto';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';

export const fanSyncKeys = {
  pk: accountKeys.accountPk,
  sk: (jobId: string) => `FANSYNC#${jobId}`,
  prefix: 'FANSYNC#',
  runningSk: 'FANSYNC-RUNNING',
  pageSk: (jobId: string, page: number) => `FANSYNC-PAGE#${jobId}#${String(page).padStart(6, '0')}`,
  pagePrefix: (jobId: string) => `FANSYNC-PAGE#${jobId}#`,
  parkedSk: (jobId: string, step: string) => `FANSYNC-PARKED#${jobId}#${step}`,
  parkedPrefix: (jobId: string) => `FANSYNC-PARKED#${jobId}#`,
  pausedGsi: 'FANSYNC#PAUSED',
  pausedGsiSk: (pausedAt: string, appid: string, jobId: string) => `${pausedAt}#${appid}#${jobId}`,
};

/** Sortable by creation time, unguessable enough to be an opaque id. */
export function newFanSyncJobId(at: string): string {
  return `${Date.parse(at).toString(36).padStart(9, '0')}${randomBytes(6).toString('hex')}`;
}
