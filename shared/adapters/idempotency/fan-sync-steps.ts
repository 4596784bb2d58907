/**
 * Powertools idempotency for the follower sync's page and finish steps, on the one table.
 *
 * | item | pk | sk | attributes |
 * |---|---|---|---|
 * | idempotency record of a sync step | `IDEMPOTENCY#fan-sync` | `fan-sync#<md5 of the step key>` | Powertools' `status`, `data`, `in_progress_expiration`; `ttl` |
 *
 * A page step (`user/get`, quota 500 a day, then its chunk messages) runs once per page even when
 * its message is delivered twice; a step that threw leaves no record, so its redelivery runs again;
 * one whose worker died is run again once its invocation's time is up (`registerContext`). The few
 * steps of a sync (pages and the finish) write to one partition; chunks are not wrapped: their
 * counting is exact by its own markers, and two more writes per chunk would double their cost.
 */
import type { Context } from 'aws-lambda';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Once } from '#shared/domain/fans/ports.ts';

export const IDEMPOTENCY_PK = 'IDEMPOTENCY#fan-sync';

export interface IdempotentSteps {
  once: Once;
  /** Bounds a step's "in progress" to the current invocation (Lambda's remaining time). */
  registerContext(context: Pick<Context, 'getRemainingTimeInMillis'>): void;
}

export function idempotentSteps(options: { client: DynamoDBClient; table: string; expiresAfterSeconds?: number }): IdempotentSteps {
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: options.table,
    keyAttr: 'pk',
    sortKeyAttr: 'sk',
    staticPkValue: IDEMPOTENCY_PK,
    expiryAttr: 'ttl',
    awsSdkV3Client: options.client,
  });
  const config = new IdempotencyConfig({ eventKeyJmesPath: 'key', expiresAfterSeconds: options.expiresAfterSeconds ?? 3 * 86_400 });
  const run = makeIdempotent(async (input: { key: string; step: () => Promise<unknown> }) => (await input.step()) ?? null, {
    persistenceStore,
    config,
    keyPrefix: 'fan-sync',
  });
  return {
    once: async <T>(key: string, step: () => Promise<T>) => (await run({ key, step })) as T,
    registerContext: (context) => config.registerLambdaContext(context as Context),
  };
}
