/**
 * One type for an item of TransactWriteItems and its limit, for every adapter that builds
 * transactions (and for the domain's cascades, which hand adapters items to delete).
 */
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** TransactWriteItems' limit of items per transaction. */
export const TRANSACTION_LIMIT = 100;
