/**
 * Keys of the account domain in the one table (README "Data design" lists every access pattern).
 *
 * | item | pk | sk | gsi1pk / gsi1sk | gsi2pk / gsi2sk |
 * |---|---|---|---|---|
 * | account | `ACCOUNT#<appid>` | `ACCOUNT` | `USERNAME#<gh_…>` / `ACCOUNT` | — |
 * | authorizer tokens | `ACCOUNT#<appid>` | `TOKEN` | — | `DUE#<shard>` / `<refreshAt ISO>#<appid>` (active accounts only) |
 * | tenant link | `TENANT#<tenantId>` | `LINK#<appid>` | `ACCOUNT#<appid>#LINKS` / `<role>#<tenantId>` | — |
 * | tenant settings | `TENANT#<tenantId>` | `TENANT` | — | — |
 * | department grant | `TENANT#<tenantId>` | `DEPT#<departmentId>#<appid>` | — | — |
 * | authorization state | `AUTHSTATE#<sha256(state)>` | `STATE` | — | — (with `ttl`) |
 *
 * One Query or GetItem per access pattern: an account by appid (GetItem), by user name (gsi1), a
 * tenant's accounts (Query `LINK#` + BatchGet of the accounts), the recipients of an account (gsi1,
 * `shared#`), a department's accounts (Query `DEPT#<id>#`), tokens due for refresh (gsi2 per shard).
 */
import { createHash } from 'node:crypto';
import { TOKEN_DUE_SHARDS } from '#infra/table.ts';

export const accountKeys = {
  accountPk: (appid: string) => `ACCOUNT#${appid}`,
  accountSk: 'ACCOUNT',
  userNameGsi: (userName: string) => `USERNAME#${userName}`,
  tokenSk: 'TOKEN',
  tenantPk: (tenantId: string) => `TENANT#${tenantId}`,
  tenantSk: 'TENANT',
  linkSk: (appid: string) => `LINK#${appid}`,
  linkPrefix: 'LINK#',
  linksOfAccount: (appid: string) => `ACCOUNT#${appid}#LINKS`,
  linkGsiSk: (role: 'owner' | 'shared', tenantId: string) => `${role}#${tenantId}`,
  grantSk: (departmentId: string, appid: string) => `DEPT#${departmentId}#${appid}`,
  grantPrefix: (departmentId: string) => `DEPT#${departmentId}#`,
  statePk: (state: string) => `AUTHSTATE#${createHash('sha256').update(state).digest('hex')}`,
  stateSk: 'STATE',
};

/** The due-index shard of an account: stable, so an account's refreshes always land in one partition. */
export function dueShard(appid: string): string {
  const n = createHash('sha256').update(appid).digest().readUInt32BE(0) % TOKEN_DUE_SHARDS;
  return `DUE#${n}`;
}

export const dueSortKey = (refreshAt: string, appid: string) => `${refreshAt}#${appid}`;
