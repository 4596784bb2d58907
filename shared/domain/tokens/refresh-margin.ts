/**
 * When an authorizer token is renewed: the one statement of the refresh margin. The scheduled refresh
 * renews a token this long before it expires (WeChat keeps the old one ~5 minutes after a refresh, so
 * callers holding it are never cut off); the due index lists every token under this moment
 * (`shared/adapters/dynamodb/account-keys.ts`), and the service checks it before refreshing a claimed one.
 */
export const AUTHORIZER_REFRESH_MARGIN_MS = 20 * 60_000;

/** The moment a token that expires at `expiresAt` (ISO) is due for the scheduled refresh, ISO. */
export const refreshAtOf = (expiresAt: string, marginMs: number = AUTHORIZER_REFRESH_MARGIN_MS): string =>
  new Date(Date.parse(expiresAt) - marginMs).toISOString();

/**
 * How long a token minted after an attempt that may have reached WeChat (`mayBeSuperseded`: a timeout,
 * a broken connection, a 5xx, then a retry that answered) is trusted. WeChat may carry the lost
 * attempt out after the answer, and the token it then issues retires the stored one (WeChat keeps
 * only the newest, the old one ~5 minutes more). Past this horizon the token counts as due: the next
 * caller or scheduled run mints again under the lease, and that token is the newest. A lost attempt
 * is carried out within seconds of the client giving up (its timeout is 5 s); 20 s covers that, and
 * the verifying mint still comes well inside the 5 minutes the retired token keeps working.
 */
export const AUTHORIZER_VERIFY_AFTER_MS = 20_000;

/**
 * The due-index moment of a token, ISO: its refresh moment, or its `verifyAfter` (ISO) when that
 * comes first.
 */
export const dueAtOf = (expiresAt: string, verifyAfter?: string): string => {
  const refreshAt = refreshAtOf(expiresAt);
  return verifyAfter !== undefined && verifyAfter < refreshAt ? verifyAfter : refreshAt;
};
