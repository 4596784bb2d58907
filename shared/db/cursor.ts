/**
 * Opaque pagination cursors: DynamoDB's `LastEvaluatedKey`, base64url-encoded JSON. A cursor comes
 * back from the client, so it is checked against what the query that reads it can itself return —
 * its `CursorShape` — before it becomes an `ExclusiveStartKey`: exactly the key attributes of that
 * query (the table's `pk`/`sk`, plus the index's keys when it reads an index), each a non-empty
 * string within DynamoDB's key size, the partition key the query's own, the sort key of the item
 * family it reads. Anything else is `400 validation_failed` naming `query.cursor`: DynamoDB refuses
 * an empty key attribute or a start key outside the query, and a cursor of another tenant or account
 * must read nothing of it.
 */
import { ValidationFailed } from '#shared/errors/domain-errors.ts';

export type Key = Record<string, string>;

/** What one key attribute of a cursor may be: exactly this value, this prefix and more, or a match. */
export type KeyRule = { equals: string } | { startsWith: string } | { matches: RegExp };

/** Every key attribute the query's `LastEvaluatedKey` holds, with its rule. */
export type CursorShape = Readonly<Record<string, KeyRule>>;

/** DynamoDB's limit for a sort key (a partition key may have 2 048): no cursor of ours is longer. */
const MAX_KEY_BYTES = 1024;

export function encodeCursor(key: Record<string, unknown> | undefined): string | null {
  if (!key) return null;
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

function follows(rule: KeyRule, value: string): boolean {
  if ('equals' in rule) return value === rule.equals;
  if ('startsWith' in rule) return value.length > rule.startsWith.length && value.startsWith(rule.startsWith);
  return rule.matches.test(value);
}

export function decodeCursor(cursor: string | undefined, shape: CursorShape): Key | undefined {
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
  const rules = Object.entries(shape);
  const valid =
    entries.length === rules.length &&
    rules.every(([name, rule]) => {
      const value = (parsed as Record<string, unknown>)[name];
      return typeof value === 'string' && value !== '' && Buffer.byteLength(value, 'utf8') <= MAX_KEY_BYTES && follows(rule, value);
    });
  if (!valid) throw invalid();
  return parsed as Key;
}
