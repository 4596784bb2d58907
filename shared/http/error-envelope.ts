/**
 * Turns any error into the response shape of API.md §1: `{ error: { code, message, details? } }`.
 * Domain errors keep their code and message; a failed WeChat call becomes `502 wechat_error` with
 * its `errcode` and `rid`; middy's HTTP errors from its parsers become `validation_failed`; anything else is logged and answered as a bare `internal_error`, with no stack
 * trace, SDK text or secret in the response.
 */
import type middy from '@middy/core';
import { DomainError, ValidationFailed } from '#shared/errors/domain-errors.ts';
import { logger } from '#shared/observability/powertools.ts';
import { toDomainError as fromWeChatFailure, WeChatApiError, WeChatNetworkError } from '#shared/wechat/api-errors.ts';

export interface JsonResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export const jsonHeaders = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

export function jsonResponse(statusCode: number, payload: unknown, headers: Record<string, string> = {}): JsonResponse {
  return { statusCode, headers: { ...jsonHeaders, ...headers }, body: payload === undefined ? '' : JSON.stringify(payload) };
}

/** Middy's own HTTP errors (415, 422 from the JSON parser) are client mistakes about the body. */
function fromMiddyHttpError(error: unknown): DomainError | undefined {
  const candidate = error as { statusCode?: unknown; expose?: unknown; message?: unknown };
  if (typeof candidate.statusCode !== 'number' || candidate.statusCode < 400 || candidate.statusCode >= 500) return undefined;
  const message = candidate.statusCode === 415 ? 'must be sent as application/json' : 'is not valid JSON';
  return new ValidationFailed([{ field: 'body', message }]);
}

export function toDomainError(error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  if (error instanceof WeChatApiError || error instanceof WeChatNetworkError) return fromWeChatFailure(error);
  const fromMiddy = fromMiddyHttpError(error);
  if (fromMiddy) return fromMiddy;
  logger.error('Unhandled error', { error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error) });
  return new DomainError('internal_error', 'Something went wrong on our side. It has been logged.');
}

export function errorResponse(error: unknown): JsonResponse {
  const domainError = toDomainError(error);
  if (domainError.statusCode >= 500 && domainError.code !== 'internal_error') {
    logger.warn('Request failed', { code: domainError.code, details: domainError.details });
  }
  const body: { code: string; message: string; details?: Record<string, unknown> } = {
    code: domainError.code,
    message: domainError.message,
  };
  if (domainError.details) body.details = domainError.details;
  return jsonResponse(domainError.statusCode, { error: body }, domainError.headers ?? {});
}

/** The middleware: the last word on every error of a console route. */
export function errorEnvelope(): middy.MiddlewareObj {
  return {
    onError: (request) => {
      request.response = errorResponse(request.error);
    },
  };
}
