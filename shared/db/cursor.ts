/**
 * Opaque pagination cursors: DynamoDB's `LastEvaluatedKey`, base64url-encoded JSON. A cursor that
 * does not decode to a key of the expected shape is a `validation_failed`, never a 500.
 */
import { ValidationFailed } from '#shared/errors/domain-errors.ts';

export type Key = Record<string, string>;

export function encodeCursor(key: Record<string, unknown> | undefined): string | null {
  if (!key) return null;
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined, expectedAttributes: readonly string[]): Key | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  const invalid = () => new ValidationFailed([{ field: 'query.cursor', message: 'is not a cursor this API returned' }]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid();
  const entries = Object.entries(parsed);
  const valid =
    entries.length === expectedAttributes.length &&
    entries.every(([name, value]) => expectedAttributes.includes(name) && typeof value === 'string' && value.length <= 512);
  if (!valid) throw invalid();
  return parsed as Key;
}
