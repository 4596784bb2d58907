/**
 * `POST /v1/internal/accounts/{appid}/jssdk-config` (API.md §3, WECHAT.md §12): the `wx.config`
 * values for one page URL of an authorized account.
 *
 * - The signature is WECHAT.md §12.3: sha1 over `jsapi_ticket=…&noncestr=…&timestamp=…&url=…`, raw
 *   values, the URL without its fragment (vector V9 is a unit test).
 * - The account's `jsapi_ticket` (fetched with its authorizer token, `getticket`) is cached on the
 *   account's `JSAPITICKET` item and refreshed by one caller only: the holder of the lease on that
 *   item, through the same loop as the tokens (`shared/domain/tokens/leased-refresh.ts`). Others use a
 *   ticket still alive meanwhile, or wait for the holder's. A refresh starts 5 minutes before expiry.
 * - A token error on `getticket` is the authorizer token's compare-and-expire (the WeChat client
 *   expires the token it used only if it is still the stored one, then retries once).
 * - The ticket is a secret: never returned, never logged. Only active accounts get a config.
 */
import { createHash, randomBytes } from 'node:crypto';
import { accountNotActive } from '#shared/domain/accounts/errors.ts';
import type { JsapiTicket, JsapiTicketStore, OAuthAccountLookup } from '#shared/domain/oauth/ports.ts';
import { sleep as realSleep, systemClock, type Clock } from '#shared/domain/tokens/clock.ts';
import type { Lease } from '#shared/domain/tokens/ports.ts';
import { refreshUnderLease, type LeasedRefreshTiming } from '#shared/domain/tokens/leased-refresh.ts';
import { NotFound, WeChatNotReady } from '#shared/errors/domain-errors.ts';

export interface JsSdkConfig {
  appId: string;
  timestamp: number;
  nonceStr: string;
  signature: string;
}

/** WECHAT.md §12.3. `url` is signed as given, minus any `#…`. */
export function jsSdkSignature(input: { ticket: string; nonceStr: string; timestamp: number; url: string }): string {
  const url = input.url.split('#')[0]!;
  const string1 = `jsapi_ticket=${input.ticket}&noncestr=${input.nonceStr}&timestamp=${input.timestamp}&url=${url}`;
  return createHash('sha1').update(string1, 'utf8').digest('hex');
}

/** The part of the WeChat client this needs, with the account's authorizer token already supplied. */
export interface JsapiTicketApi {
  getJsapiTicket(appid: string): Promise<{ ticket: string; expiresIn: number }>;
}

export interface JsapiTicketOptions {
  /** A ticket this close to its expiry is refreshed (WECHAT.md §12.2: about 5 minutes). */
  refreshMarginMs: number;
  timing: LeasedRefreshTiming;
}

export const defaultJsapiTicketOptions: JsapiTicketOptions = {
  refreshMarginMs: 5 * 60_000,
  timing: { leaseTtlMs: 30_000, pollMs: 25, pollGrowth: 2, maxPollMs: 400, waitForRefreshMs: 8_000 },
};

export interface JsSdkDeps {
  accounts: Pick<OAuthAccountLookup, 'status'>;
  tickets: JsapiTicketStore;
  lease: Lease;
  api: JsapiTicketApi;
  clock?: Clock;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** 64 random bits, hex (tests fix it). */
  nonce?: () => string;
  options?: Partial<JsapiTicketOptions>;
}

/** A `jsapi_ticket` of `appid` that is fresh, or alive while another caller refreshes it. */
export async function currentJsapiTicket(appid: string, deps: JsSdkDeps): Promise<JsapiTicket> {
  const clock = deps.clock ?? systemClock;
  const options = { ...defaultJsapiTicketOptions, ...deps.options };
  const isAlive = (ticket: JsapiTicket) => Date.parse(ticket.expiresAt) > clock.now();
  const isFresh = (ticket: JsapiTicket) => Date.parse(ticket.expiresAt) - options.refreshMarginMs > clock.now();
  const seen = await deps.tickets.read(appid);
  if (seen && isFresh(seen)) return seen;
  return refreshUnderLease<JsapiTicket>(
    {
      lease: deps.lease,
      key: deps.tickets.leaseKey(appid),
      timing: options.timing,
      clock,
      sleep: deps.sleep ?? realSleep,
      random: deps.random ?? Math.random,
      read: () => deps.tickets.read(appid),
      isFresh,
      isAlive,
      mint: async (owner) => {
        const requestedAt = clock.now();
        const minted = await deps.api.getJsapiTicket(appid);
        const ticket: JsapiTicket = { ticket: minted.ticket, expiresAt: new Date(requestedAt + minted.expiresIn * 1000).toISOString() };
        // Not saved (the lease lapsed meanwhile): the ticket still works for this caller.
        await deps.tickets.save(appid, ticket, owner, new Date(requestedAt).toISOString());
        return ticket;
      },
      notReady: () => new WeChatNotReady(`The jsapi_ticket of ${appid} is being refreshed by another caller and is not ready yet. Try again shortly.`),
    },
    seen,
  );
}

/** The page's `wx.config` values (never the ticket). */
export async function jsSdkConfig(appid: string, url: string, deps: JsSdkDeps): Promise<JsSdkConfig> {
  const status = await deps.accounts.status(appid);
  if (status === undefined || status === 'unbound') throw new NotFound('No such account.');
  if (status !== 'active') throw accountNotActive(appid, status);
  const { ticket } = await currentJsapiTicket(appid, deps);
  const timestamp = Math.floor((deps.clock ?? systemClock).now() / 1000);
  const nonceStr = (deps.nonce ?? (() => randomBytes(8).toString('hex')))();
  return { appId: appid, timestamp, nonceStr, signature: jsSdkSignature({ ticket, nonceStr, timestamp, url }) };
}
