/**
 * The redemption failure budget of a tenant in the one table:
 *
 * | item | pk | sk | attributes |
 * |---|---|---|---|
 * | redemption attempts of a tenant | `TENANT#<tenantId>` | `REDEEMATTEMPTS` | `attempts` (map `attemptId → epoch ms`), `version`, `ttl` = newest attempt + 1 h |
 *
 * What goes into the map is the domain's (`shared/domain/sharing/redemption-budget.ts`); here every
 * change is a put conditional on the version read, so concurrent attempts cannot together overrun
 * the budget.
 */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import { isConditionFailure } from '#shared/db/conditions.ts';
import type { RedemptionAttempts } from '#shared/domain/sharing/ports.ts';
import {
  forgiveAttempt,
  reserveAttempt,
  type Attempts,
  type AttemptsDecision,
  type RedemptionBudget,
  type Reservation,
} from '#shared/domain/sharing/redemption-budget.ts';

export const redemptionAttemptsSk = 'REDEEMATTEMPTS';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class DynamoRedemptionAttempts implements RedemptionAttempts {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  reserve(tenantId: string, attemptId: string, now: Date, budget: RedemptionBudget): Promise<Reservation> {
    return this.change(tenantId, (attempts) => reserveAttempt(attempts, attemptId, now.getTime(), budget));
  }

  async forgive(tenantId: string, attemptId: string): Promise<void> {
    await this.change(tenantId, (attempts) => forgiveAttempt(attempts, attemptId));
  }

  /** Read, decide, write back conditional on the version read; again when another attempt got in between. */
  private async change<R>(tenantId: string, decide: (attempts: Attempts) => AttemptsDecision<R>): Promise<R> {
    const key = { pk: accountKeys.tenantPk(tenantId), sk: redemptionAttemptsSk };
    for (let round = 1; ; round++) {
      const item = (await this.client.send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }))).Item;
      const attempts = (item?.attempts ?? {}) as Record<string, number>;
      const version = typeof item?.version === 'number' ? item.version : undefined;
      const decision = decide(Object.fromEntries(Object.entries(attempts).map(([id, at]) => [id, Number(at)])));
      if (!decision.next) return decision.result;
      const newest = Math.max(decision.keepUntilMs ?? 0, ...Object.values(decision.next));
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.table,
            Item: { ...key, type: 'RedemptionAttempts', tenantId, attempts: decision.next, version: (version ?? 0) + 1, ttl: Math.ceil(newest / 1000) + 3600 },
            ...(version === undefined
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : { ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':version': version } }),
          }),
        );
        return decision.result;
      } catch (error) {
        if (!isConditionFailure(error) || round >= 50) throw error;
        await pause(Math.random() * Math.min(200, 5 * round));
      }
    }
  }
}
