/**
 * The middleware every function starts with: tracer → logger → metrics (Powertools); HTTP functions
 * add the error envelope and header normalization (`baseHttpStack`). Every wrapper of this folder
 * (`consoleRoute`, `wechatRoute`, `internalRoute`, `redirectRoute`, `queueWorker`, `scheduledJob`)
 * builds on these. The stacks are plain `middy.MiddlewareObj[]`: middy's `use` takes them for any
 * event and result type, so no chain needs a cast.
 */
import type { Context } from 'aws-lambda';
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { logger, metrics, tracer } from '#shared/observability/powertools.ts';
import { errorEnvelope } from '#shared/http/error-envelope.ts';
import { PayloadTooLarge } from '#shared/errors/domain-errors.ts';

/**
 * Publishes the metrics a request recorded, after it succeeds or fails. Unlike Powertools' `logMetrics`
 * it stays silent when nothing was recorded: most requests record nothing, and a warning per
 * invocation would bury the logs that matter.
 */
export function publishRecordedMetrics(): middy.MiddlewareObj {
  const publish = () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return { after: publish, onError: publish };
}

/**
 * Tracer → logger → metrics: every function's first three middlewares. Responses are never captured
 * into the trace: they carry access tokens, share codes and authorization links.
 */
export function observability(): middy.MiddlewareObj[] {
  return [captureLambdaHandler(tracer, { captureResponse: false }), injectLambdaContext(logger, { resetKeys: true }), publishRecordedMetrics()];
}

/** Wraps a non-HTTP handler in the observability middlewares (`queueWorker` and `scheduledJob` use it). */
export function observed<E, R>(handler: (event: E, context: Context) => Promise<R>) {
  return middy<E, R>().use(observability()).handler(handler);
}

/** Observability, then the error envelope (`{ error: … }` for anything thrown), then header normalization. */
export function baseHttpStack(): middy.MiddlewareObj[] {
  return [...observability(), errorEnvelope(), httpHeaderNormalizer({ canonical: false })];
}

interface RawBodyEvent {
  body?: string | null;
  isBase64Encoded?: boolean;
}

/** Size of the body as it will be decoded, without decoding it first. */
export function bodyBytes(event: RawBodyEvent): number {
  if (!event.body) return 0;
  if (event.isBase64Encoded) return Math.floor((event.body.length * 3) / 4);
  return Buffer.byteLength(event.body, 'utf8');
}

/** Refuses a body over `limitBytes` with a 413 `validation_failed` naming the body, before anything parses it. */
export function bodyLimit(limitBytes: number): middy.MiddlewareObj<RawBodyEvent> {
  return {
    before: (request) => {
      if (bodyBytes(request.event) > limitBytes) throw new PayloadTooLarge(limitBytes);
    },
  };
}

/** Decodes the raw body to a UTF-8 string. */
export function rawBody(event: RawBodyEvent): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}
