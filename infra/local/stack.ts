/**
 * The whole hub on this machine (`npm start`, the e2e tests, the benchmarks): the embedded DynamoDB
 * (unless `DYNAMODB_ENDPOINT`), the environment the handlers read at cold start, the local gateway
 * serving every catalogue route, the in-process queues and schedules, and — unless
 * `WECHAT_API_BASE` points at another WeChat — the WeChat simulator, and — unless `WECOM_API_BASE`
 * points at another WeCom — the WeCom simulator (`wecom-simulator/`), on a port of its own.
 *
 * The handlers run in this process and read `process.env` once, when first imported; so the
 * environment is complete before the gateway lets the first request through, and a process holds
 * one local stack at a time (a second one would meet handlers already bound to the first).
 *
 * With a data directory everything the hub's data relies on survives a restart: the table
 * (`dynamodb.sqlite`, which also holds the event outbox), the simulators' worlds (`wechat-simulator.json`,
 * `wecom-simulator.json`), the queues' messages
 * (`queues/*.jsonl`) and the token key (`jwt-secret`); `stack.lock` keeps a second stack off the
 * directory. `stop()` drains in order: the gateway and the schedules stop taking work and their running
 * invocations settle, the queues let their workers finish (what is still in flight is delivered again at
 * the next start), then the simulators save and stop, then the engine, then the lock is released.
 */
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { activeQueues, allRoutes, consumerDeployed, hubFunctions } from '#infra/catalogue.ts';
import { TABLE_DEFAULT_NAME } from '#infra/table.ts';
import { ensureTable, startEmbeddedDynamoDb, type EmbeddedDynamoDb } from '#infra/local/dynamodb.ts';
import { startLocalEventBus, type LocalEventBus } from '#infra/local/event-bus.ts';
import { DynamoEventOutbox } from '#shared/adapters/dynamodb/event-outbox.ts';
import { createDocumentClient } from '#shared/db/client.ts';
import { freePort } from '#infra/local/free-port.ts';
import { localInvoker } from '#infra/local/functions.ts';
import { startGateway, type LocalGateway } from '#infra/local/gateway.ts';
import { createDemo } from '#infra/local/demo/h5-demo.ts';
import { createLocalQueues, type LocalQueues } from '#infra/local/queues.ts';
import { startLocalSchedules, type LocalSchedules } from '#infra/local/schedules.ts';
import { acquireStackLock, type StackLock } from '#infra/local/stack-lock.ts';
import {
  DEFAULT_DATA_DIR,
  loadJwtSecret,
  localDataDir,
  mintConsoleToken,
  mintOperatorToken,
  mintServiceToken,
  type ConsoleTokenRequest,
} from '#infra/local/tokens.ts';
import { config, resetConfigForTests } from '#shared/config/config.ts';
import { resetWeComConfigForTests } from '#shared/config/wecom.ts';
import type { SimulatorOptions, WeChatSimulator } from '#infra/local/wechat-simulator/simulator.ts';
import type { WeComSimulator, WeComSimulatorOptions } from '#infra/local/wecom-simulator/simulator.ts';

export type { SimulatorOptions, WeChatSimulator, WeComSimulator, WeComSimulatorOptions };

export interface LocalStackOptions {
  /** Gateway port; 0 = a free one. Default: `PORT` or 3000. */
  port?: number;
  /** Where the data lives (`dynamodb.sqlite`, `wechat-simulator.json`, `wecom-simulator.json`, `queues/`, `jwt-secret`). Default: `LOCAL_DATA_DIR` or `.local`. */
  dataDir?: string;
  /** Start with an empty database, simulator worlds and queues (the JWT key is kept, so minted tokens stay valid). */
  fresh?: boolean;
  /** Keep nothing on disk: the database in memory, the JWT key from `LOCAL_JWT_SECRET` or random. */
  inMemory?: boolean;
  /** Default: on, unless `WECHAT_API_BASE` is set. */
  withSimulator?: boolean;
  simulator?: SimulatorOptions;
  /** The WeCom simulator. Default: on, unless `WECOM_API_BASE` is set. */
  withWeComSimulator?: boolean;
  wecomSimulator?: WeComSimulatorOptions;
  /** The local event bus: how long a failing `EVENT_TARGET_URL` is retried before the event stays pending (default 60 s). */
  eventTargetRetryMs?: number;
  log?: (line: string) => void;
}

export interface LocalStack {
  readonly baseUrl: string;
  readonly dynamoDbEndpoint: string;
  readonly tableName: string;
  /** Absent with `inMemory`. */
  readonly dataDir?: string;
  readonly simulator?: WeChatSimulator;
  /** The simulated WeCom (absent when `WECOM_API_BASE` points elsewhere). */
  readonly wecomSimulator?: WeComSimulator;
  readonly queues: LocalQueues;
  /** The in-process event bus (subscribe, refuse, drain: `infra/local/event-bus.ts`). */
  readonly events: LocalEventBus;
  runSchedule(functionName: string): Promise<void>;
  /** A console token this stack accepts (what `npm run token` prints). */
  consoleToken(request: ConsoleTokenRequest): Promise<string>;
  /** An operator's token (`npm run token -- --operator`): role `operator`, no tenant. */
  operatorToken(request?: { sub?: string }): Promise<string>;
  /** A service token for the internal routes. */
  serviceToken(service: string): Promise<string>;
  /**
   * Stops the embedded engine and, after `downMs` (default 0), starts it again on the same port and
   * data file, as a database outage would (the fault suite). Requests meanwhile fail as they would
   * against an unreachable DynamoDB. Only for a stack with a data directory and the embedded engine.
   */
  restartEngine(options?: { downMs?: number }): Promise<void>;
  /** Drains and stops everything, in order (see the top of this file). */
  stop(): Promise<void>;
}

/** How long running invocations (requests, schedule runs, queue workers) get to finish when the stack stops. */
const STOP_GRACE_MS = 10_000;
export const SIMULATOR_STATE_FILE = 'wechat-simulator.json';
export const WECOM_SIMULATOR_STATE_FILE = 'wecom-simulator.json';
/** The suite's 指令回调URL: the WeCom simulator pushes there only once the hub serves it. */
const WECOM_SUITE_PATH = '/v1/wecom/suite';
export const QUEUES_DIR = 'queues';

/** What has been started so far, stopped in the order `stopParts` gives. */
interface StackParts {
  lock?: StackLock;
  engine?: EmbeddedDynamoDb;
  gateway?: LocalGateway;
  invocations?: InvocationTracker;
  schedules?: LocalSchedules;
  queues?: LocalQueues;
  events?: LocalEventBus;
  simulator?: WeChatSimulator;
  wecomSimulator?: WeComSimulator;
}

const unset = (value: string | undefined): boolean => value === undefined || value === '';

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.log ?? ((line: string) => process.stderr.write(`[local] ${line}\n`));
  const dataDir = options.inMemory ? undefined : resolve(options.dataDir ?? localDataDir() ?? DEFAULT_DATA_DIR);
  const withSimulator = options.withSimulator ?? unset(process.env.WECHAT_API_BASE);
  const withWeComSimulator = options.withWeComSimulator ?? unset(process.env.WECOM_API_BASE);
  const parts: StackParts = {};
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
    // 0. The data directory is ours alone (a second stack refuses here, before touching anything).
    if (dataDir) {
      parts.lock = await acquireStackLock(dataDir, log);
      if (options.fresh) {
        for (const path of [join(dataDir, SIMULATOR_STATE_FILE), join(dataDir, WECOM_SIMULATOR_STATE_FILE), join(dataDir, QUEUES_DIR)]) {
          rmSync(path, { recursive: true, force: true });
        }
      }
    }

    // A table kept from a run that did not save the simulator's world yet: its accounts are unknown to the new world.
    const worldMissing =
      dataDir !== undefined &&
      !options.fresh &&
      withSimulator &&
      existsSync(join(dataDir, 'dynamodb.sqlite')) &&
      !existsSync(join(dataDir, SIMULATOR_STATE_FILE));

    // 1. DynamoDB and the table.
    let dynamoDbEndpoint = process.env.DYNAMODB_ENDPOINT ?? '';
    const dataFile = dataDir ? join(dataDir, 'dynamodb.sqlite') : undefined;
    if (unset(dynamoDbEndpoint)) {
      if (options.fresh && dataFile) {
        for (const file of [dataFile, `${dataFile}-wal`, `${dataFile}-shm`]) if (existsSync(file)) rmSync(file);
      }
      const engine: EmbeddedDynamoDb = await startEmbeddedDynamoDb(dataFile ? { dataFile } : {});
      parts.engine = engine;
      if (engine.pid !== undefined) parts.lock?.update({ enginePid: engine.pid });
      dynamoDbEndpoint = engine.endpoint;
    } else if (options.fresh) {
      log('--fresh has no effect on an external DYNAMODB_ENDPOINT; its data is left alone');
    }
    const tableName = unset(process.env.TABLE_NAME) ? TABLE_DEFAULT_NAME : process.env.TABLE_NAME!;
    await ensureTable(dynamoDbEndpoint, tableName);

    // 2. The gateway, listening but holding requests until the environment is complete.
    const jwtSecret = loadJwtSecret({ ...(dataDir ? { dataDir } : {}), persist: !options.inMemory });
    const invoke = localInvoker();
    // Requests and schedule runs are tracked so that a stop can wait for them; queue workers are tracked by the queues.
    const invocations = trackInvocations(invoke);
    parts.invocations = invocations;
    let simulator: WeChatSimulator | undefined;
    let wecomSimulator: WeComSimulator | undefined;
    // The SAMPLE product page (infra/local/demo/): its back end calls the hub through this gateway.
    const demo = createDemo({
      hubBaseUrl: () => gateway.baseUrl,
      serviceToken: () => mintServiceToken(jwtSecret, { service: 'demo-h5' }),
      adminToken: (tenant) => mintConsoleToken(jwtSecret, { tenant, admin: true }),
    });
    const gateway: LocalGateway = await startGateway({
      port: options.port ?? (unset(process.env.PORT) ? 3000 : Number(process.env.PORT)),
      routes: allRoutes(),
      invoke: invocations.invoke,
      jwtSecret,
      log,
      startClosed: true,
      consoleInfo: () => (simulator ? { simulatorUrl: simulator.baseUrl } : {}),
      pages: (request) => demo.answer(request),
    });
    parts.gateway = gateway;
    parts.lock?.update({ gatewayUrl: gateway.baseUrl });

    // 3. The environment the handlers read at cold start.
    const simulatorPort = withSimulator ? options.simulator?.port || (await freePort()) : undefined;
    const simulatorUrl = simulatorPort ? `http://127.0.0.1:${simulatorPort}` : undefined;
    const wecomSimulatorPort = withWeComSimulator ? options.wecomSimulator?.port || (await freePort()) : undefined;
    const wecomSimulatorUrl = wecomSimulatorPort ? `http://127.0.0.1:${wecomSimulatorPort}` : undefined;
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
    // Product pages in development live on loopback: web authorization may return to them here only.
    setEnv('OAUTH_LOOPBACK_ORIGINS', 'true', true);
    // WeCom secrets at rest (shared/config/wecom.ts): the local key next to the table, created on first use.
    setEnv('WECOM_LOCAL_KEY_FILE', join(dataDir ?? join(tmpdir(), `oa-hub-wecom-${process.pid}`), 'wecom-secret-key'), true);
    resetWeComConfigForTests();
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
      setEnv('WECHAT_OPEN_BASE', simulatorUrl, true);
    }
    // The same for WeCom (API.md §4): the suite's credentials, its API and install-page origins, test installs.
    let wecomSimulatorModule: typeof import('#infra/local/wecom-simulator/simulator.ts') | undefined;
    if (wecomSimulatorUrl) {
      wecomSimulatorModule = await import('#infra/local/wecom-simulator/simulator.ts');
      const credentials = options.wecomSimulator?.credentials ?? wecomSimulatorModule.wecomSimulatorCredentials;
      setEnv('WECOM_SUITE_ID', credentials.suiteId, true);
      setEnv('WECOM_SUITE_SECRET', credentials.suiteSecret, true);
      setEnv('WECOM_SUITE_TOKEN', credentials.token, true);
      setEnv('WECOM_SUITE_AES_KEY', credentials.aesKey, true);
      setEnv('WECOM_PROVIDER_CORPID', credentials.providerCorpId, true);
      setEnv('WECOM_PROVIDER_SECRET', credentials.providerSecret, true);
      setEnv('WECOM_API_BASE', wecomSimulatorUrl, true);
      setEnv('WECOM_OPEN_BASE', wecomSimulatorUrl, true);
      setEnv('WECOM_AUTH_TYPE', 'test', true);
      // The simulated provider takes any 推广包 template id (get_register_code): a fixed local one.
      setEnv('WECOM_REGISTER_TEMPLATE_ID', 'tplLocalRegister01', true);
    }
    resetWeComConfigForTests();
    resetConfigForTests();

    // 4. Queues and schedules, before the first request can send to a queue. The queues hold back
    //    delivery (of messages kept from the previous run, too) until the simulator answers.
    const queues = createLocalQueues({
      queues: activeQueues().map((queue) => ({ ...queue, consumerDeployed: consumerDeployed(queue) })),
      invoke,
      log,
      paused: true,
      ...(dataDir ? { dataDir: join(dataDir, QUEUES_DIR) } : {}),
    });
    parts.queues = queues;
    // The event bus and its relay from the outbox, before the first request can store an event.
    const eventTargetUrl = config().eventTargetUrl;
    const events = startLocalEventBus({
      outbox: new DynamoEventOutbox(createDocumentClient(dynamoDbEndpoint), tableName),
      ...(eventTargetUrl ? { targetUrl: eventTargetUrl } : {}),
      ...(options.eventTargetRetryMs !== undefined ? { targetRetryMs: options.eventTargetRetryMs } : {}),
      log,
    });
    parts.events = events;
    const schedules: LocalSchedules = startLocalSchedules({ functions: hubFunctions, invoke: invocations.invoke, log });
    parts.schedules = schedules;
    gateway.open();

    // 5. The simulator, which starts pushing tickets to the hub shortly after it starts.
    if (simulatorModule && simulatorPort) {
      // The consent page wants the Referer of the hub's authorization page (GET /v1/wechat/authorize), as WeChat does.
      const authorizationPageOrigin = new URL(process.env.PUBLIC_BASE_URL ?? gateway.baseUrl).origin;
      simulator = await simulatorModule.startWeChatSimulator({
        ...(dataDir ? { stateFile: join(dataDir, SIMULATOR_STATE_FILE) } : {}),
        authorizationPageOrigin,
        ...options.simulator,
        port: simulatorPort,
        hubBaseUrl: gateway.baseUrl,
      });
      parts.simulator = simulator;
      if (worldMissing) {
        log(
          `the table in ${dataDir} was kept, but no simulated WeChat was saved beside it (a data directory from an older version): accounts bound before are unknown to the simulator; npm start -- --fresh starts both empty`,
        );
      }
    }
    // 6. The WeCom simulator: suite tickets to the hub's 指令回调URL, once the hub serves it.
    if (wecomSimulatorModule && wecomSimulatorPort) {
      const hubServesSuite = allRoutes().some(({ route }) => route.path === WECOM_SUITE_PATH && route.method === 'POST');
      wecomSimulator = await wecomSimulatorModule.startWeComSimulator({
        ...(dataDir ? { stateFile: join(dataDir, WECOM_SIMULATOR_STATE_FILE) } : {}),
        // 安装完成回调域名: the install page redirects only to the hub's public origin.
        installCallbackOrigin: new URL(process.env.PUBLIC_BASE_URL ?? gateway.baseUrl).origin,
        ...options.wecomSimulator,
        port: wecomSimulatorPort,
        ...(hubServesSuite ? { hubBaseUrl: gateway.baseUrl } : {}),
      });
      parts.wecomSimulator = wecomSimulator;
    }
    queues.resume();

    let stopping: Promise<void> | undefined;
    return {
      baseUrl: gateway.baseUrl,
      dynamoDbEndpoint,
      tableName,
      ...(dataDir ? { dataDir } : {}),
      ...(simulator ? { simulator } : {}),
      ...(wecomSimulator ? { wecomSimulator } : {}),
      queues,
      events,
      runSchedule: (name) => schedules.run(name),
      restartEngine: async ({ downMs = 0 } = {}) => {
        if (!parts.engine || !dataFile) throw new Error('restartEngine needs the embedded engine and a data directory (its data would not survive)');
        const port = Number(new URL(dynamoDbEndpoint).port);
        await parts.engine.stop();
        parts.engine = undefined;
        if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
        parts.engine = await startEmbeddedDynamoDb({ dataFile, port });
        if (parts.engine.pid !== undefined) parts.lock?.update({ enginePid: parts.engine.pid });
      },
      consoleToken: (request) => mintConsoleToken(jwtSecret, request),
      operatorToken: (request) => mintOperatorToken(jwtSecret, request),
      serviceToken: (service) => mintServiceToken(jwtSecret, { service }),
      stop: () => (stopping ??= stopParts(parts, log).finally(restoreEnv)),
    };
  } catch (error) {
    await stopParts(parts, log);
    restoreEnv();
    throw error;
  }
}

/**
 * Stops what was started, in the order that loses nothing: no new requests or schedule runs (and
 * the running ones settle), then the queue workers, then the simulators they call, then the engine
 * everything writes to, then the lock. One failing part does not keep the others running.
 */
async function stopParts(parts: StackParts, log: (line: string) => void): Promise<void> {
  const steps: [string, (() => Promise<void> | void) | undefined][] = [
    ['the gateway', parts.gateway && (() => parts.gateway!.stop())],
    ['the schedules', parts.schedules && (() => parts.schedules!.stop())],
    ['running requests', parts.invocations && (() => parts.invocations!.settle(STOP_GRACE_MS))],
    ['the queues', parts.queues && (() => parts.queues!.stop(STOP_GRACE_MS))],
    ['the event bus', parts.events && (() => parts.events!.stop())],
    ['the simulator', parts.simulator && (() => parts.simulator!.stop())],
    ['the WeCom simulator', parts.wecomSimulator && (() => parts.wecomSimulator!.stop())],
    ['the embedded DynamoDB', parts.engine && (() => parts.engine!.stop())],
    ['the lock', parts.lock && (() => parts.lock!.release())],
  ];
  for (const [what, stop] of steps) {
    if (!stop) continue;
    try {
      await stop();
    } catch (error) {
      log(`while stopping ${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

interface InvocationTracker {
  invoke: <E>(functionName: string, event: E) => Promise<unknown>;
  /** Waits (up to `graceMs`) for the invocations running now. */
  settle(graceMs: number): Promise<void>;
}

function trackInvocations(invoke: (functionName: string, event: unknown) => Promise<unknown>): InvocationTracker {
  const running = new Set<Promise<unknown>>();
  return {
    invoke: (functionName, event) => {
      const run = invoke(functionName, event);
      running.add(run);
      void run.then(
        () => running.delete(run),
        () => running.delete(run),
      );
      return run;
    },
    settle: async (graceMs) => {
      if (running.size === 0) return;
      await Promise.race([Promise.allSettled([...running]), new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
    },
  };
}
