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
