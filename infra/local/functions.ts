/**
 * Runs the hub's functions in this process the way Lambda runs them: `functions/<name>/handler.ts`
 * imported once (its module scope is the cold start), then `handler(event, context)` per invocation
 * with a Lambda-like context and the catalogue's timeout.
 *
 * Unlike Lambda, a timed-out invocation cannot be frozen: its promise is abandoned and keeps running
 * in the background, and all functions share one process (one `process.env`, one module cache), so a
 * process holds one local stack at a time.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { functionNamed, type HubFunction } from '#infra/catalogue.ts';

export const DEFAULT_TIMEOUT_SECONDS = 30;
const DEFAULT_MEMORY_MB = 256;

export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

export class FunctionTimedOut extends Error {
  override readonly name = 'FunctionTimedOut';
}

const functionsRoot = new URL('../../functions/', import.meta.url);
const loaded = new Map<string, Promise<LambdaHandler>>();

/** Imports a function's handler once; a failed import is retried on the next invocation. */
export function loadHandler(name: string): Promise<LambdaHandler> {
  let loading = loaded.get(name);
  if (!loading) {
    loading = import(new URL(`${name}/handler.ts`, functionsRoot).href).then((module: { handler?: unknown }) => {
      if (typeof module.handler !== 'function') throw new Error(`functions/${name}/handler.ts does not export a "handler" function.`);
      return module.handler as LambdaHandler;
    });
    loaded.set(name, loading);
    loading.catch(() => loaded.delete(name));
  }
  return loading;
}

export function lambdaContext(fn: Pick<HubFunction, 'name' | 'timeoutSeconds' | 'memoryMb'>, region: string): Context {
  const timeoutMs = (fn.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
  const deadline = Date.now() + timeoutMs;
  const requestId = randomUUID();
  const day = new Date().toISOString().slice(0, 10).replace(/-/g, '/');
  const unsupported = () => {
    throw new Error('Callback-style completion is not supported: return a promise.');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${fn.name}`,
    memoryLimitInMB: String(fn.memoryMb ?? DEFAULT_MEMORY_MB),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${fn.name}`,
    logStreamName: `${day}/[$LATEST]${requestId.replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

export type Invoke = (functionName: string, event: unknown) => Promise<unknown>;

/** Invokes catalogue functions by name, with their timeout. */
export function localInvoker(options: { region?: string; load?: (name: string) => Promise<LambdaHandler> } = {}): Invoke {
  const load = options.load ?? loadHandler;
  return async (functionName, event) => {
    const fn = functionNamed(functionName);
    const handler = await load(functionName);
    const context = lambdaContext(fn, options.region ?? process.env.AWS_REGION ?? 'local');
    const timeoutSeconds = fn.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new FunctionTimedOut(`${functionName} timed out after ${timeoutSeconds} s`)), timeoutSeconds * 1000);
    });
    try {
      return await Promise.race([handler(event, context), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  };
}
