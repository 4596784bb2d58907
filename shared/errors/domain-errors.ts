/**
 * Domain errors: one class per error of the HTTP contract (API.md §1). Use cases throw these; the
 * HTTP layer maps them to a status in one place (`statusOf`; only `PayloadTooLarge` answers 413).
 * Their `message` is written for a person and is safe to show; `details` never carries a secret.
 */
export type ErrorCode =
  | 'validation_failed'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'account_bound_elsewhere'
  | 'account_quota_exceeded'
  | 'revoke_in_wechat_first'
  | 'communities_still_linked'
  | 'already_linked'
  | 'cannot_redeem_own_code'
  | 'share_code_invalid'
  | 'redirect_not_allowed'
  | 'oauth_code_invalid'
  | 'not_service_account'
  | 'not_verified'
  | 'missing_permissions'
  | 'account_not_active'
  | 'feature_disabled'
  | 'payment_not_available'
  | 'rate_limited'
  | 'wechat_error'
  | 'wechat_not_ready'
  | 'try_again'
  | 'internal_error';

const statusByCode: Record<ErrorCode, number> = {
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  account_bound_elsewhere: 409,
  account_quota_exceeded: 409,
  revoke_in_wechat_first: 409,
  communities_still_linked: 409,
  already_linked: 409,
  cannot_redeem_own_code: 409,
  share_code_invalid: 410,
  redirect_not_allowed: 400,
  oauth_code_invalid: 410,
  not_service_account: 422,
  not_verified: 422,
  missing_permissions: 422,
  account_not_active: 422,
  feature_disabled: 422,
  payment_not_available: 422,
  rate_limited: 429,
  internal_error: 500,
  wechat_error: 502,
  wechat_not_ready: 503,
  try_again: 503,
};

export const statusOf = (code: ErrorCode): number => statusByCode[code];

export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;
  /** Extra response headers, e.g. `Retry-After`. */
  readonly headers?: Record<string, string>;

  constructor(code: ErrorCode, message: string, options: { details?: Record<string, unknown>; headers?: Record<string, string>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    if (options.details) this.details = options.details;
    if (options.headers) this.headers = options.headers;
  }

  get statusCode(): number {
    return statusOf(this.code);
  }

  /** Domain errors are written to be shown to the caller (middy's `expose`). */
  get expose(): boolean {
    return this.statusCode < 500 || this.code === 'wechat_error' || this.code === 'wechat_not_ready' || this.code === 'try_again';
  }
}

export interface FieldIssue {
  /** Dotted path of the offending field, `body.count`, `path.appid`, `query.limit`. */
  field: string;
  message: string;
}

export class ValidationFailed extends DomainError {
  constructor(issues: FieldIssue[], message = 'The request is not valid.') {
    super('validation_failed', message, { details: { fields: issues } });
  }
}

export class Unauthorized extends DomainError {
  constructor(message = 'A valid bearer token is required.') {
    super('unauthorized', message);
  }
}

export class Forbidden extends DomainError {
  constructor(message = 'Your role or department does not allow this action.') {
    super('forbidden', message);
  }
}

export class NotFound extends DomainError {
  constructor(message = 'Not found.') {
    super('not_found', message);
  }
}

/**
 * A body over the route's limit: a validation failure of the body (API.md §1 has no code of its own
 * for it), answered with HTTP's own status for it, 413.
 */
export class PayloadTooLarge extends DomainError {
  constructor(limitBytes: number) {
    super('validation_failed', `The request body is larger than ${limitBytes} bytes.`, {
      details: { fields: [{ field: 'body', message: `is larger than ${limitBytes} bytes` }], limitBytes },
    });
  }

  override get statusCode(): number {
    return 413;
  }
}

export class RateLimited extends DomainError {
  constructor(retryAfterSeconds: number, message = 'Too many attempts. Try again later.') {
    super('rate_limited', message, {
      details: { retryAfterSeconds },
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
  }
}

export class WeChatNotReady extends DomainError {
  constructor(message = 'WeChat has not pushed a component_verify_ticket yet (it pushes one every 10 minutes). Try again shortly.') {
    super('wechat_not_ready', message);
  }
}
