/**
 * Page ledgers of a sync (`FANSYNC-PAGE#<jobId>#<page>`, keys: `fan-sync-keys.ts`): what each listed
 * page holds and how far its chunks got. Every counter moves exactly once per step, whatever the
 * number of deliveries:
 *
 * - a page is recorded by creating its ledger (`attribute_not_exists`);
 * - a chunk is counted by one UpdateItem on its page's ledger that sets the chunk's marker `c<n>`
 *   only if it is absent, adding its counts in the same expression.
 *
 * A redelivered chunk whose count was already made reads the ledger instead, so that settling the
 * page still happens when the first delivery died in between. A job's progress is the sum of its
 * ledgers: one Query.
 */
import { PutCommand, UpdateCommand, GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { fanSyncKeys } from '#shared/adapters/dynamodb/fan-sync-keys.ts';
import { isConditionFailure } from '#shared/db/conditions.ts';
import { queryAll, type Item } from '#shared/db/query-all.ts';
import type { PageTotals } from '#shared/domain/fans/ports.ts';

export class FanSyncPageLedgers {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private key(appid: string, jobId: string, page: number) {
    return { pk: fanSyncKeys.pk(appid), sk: fanSyncKeys.pageSk(jobId, page) };
  }

  /** Creates the page's ledger; false when an earlier delivery created it. */
  async create(appid: string, jobId: string, page: { page: number; listed: number; chunks: number; at: string }): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...this.key(appid, jobId, page.page),
            type: 'FanSyncPage',
            appid,
            jobId,
            page: page.page,
            listed: page.listed,
            chunksTotal: page.chunks,
            chunksDone: 0,
            synced: 0,
            failed: 0,
            listedAt: page.at,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return false;
    }
  }

  /** Counts a chunk once; whether its page now has every chunk counted. */
  async countChunk(
    appid: string,
    jobId: string,
    page: number,
    chunk: number,
    outcome: { synced: number; failed: string[] },
  ): Promise<{ pageComplete: boolean }> {
    const failedSet = outcome.failed.length > 0;
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(appid, jobId, page),
          UpdateExpression: `SET #chunk = :true ADD chunksDone :one, synced :synced, #failed :failed${failedSet ? ', failedOpenids :openids' : ''}`,
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#chunk)',
          ExpressionAttributeNames: { '#chunk': `c${chunk}`, '#failed': 'failed' },
          ExpressionAttributeValues: {
            ':true': true,
            ':one': 1,
            ':synced': outcome.synced,
            ':failed': outcome.failed.length,
            ...(failedSet ? { ':openids': new Set(outcome.failed) } : {}),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { pageComplete: isComplete(result.Attributes) };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // Counted by an earlier delivery (or the page was never recorded): report what the ledger says.
      const ledger = (await this.client.send(new GetCommand({ TableName: this.table, Key: this.key(appid, jobId, page), ConsistentRead: true }))).Item;
      return { pageComplete: isComplete(ledger) };
    }
  }

  /** The sums of every ledger of the job, with the openids of failed chunks. */
  async totals(appid: string, jobId: string): Promise<PageTotals> {
    const totals: PageTotals = { listed: 0, synced: 0, failed: 0, failedOpenids: new Set() };
    const ledgers = await queryAll(this.client, this.table, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': fanSyncKeys.pk(appid), ':prefix': fanSyncKeys.pagePrefix(jobId) },
      ConsistentRead: true,
    });
    for (const ledger of ledgers) {
      totals.listed += Number(ledger.listed ?? 0);
      totals.synced += Number(ledger.synced ?? 0);
      totals.failed += Number(ledger.failed ?? 0);
      for (const openid of (ledger.failedOpenids as Set<string> | undefined) ?? []) totals.failedOpenids.add(openid);
    }
    return totals;
  }
}

function isComplete(ledger: Item | undefined): boolean {
  return ledger !== undefined && Number(ledger.chunksDone ?? 0) >= Number(ledger.chunksTotal ?? Infinity);
}
