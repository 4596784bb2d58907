/**
 * What the console says about the hub's outcomes, in words: the authorization callback's result
 * (`?bind=ok&appid=…` / `?bind=error&code=…`) and the statuses the API reports. Shared by the page
 * shell (rendered by the local gateway) and the app in the browser, so it imports nothing.
 */

/** Only values shaped like what the hub puts in the callback's query are echoed. */
export const appIdShape = /^wx[0-9a-zA-Z]{16}$/;
export const errorCodeShape = /^[a-z_]{1,64}$/;
export const MAX_BIND_MESSAGE_LENGTH = 200;

const bindFailures: Record<string, string> = {
  validation_failed: 'The authorization link was already used, has expired, or was meant for another account. Start the binding again.',
  account_bound_elsewhere: 'This Official Account is already bound by another organisation. It must unbind it first.',
  account_quota_exceeded: 'Your organisation already owns as many accounts as its quota allows. Unbind one first.',
  not_service_account: 'Only service accounts (服务号) can be bound; this is a subscription account (订阅号).',
  not_verified: 'Only verified (已认证) accounts can be bound; this account is not verified.',
  missing_permissions: 'Some permission sets the hub needs were left unticked on WeChat’s page. Authorize again and keep them ticked.',
  wechat_error: 'WeChat refused the authorization. Try again in a moment.',
  wechat_not_ready: 'The hub has not received WeChat’s ticket yet (it arrives every 10 minutes). Try again shortly.',
};

export interface BindOutcome {
  ok: boolean;
  /** The sentence to show. */
  text: string;
  appid?: string;
  code?: string;
  /** The hub's own message from the callback, when it sent one. */
  message?: string;
}

/** The callback's result, or undefined when the query holds none (or nothing shaped like one). */
export function bindOutcome(query: URLSearchParams): BindOutcome | undefined {
  const bind = query.get('bind');
  const appid = query.get('appid') ?? '';
  const code = query.get('code') ?? '';
  const message = query.get('message') ?? '';
  if (bind === 'ok' && appIdShape.test(appid)) return { ok: true, appid, text: 'The Official Account is bound. Its followers are being synced.' };
  if (bind !== 'error' || !errorCodeShape.test(code)) return undefined;
  return {
    ok: false,
    code,
    text: bindFailures[code] ?? 'The binding did not complete.',
    ...(appIdShape.test(appid) ? { appid } : {}),
    ...(message && message.length <= MAX_BIND_MESSAGE_LENGTH ? { message } : {}),
  };
}

export const statusWords: Record<string, string> = {
  active: 'active',
  revoked: 'revoked in WeChat',
  reauthorization_required: 'needs re-authorization',
  unbinding: 'being unbound',
  unbound: 'unbound',
};

export const syncWords: Record<string, string> = {
  queued: 'Queued',
  running: 'Syncing',
  paused_quota: 'Paused: WeChat’s daily quota is used up; it resumes by itself',
  done: 'Done',
  failed: 'Failed',
};
