/**
 * Every item of the local stack's table, in a stable order: what "changes nothing" is checked
 * against. A full Scan is fine here: e2e tables are small and a Scan is never on a request path.
 *
 * The replay cache of WeChat push signatures (`PUSHSIG#…`, one item per push the hub accepted, kept
 * for the clock-skew window: `shared/adapters/dynamodb/push-deliveries.ts`) is delivery bookkeeping
 * that every accepted push adds, whatever it did; it is left out unless `includePushSignatures`.
 * The event outbox (`OUTBOX#…`: `shared/adapters/dynamodb/event-outbox.ts`) is left out always: the
 * local bus empties it in the background, so what it holds at a given moment says nothing about what
 * a request changed (what was published is checked on the bus itself).
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '#shared/db/client.ts';

/** The engine returns map attributes with their keys in any order: sort them at every depth. */
function sortedDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedDeep);
  if (value instanceof Set) return [...value].map(sortedDeep).sort();
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, sortedDeep(v)]),
    );
  }
  return value;
}

export async function tableSnapshot(endpoint: string, table: string, options: { includePushSignatures?: boolean } = {}): Promise<string[]> {
  const client = createDocumentClient(endpoint);
  const items: string[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: startKey, ConsistentRead: true }));
    for (const item of page.Items ?? []) {
      if (!options.includePushSignatures && String(item.pk).startsWith('PUSHSIG#')) continue;
      if (String(item.pk).startsWith('OUTBOX#')) continue;
      items.push(JSON.stringify(sortedDeep(item)));
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  client.destroy();
  return items.sort();
}
