/**
 * A fresh table on the embedded engine for one test file, named after the file so that files
 * running in parallel never share items.
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ensureTable } from '#infra/local/dynamodb.ts';
import { createDocumentClient } from '#shared/db/client.ts';

export interface TestTable {
  endpoint: string;
  name: string;
  client: DynamoDBDocumentClient;
}

export async function freshTable(label: string): Promise<TestTable> {
  const endpoint = inject('dynamoDbEndpoint');
  const name = `test-${label.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 40)}-${randomBytes(4).toString('hex')}`;
  await ensureTable(endpoint, name);
  return { endpoint, name, client: createDocumentClient(endpoint) };
}
