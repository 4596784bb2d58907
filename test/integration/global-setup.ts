/**
 * Starts the embedded DynamoDB once for the whole integration run and publishes its endpoint to the
 * test workers through `inject('dynamoDbEndpoint')`. Each test file makes its own table
 * (`test/integration/support/table.ts`) so files never see each other's items.
 */
import type { TestProject } from 'vitest/node';
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '#infra/local/dynamodb.ts';

let engine: EmbeddedDynamoDb | undefined;

export default async function setup(project: TestProject) {
  engine = await startEmbeddedDynamoDb();
  project.provide('dynamoDbEndpoint', engine.endpoint);
  return async () => {
    await engine?.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoDbEndpoint: string;
  }
}
