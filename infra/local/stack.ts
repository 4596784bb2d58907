/**
 * The whole hub on this machine (`npm start`, the e2e tests, the benchmarks): the embedded DynamoDB
 * (unless `DYNAMODB_ENDPOINT`), the environment the handlers read at cold start, the local gateway
 * serving every catalogue route, the in-process queues and schedules, and — unless
 * `WECHAT_API_BASE` points at another WeChat — the WeChat simulator.
 *
 * The handlers run in this process and read `process.env` once, when first imported; so the
 * environment is complete before the gateway lets the first request through, and a process holds
 * one local stack at a time (a second one would meet handlers already bound to the first).
 */
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { activeQueues, allRoutes, consumerDeployed, hubFunctions } from '#infra/catalogue.ts';
import { TABLE_DEFAULT_NAME } from '#infra/table.ts';
import { ensureTable, startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '#infra/local/dynamodb.ts';
import { freePort } from '#infra/local/free-port.ts';
import { localInvoker } from '#infra/local/functions.ts';
import { startGateway, type LocalGateway } from '#infra/local/gateway.ts';
import { createLocalQueues, type LocalQueues } from '#infra/local/queues.ts';
import { startLocalSchedules, type LocalSchedules } from '#infra/local/schedules.ts';
import {
  DEFAULT_DATA_DIR,
  loadJwtSecret,
  localDataDir,
  mintConsoleToken,
  mintServiceToken,
  type ConsoleTokenRequest,
} from '#infra/local/tokens.ts';
import { resetConfigForTests } from '#shared/config/config.ts';
import type { SimulatorOptions, WeChatSimulator } from '#infra/local/wechat-simulator/simulator.ts';

export type { SimulatorOptions, WeChatSimulator };

export interface LocalStackOptions {
  /** Gateway port; 0 = a free one. Default: `PORT` or 3000. */
  port?: number;
  /** Where the data lives (`dynamodb.sqlite`, `jwt-secret`). Default: `LOCAL_DATA_DIR` or `.local`. */
  dataDir?: string;
  /** Start with an empty database (the JWT key is kept, so minted tokens stay valid). */
  fresh?: boolean;
  /** Keep nothing on disk: the database in memory, the JWT key from `LOCAL_JWT_SECRET` or random. */
  inMemory?: boolean;
  /** Default: on, unless `WECHAT_API_BASE` is set. */
  withSimulator?: boolean;
  simulator?: SimulatorOptions;
  log?: (line: string) => void;
}

export interface LocalStack {
  readonly baseUrl: string;
  readonly dynamoDbEndpoint: string;
  readonly tableName: string;
  /** Absent with `inMemory`. */
  readonly dataDir?: string;
  readonly simulator?: WeChatSimulator;
  readonly queues: LocalQueues;
  runSchedule(functionName: string): Promise<void>;
  /** A console token this stack accepts (what `npm run token` prints). */
  consoleToken(request: ConsoleTokenRequest): Promise<string>;
  /** A service token for the internal routes. */
  serviceToken(service: string): Promise<string>;
  stop(): Promise<void>;
}

const unset = (value: string | undefined): boolean => value === undefined || value === '';

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.log ?? ((line: string) => process.stderr.write(`[local] ${line}\n`));
  const dataDir = options.inMemory ? undefined : resolve(options.dataDir ?? localDataDir() ?? DEFAULT_DATA_DIR);
  const withSimulator = options.withSimulator ?? unset(process.env.WECHAT_API_BASE);
  const cleanups: (() => Promise<void> | void)[] = [];
  const previousEnv = new Map<string, string | undefined>();
  const setEnv = (name: string, value: string, onlyIfUnset = false) => {
    if (onlyIfUnset && !unset(process.env[name])) return;
    if (!previousEnv.has(name)) previousEnv.set(name, process.env[name]);
    process.env[name] = value;
  };
  const restoreEnv = () => {
    for (const [name, value] of previousEnv) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    previousEnv.clear();
    resetConfigForTests();
  };

  try {
    // 1. DynamoDB and the table.
    let dynamoDbEndpoint = process.env.DYNAMODB_ENDPOINT ?? '';
    if (unset(dynamoDbEndpoint)) {
      const dataFile = dataDir ? join(dataDir, 'dynamodb.sqlite') : undefined;
      if (options.fresh && dataFile) {
        for (const file of [dataFile, `${dataFile}-wal`, `${dataFile}-shm`]) if (existsSync(file)) rmSync(file);
      }
      const engine: EmbeddedDynamoDb = await startEmbeddedDynamoDb(dataFile ? { dataFile } : {});
      cleanups.push(() => engine.stop());
      dynamoDbEndpoint = engine.endpoint;
    } else if (options.fresh) {
      log('--fresh has no effect on an external DYNAMODB_ENDPOINT; its data is left alone');
    }
    const tableName = unset(process.env.TABLE_NAME) ? TABLE_DEFAULT_NAME : process.env.TABLE_NAME!;
    await ensureTable(dynamoDbEndpoint, tableName);

    // 2. The gateway, listening but holding requests until the environment is complete.
    const jwtSecret = loadJwtSecret({ ...(dataDir ? { dataDir } : {}), persist: !options.inMemory });
    const invoke = localInvoker();
    let simulator: WeChatSimulator | undefined;
    const gateway: LocalGateway = await startGateway({
      port: options.port ?? (unset(process.env.PORT) ? 3000 : Number(process.env.PORT)),
      routes: allRoutes(),
      invoke,
      jwtSecret,
      log,
      startClosed: true,
      consoleInfo: () => (simulator ? { simulatorUrl: simulator.baseUrl } : {}),
    });
    cleanups.push(() => gateway.stop());

    // 3. The environment the handlers read at cold start.
    const simulatorPort = withSimulator ? (options.simulator?.port || (await freePort())) : undefined;
    const simulatorUrl = simulatorPort ? `http://127.0.0.1:${simulatorPort}` : undefined;
    setEnv('TABLE_NAME', tableName);
    setEnv('DYNAMODB_ENDPOINT', dynamoDbEndpoint);
    setEnv('AWS_REGION', 'local', true);
    setEnv('AWS_ACCESS_KEY_ID', 'local', true);
    setEnv('AWS_SECRET_ACCESS_KEY', 'local', true);
    setEnv('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED', 'true');
    setEnv('POWERTOOLS_SERVICE_NAME', 'oa-hub', true);
    setEnv('POWERTOOLS_METRICS_NAMESPACE', 'oa-hub', true);
    setEnv('POWERTOOLS_METRICS_DISABLED', 'true', true);
    setEnv('POWERTOOLS_TRACE_ENABLED', 'false', true);
    setEnv('POWERTOOLS_LOG_LEVEL', 'WARN', true);
    setEnv('PORT', String(gateway.port));
    setEnv('PUBLIC_BASE_URL', gateway.baseUrl, true);
    setEnv('CONSOLE_URL', `${process.env.PUBLIC_BASE_URL}/console`, true);
    // Loaded only when it runs: a stack pointed at another WeChat never loads the simulator.
    let simulatorModule: typeof import('#infra/local/wechat-simulator/simulator.ts') | undefined;
    if (simulatorUrl) {
      simulatorModule = await import('#infra/local/wechat-simulator/simulator.ts');
      const credentials = options.simulator?.credentials ?? simulatorModule.simulatorCredentials;
      setEnv('WECHAT_COMPONENT_APPID', credentials.componentAppId, true);
      setEnv('WECHAT_COMPONENT_SECRET', credentials.componentSecret, true);
      setEnv('WECHAT_COMPONENT_TOKEN', credentials.token, true);
      setEnv('WECHAT_COMPONENT_AES_KEY', credentials.aesKey, true);
      setEnv('WECHAT_API_BASE', simulatorUrl, true);
      setEnv('WECHAT_MP_BASE', simulatorUrl, true);
    }
    resetConfigForTests();

    // 4. Queues and schedules, before the first request can send to a queue.
    const queues = createLocalQueues({ queues: activeQueues().map((queue) => ({ ...queue, consumerDeployed: consumerDeployed(queue) })), invoke, log });
    cleanups.push(() => queues.stop());
    const schedules: LocalSchedules = startLocalSchedules({ functions: hubFunctions, invoke, log });
    cleanups.push(() => schedules.stop());
    gateway.open();

    // 5. The simulator, which starts pushing tickets to the hub shortly after it starts.
    if (simulatorModule && simulatorPort) {
      // The consent page wants the Referer of the hub's authorization page (GET /v1/wechat/authorize), as WeChat does.
      const authorizationPageOrigin = new URL(process.env.PUBLIC_BASE_URL ?? gateway.baseUrl).origin;
      simulator = await simulatorModule.startWeChatSimulator({ authorizationPageOrigin, ...options.simulator, port: simulatorPort, hubBaseUrl: gateway.baseUrl });
      const started = simulator;
      cleanups.push(() => started.stop());
    }

    let stopping: Promise<void> | undefined;
    return {
      baseUrl: gateway.baseUrl,
      dynamoDbEndpoint,
      tableName,
      ...(dataDir ? { dataDir } : {}),
      ...(simulator ? { simulator } : {}),
      queues,
      runSchedule: (name) => schedules.run(name),
      consoleToken: (request) => mintConsoleToken(jwtSecret, request),
      serviceToken: (service) => mintServiceToken(jwtSecret, { service }),
      stop: () => (stopping ??= runCleanups(cleanups, log).finally(restoreEnv)),
    };
  } catch (error) {
    await runCleanups(cleanups, log);
    restoreEnv();
    throw error;
  }
}

/** Stops in reverse order of starting; one failing part does not keep the others running. */
async function runCleanups(cleanups: (() => Promise<void> | void)[], log: (line: string) => void): Promise<void> {
  for (const cleanup of [...cleanups].reverse()) {
    try {
      await cleanup();
    } catch (error) {
      log(`while stopping: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
