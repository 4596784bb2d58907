/**
 * What can go wrong when the hub calls WeChat, as two error types: WeChat answered with an `errcode`
 * (`WeChatApiError`, carrying the `rid` WeChat support asks for), or WeChat could not be reached or
 * answered something that is not its JSON (`WeChatNetworkError`). Neither ever carries a URL, because
 * WeChat's URLs hold the access token in the query string.
 */
import { DomainError } from '#shared/errors/domain-errors.ts';

/** `errcode`s that mean "this access token is wrong, superseded or expired" (WECHAT.md §7). */
export const TOKEN_ERROR_CODES: ReadonlySet<number> = new Set([40001, 40014, 42001]);

/** WeChat's "system busy": worth retrying with backoff. */
export const SYSTEM_BUSY = -1;

/** WeChat appends `rid: <request id>` to most `errmsg`s; support needs it. */
export function ridOf(errmsg: string): string | undefined {
  return /\brid:\s*([0-9A-Za-z-]+)/.exec(errmsg)?.[1];
}

export class WeChatApiError extends Error {
  /** The WeChat API that answered, e.g. `api_query_auth`, `user/info/batchget`. */
  readonly api: string;
  readonly errcode: number;
  readonly errmsg: string;
  readonly rid?: string;

  constructor(api: string, errcode: number, errmsg: string) {
    super(`WeChat ${api} answered errcode ${errcode}: ${errmsg}`);
    this.name = 'WeChatApiError';
    this.api = api;
    this.errcode = errcode;
    this.errmsg = errmsg;
    const rid = ridOf(errmsg);
    if (rid) this.rid = rid;
  }
}

/**
 * - `timeout`: no answer within the client's timeout; WeChat may have acted on the request.
 * - `connection`: the connection could not be opened (refused, DNS), so WeChat never saw the request.
 * - `interrupted`: the connection broke after it was opened; WeChat may have acted on the request.
 * - `http_status`: a non-2xx status (WeChat itself answers 200 even for errors, so this is a proxy or an outage).
 * - `bad_body`: a 2xx answer that is not JSON, or JSON without the fields the API promises.
 */
export type NetworkFailure = 'timeout' | 'connection' | 'interrupted' | 'http_status' | 'bad_body';

export class WeChatNetworkError extends Error {
  readonly api: string;
  readonly failure: NetworkFailure;
  readonly status?: number;

  constructor(api: string, failure: NetworkFailure, detail: string, options: { status?: number } = {}) {
    super(`WeChat ${api} failed (${failure}): ${detail}`);
    this.name = 'WeChatNetworkError';
    this.api = api;
    this.failure = failure;
    if (options.status !== undefined) this.status = options.status;
  }

  /** Whether WeChat may have received and acted on the request (matters for calls that are not idempotent). */
  get mayHaveReachedWeChat(): boolean {
    return this.failure !== 'connection';
  }
}

export function isTokenError(e: unknown): e is WeChatApiError {
  return e instanceof WeChatApiError && TOKEN_ERROR_CODES.has(e.errcode);
}

/** Errors a retry can cure: WeChat's `-1`, and network trouble other than a 4xx or a malformed answer. */
export function isTransient(e: unknown): boolean {
  if (e instanceof WeChatApiError) return e.errcode === SYSTEM_BUSY;
  if (e instanceof WeChatNetworkError) {
    if (e.failure === 'bad_body') return false;
    if (e.failure === 'http_status') return e.status === undefined || e.status >= 500 || e.status === 429;
    return true;
  }
  return false;
}

/** Messages a tenant or an operator can act on, for the `errcode`s the hub meets (WECHAT.md §7, §4.10). */
const explanations: Record<number, string> = {
  [-1]: 'WeChat is busy. Try again shortly.',
  40001: 'WeChat rejected the access token.',
  40013: 'WeChat says the appid does not match the account.',
  40014: 'WeChat rejected the access token.',
  42001: 'The access token had expired.',
  40125: 'WeChat rejected the component secret. Check the platform configuration.',
  41004: 'The component secret is missing. Check the platform configuration.',
  43004: 'The user does not follow the account.',
  45009: 'The daily WeChat API quota of the account is used up.',
  45015: 'The user has not talked to the account within the last 48 hours.',
  45047: 'The customer-service message limit for this user is reached.',
  48001: 'The account is not allowed to use this WeChat API (check its type and verification).',
  48006: 'The monthly quota resets are used up.',
  50002: 'WeChat has limited this account.',
  61003: 'The account no longer authorizes this platform.',
  61004: "The hub's outgoing IP address is not on the platform's WeChat IP whitelist.",
  61005: 'The component_verify_ticket has expired; WeChat pushes a new one every 10 minutes.',
  61006: 'The component_verify_ticket is invalid.',
  61007: 'The account did not grant this platform the permission set this API needs. Re-authorize with it.',
  61009: 'The authorization code is invalid or was already used. Authorize again.',
  61010: 'The authorization code has expired. Authorize again.',
  61011: 'WeChat does not know this component. Check the platform configuration.',
  61023: "The account's refresh token is no longer valid. The account must be re-authorized.",
  89000: 'The account is already bound to an open platform account.',
  89001: 'The account and the open platform account belong to different entities.',
  89002: 'The account is not bound to an open platform account.',
  89003: 'That open platform account was not created through the API, so the platform cannot unbind it.',
  89004: 'The open platform account has reached its limit of bound accounts.',
  89036: 'The open platform account was not created through the API or is not verified.',
};

/**
 * Maps anything a WeChat call threw to the hub's error contract (API.md §1): `wechat_error` with
 * `details.errcode` and `details.rid`. Domain errors pass through unchanged.
 */
export function toDomainError(e: unknown): DomainError {
  if (e instanceof DomainError) return e;
  if (e instanceof WeChatApiError) {
    const explanation = explanations[e.errcode] ?? 'WeChat refused the request.';
    return new DomainError('wechat_error', `${explanation} (WeChat ${e.api}, errcode ${e.errcode})`, {
      details: { errcode: e.errcode, ...(e.rid ? { rid: e.rid } : {}) },
      cause: e,
    });
  }
  if (e instanceof WeChatNetworkError) {
    const message =
      e.failure === 'timeout'
        ? `WeChat did not answer in time (WeChat ${e.api}). Try again shortly.`
        : `WeChat could not be reached or gave an unexpected answer (WeChat ${e.api}). Try again shortly.`;
    return new DomainError('wechat_error', message, { details: { errcode: null, failure: e.failure }, cause: e });
  }
  return new DomainError('internal_error', 'Something went wrong while calling WeChat.', { cause: e });
}
