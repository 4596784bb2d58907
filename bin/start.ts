/**
 * `npm start`: the whole hub on this machine (see `infra/local/stack.ts`). Prints each URL, then a
 * line containing `ready`. Ctrl-C or SIGTERM drains and stops everything, prints `stopped` and exits 0
 * (a second Ctrl-C exits at once, with 1). A second `npm start` on the same data directory exits 1
 * with a message naming the running one.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

// Before any AWS SDK module loads (static imports would be evaluated first): Lambda runs Node 22,
// this machine may run Node 20, which the SDK supports but announces on every start.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const usage = `Usage: npm start [-- [--fresh] [--data-dir <path>] [--port <n>] [--gateway-style hub|aws]]

Runs the hub locally: the embedded DynamoDB (unless DYNAMODB_ENDPOINT is set), the gateway with
every route on PORT (default 3000), the queues and schedules in-process, the console page, a
SAMPLE product page using web authorization and the JS-SDK (/demo/h5), and —
unless WECHAT_API_BASE is set — a simulated WeChat that pushes tickets and plays the admin's consent,
and — unless WECOM_API_BASE is set — a simulated WeCom (suite tickets, the install page, a corp with
members and customers) on a port of its own.

The data directory keeps the table, the simulated WeChat's and WeCom's worlds, and the queued
messages across restarts: work interrupted by Ctrl-C carries on at the next start. One stack at a
time may use a data directory. Ctrl-C lets running work finish, then prints "stopped".

  --fresh             start empty: database, simulated WeChat and WeCom, queues (the token key is kept)
  --data-dir <path>   where data lives (default LOCAL_DATA_DIR or .local)
  --port <n>          gateway port (default PORT or 3000; 0 = any free port)
  --gateway-style <s> how the gateway words its own refusals (404, 401, 413, …): hub = the hub's
                      { error: { code, message } } (default), aws = API Gateway's {"message":"…"}
                      as in AWS (default LOCAL_GATEWAY_STYLE or hub)
  --help              this text`;

let flags;
try {
  flags = parseArgs({
    args: process.argv.slice(2),
    strict: true,
    allowPositionals: false,
    options: {
      fresh: { type: 'boolean' },
      'data-dir': { type: 'string' },
      port: { type: 'string' },
      'gateway-style': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values;
} catch (error) {
  process.stderr.write(`start: ${error instanceof Error ? error.message : String(error)}\n\n${usage}\n`);
  process.exit(2);
}
if (flags.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
if (flags.port !== undefined && !/^\d{1,5}$/.test(flags.port)) {
  process.stderr.write(`start: --port must be a port number.\n`);
  process.exit(2);
}
if (flags['gateway-style'] !== undefined && !['hub', 'aws'].includes(flags['gateway-style'])) {
  process.stderr.write(`start: --gateway-style must be hub or aws.\n`);
  process.exit(2);
}
if (flags['gateway-style'] !== undefined) process.env.LOCAL_GATEWAY_STYLE = flags['gateway-style'];

const { startLocalStack } = await import('#infra/local/stack.ts');
const { localDataDir } = await import('#infra/local/tokens.ts');

// A closed terminal or pipe must not turn the shutdown into a crash that leaves the database running.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});

const log = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
const dataDir = resolve(flags['data-dir'] ?? localDataDir());
const externalDynamoDb = (process.env.DYNAMODB_ENDPOINT ?? '') !== '';

let stack: Awaited<ReturnType<typeof startLocalStack>>;
try {
  stack = await startLocalStack({
    dataDir,
    ...(flags.fresh ? { fresh: true } : {}),
    ...(flags.port !== undefined ? { port: Number(flags.port) } : {}),
    log,
  });
} catch (error) {
  process.stderr.write(`start: the local stack did not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) {
    process.stderr.write(`start: ${signal} again, exiting without waiting\n`);
    process.exit(1);
  }
  stopping = true;
  log(`${signal}: stopping`);
  stack.stop().then(
    () => {
      log('stopped');
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`start: stopping failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));

const publicBase = process.env.PUBLIC_BASE_URL ?? stack.baseUrl;
const lines = [
  'oa-hub local stack',
  `  gateway               ${stack.baseUrl}`,
  `  console               ${process.env.CONSOLE_URL ?? `${stack.baseUrl}/console`}`,
  `  WeChat push URL       ${publicBase}/v1/wechat/component  (授权事件接收URL)`,
  `  WeChat message URL    ${publicBase}/v1/wechat/accounts/$APPID$/messages`,
  stack.simulator
    ? `  WeChat simulator      ${stack.simulator.baseUrl}  (controls: ${stack.simulator.baseUrl}/__sim/accounts; consent page: ${stack.simulator.baseUrl}/cgi-bin/componentloginpage, opened from the authorizeUrl of POST /v1/authorizations)`
    : `  WeChat                ${process.env.WECHAT_API_BASE ?? 'https://api.weixin.qq.com'}  (no simulator: WECHAT_API_BASE is set)`,
  stack.wecomSimulator
    ? `  WeCom simulator       ${stack.wecomSimulator.baseUrl}  (controls: ${stack.wecomSimulator.baseUrl}/__sim/corps; install page: ${stack.wecomSimulator.baseUrl}/3rdapp/install, opened from the installUrl of POST /v1/wecom/installations)`
    : `  WeCom                 ${process.env.WECOM_API_BASE ?? 'https://qyapi.weixin.qq.com'}  (no simulator: WECOM_API_BASE is set)`,
  `  WeCom callback URL    ${publicBase}/v1/wecom/suite  (指令回调URL and 数据回调URL)`,
  `  demo product page     ${stack.baseUrl}/demo/h5  (a SAMPLE of a product's H5 page: web authorization and JS-SDK; allow its origin in the page's local setup box)`,
  `  event bus             ${stack.events.description}`,
  `  DynamoDB              ${stack.dynamoDbEndpoint}  (table ${stack.tableName}${externalDynamoDb ? ', external' : ''})`,
  `  data                  ${dataDir}${flags.fresh ? '  (fresh: database, simulators and queues)' : ''}`,
  `ready — mint a console token: npm run token -- --tenant demo --admin`,
];
process.stdout.write(`${lines.join('\n')}\n`);
