/**
 * Keys of web authorization and the JS-SDK in the one table (README "Data design"):
 *
 * | item | pk | sk | attributes |
 * |---|---|---|---|
 * | a tenant's allowed origins | `TENANT#<tenantId>` | `OAUTHORIGINS` | `origins` (normalized), `updatedAt` |
 * | OAuth state (SHA-256 only) | `OAUTHSTATE#<sha256(state)>` | `STATE` | `appid`, `tenantId`, `redirectUri`, `pageState?`, `scope`, `createdAt`, `expiresAt`, `ttl` |
 * | one-time code (SHA-256 only) | `OAUTHCODE#<sha256(code)>` | `CODE` | `user` (the `OAuthUser`), `createdAt`, `expiresAt`, `ttl` |
 * | jsapi_ticket of an account | `ACCOUNT#<appid>` | `JSAPITICKET` | `ticket`, `expiresAt`, `refreshedAt`, `leaseOwner?`, `leaseUntil?` |
 *
 * Only hashes of the state and the code are keys: a leaked table lets nobody finish a visitor's
 * authorization or take their identity. No WeChat token of a visitor is ever stored.
 */
import { createHash } from 'node:crypto';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

export const oauthKeys = {
  originsSk: 'OAUTHORIGINS',
  statePk: (state: string) => `OAUTHSTATE#${sha256(state)}`,
  stateSk: 'STATE',
  codePk: (code: string) => `OAUTHCODE#${sha256(code)}`,
  codeSk: 'CODE',
  ticketSk: 'JSAPITICKET',
};
