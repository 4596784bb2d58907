/**
 * The embedded DynamoDB for `npm start` and the integration tests: the dynoxide engine (a native
 * DynamoDB-protocol server shipped on npm as `@dynoxide/<platform>`), and the hub's table created
 * from the same description the CDK stack uses (`infra/table.ts`). A table kept from an older
 * version gets the indexes added since (UpdateTable) on the next start, and its followers the feed
 * index's keys (`addMissingFeedKeys`), so `npm start` after an upgrade keeps working without `--fresh`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { FEED_INDEX } from '#shared/adapters/dynamodb/follower-feed.ts';
import { addMissingFeedKeys } from '#shared/adapters/dynamodb/followers.ts';
import { createDocumentClient } from '#shared/db/client.ts';
import { globalIndexes, keyAttributes, tableKeys } from '#infra/table.ts';
import { freePort } from '#infra/local/free-port.ts';

export interface EmbeddedDynamoDb {
  readonly endpoint: string;
  /** The engine's process (the local stack's lock names it, so a stack that crashed does not leave it on the database). */
  readonly pid: number | undefined;
  /** SIGTERM, and SIGKILL if it has not exited within 5 s. */
  stop(): Promise<void>;
}

const STOP_GRACE_MS = 5_000;

/** Local clients need some credentials; the engine ignores them. */
export const localAwsCredentials = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

function dynoxideBinary(): string {
  const platformPackage = `@dynoxide/${process.platform}-${process.arch}`;
  const require = createRequire(import.meta.url);
  try {
    const manifest = require.resolve(`${platformPackage}/package.json`);
    const binary = join(dirname(manifest), process.platform === 'win32' ? 'dynoxide.exe' : 'dynoxide');
    if (existsSync(binary)) return binary;
  } catch {
    // fall through to the explanation below
  }
  throw new Error(
    `The embedded DynamoDB engine (${platformPackage}) is not installed for this platform. ` +
      'Set DYNAMODB_ENDPOINT to an existing DynamoDB-compatible endpoint (for example DynamoDB Local) instead.',
  );
}

/**
 * Starts the engine on a free loopback port. With `dataFile` the data survives restarts (a SQLite
 * file); without it the engine keeps everything in memory.
 *
 * The engine runs in its own process group (`detached`): a Ctrl-C in the terminal signals the
 * terminal's foreground group, and the engine must keep serving while the stack drains its workers;
 * the caller stops it, last. It is still killed when this process exits without stopping it.
 */
export async function startEmbeddedDynamoDb(options: { dataFile?: string; port?: number } = {}): Promise<EmbeddedDynamoDb> {
  const port = options.port ?? (await freePort());
  const args = ['serve', '--host', '127.0.0.1', '--port', String(port)];
  if (options.dataFile) {
    mkdirSync(dirname(options.dataFile), { recursive: true });
    args.push('--db-path', options.dataFile);
  }
  const child: ChildProcess = spawn(dynoxideBinary(), args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  // An engine must not outlive the process that started it, even when that process dies without stop().
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  const endpoint = `http://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`The embedded DynamoDB exited early (code ${code}). ${stderr}`))),
  );
  await Promise.race([waitUntilAnswering(endpoint), exited]);
  return {
    endpoint,
    pid: child.pid,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const force = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        child.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

async function waitUntilAnswering(endpoint: string, timeoutMs = 15_000): Promise<void> {
  const client = localClient(endpoint);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await client.send(new ListTablesCommand({}));
      client.destroy();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`The embedded DynamoDB did not answer within ${timeoutMs} ms: ${String(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

export function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: 'local', credentials: localAwsCredentials });
}

/** The CreateTable input for the hub's table, from `infra/table.ts`. */
export function createTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: keyAttributes.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: tableKeys.partitionKey, KeyType: 'HASH' },
      { AttributeName: tableKeys.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: globalIndexes.map((index) => ({
      IndexName: index.indexName,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' },
        { AttributeName: index.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    })),
  };
}

/**
 * Creates the table (and turns TTL on) unless it exists; an existing table gets the indexes of the
 * description it lacks. Safe to call on every start.
 */
export async function ensureTable(endpoint: string, tableName: string): Promise<void> {
  const client = localClient(endpoint);
  try {
    try {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
      await addMissingIndexes(endpoint, client, tableName, new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName)));
      return;
    } catch (error) {
      if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
    }
    try {
      await client.send(new CreateTableCommand(createTableInput(tableName)));
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: tableKeys.ttlAttribute, Enabled: true },
      }),
    );
  } finally {
    client.destroy();
  }
}

/** UpdateTable for each index of the description the table lacks (one at a time, as DynamoDB asks). */
async function addMissingIndexes(endpoint: string, client: DynamoDBClient, tableName: string, present: ReadonlySet<string | undefined>): Promise<void> {
  const input = createTableInput(tableName);
  for (const index of input.GlobalSecondaryIndexes ?? []) {
    if (present.has(index.IndexName)) continue;
    const keys = new Set(index.KeySchema?.map((key) => key.AttributeName));
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: input.AttributeDefinitions?.filter((definition) => keys.has(definition.AttributeName)),
        GlobalSecondaryIndexUpdates: [{ Create: index }],
      }),
    );
    if (index.IndexName === FEED_INDEX) {
      const documents = createDocumentClient(endpoint);
      try {
        await addMissingFeedKeys(documents, tableName);
      } finally {
        documents.destroy();
      }
    }
  }
}

export function ensureDir(path: string): void {
  mkdirSync(path, { recursive: true });
}
