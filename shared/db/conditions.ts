/**
 * Telling a refusal by a condition from a failure. DynamoDB refuses a conditional write with
 * `ConditionalCheckFailedException`, and a transaction with `TransactionCanceledException` whose
 * `CancellationReasons` hold one code per item (`ConditionalCheckFailed`, `TransactionConflict`,
 * `None`, …); a transaction racing another can also fail whole with `TransactionConflictException`.
 * Nothing was written in any of these cases. Checked by name, so errors from any SDK copy (and the
 * local engine's) are recognized alike.
 */

const nameOf = (error: unknown): string | undefined => (error instanceof Error ? error.name : undefined);

/** A single conditional write (Put, Update, Delete) was refused by its condition. */
export function isConditionFailure(error: unknown): boolean {
  return nameOf(error) === 'ConditionalCheckFailedException';
}

/** A transaction was cancelled; see `cancellationCodes` for which item refused. */
export function isTransactionCancelled(error: unknown): boolean {
  return nameOf(error) === 'TransactionCanceledException';
}

/** The per-item cancellation codes of a cancelled transaction, in the order of its items ('None' where an item had no objection). */
export function cancellationCodes(error: unknown): string[] {
  if (!isTransactionCancelled(error)) return [];
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.map((reason) => reason.Code ?? 'None');
}

/** The transaction's item at `index` was refused by its condition. */
export function refusedAt(error: unknown, index: number): boolean {
  return cancellationCodes(error)[index] === 'ConditionalCheckFailed';
}

/**
 * Nothing was written because a condition did not hold or another transaction touched the same items:
 * a single write refused, a transaction cancelled by a condition or a conflict, or a whole-transaction
 * conflict. Throttling and validation errors are not refusals.
 */
export function refusedByCondition(error: unknown): boolean {
  if (isConditionFailure(error)) return true;
  if (nameOf(error) === 'TransactionConflictException') return true;
  return cancellationCodes(error).some((code) => code === 'ConditionalCheckFailed' || code === 'TransactionConflict');
}
