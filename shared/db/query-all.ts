/**
 * Reading every page of a Query. DynamoDB answers at most 1 MB a page; callers that need all of a
 * partition (a tenant's links, an account's grants, the parked steps of a job) read on until
 * `LastEvaluatedKey` is gone.
 */
import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';

export type Item = Record<string, unknown>;
export type QueryInput = Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>;

/** The pages of a Query, one at a time, for callers that act on each page as it arrives. */
export async function* queryPages(client: DynamoDBDocumentClient, table: string, input: QueryInput): AsyncGenerator<Item[]> {
  let startKey: Item | undefined;
  do {
    const page = await client.send(new QueryCommand({ ...input, TableName: table, ExclusiveStartKey: startKey }));
    yield page.Items ?? [];
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}

/** Every item the Query matches; with `maxItems`, it stops reading once it has at least that many. */
export async function queryAll(client: DynamoDBDocumentClient, table: string, input: QueryInput, options: { maxItems?: number } = {}): Promise<Item[]> {
  const items: Item[] = [];
  for await (const page of queryPages(client, table, input)) {
    items.push(...page);
    if (options.maxItems !== undefined && items.length >= options.maxItems) break;
  }
  return items;
}
