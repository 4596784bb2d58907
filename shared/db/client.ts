/**
 * The DynamoDB document client, created once per cold start. Locally (`DYNAMODB_ENDPOINT`) it talks
 * to the embedded engine with dummy credentials; in AWS it uses the function's role.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { config } from '#shared/config/config.ts';

let documentClient: DynamoDBDocumentClient | undefined;

export function createDocumentClient(endpoint?: string): DynamoDBDocumentClient {
  const client = endpoint
    ? new DynamoDBClient({ endpoint, region: process.env.AWS_REGION ?? 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } })
    : new DynamoDBClient({});
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

/** The process-wide document client. */
export function db(): DynamoDBDocumentClient {
  documentClient ??= createDocumentClient(config().dynamoDbEndpoint);
  return documentClient;
}

export function tableName(): string {
  return config().tableName;
}
