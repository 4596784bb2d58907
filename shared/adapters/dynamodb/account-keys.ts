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
 * | department head (its version) | `TENANT#<tenantId>` | `DEPT#<departmentId>` | — | — |
 * | authorization state | `AUTHSTATE#<sha256(state)>` | `STATE` | — | — (with `ttl`) |
 *
 * One Query or GetItem per access pattern: an account by appid (GetItem), by user name (gsi1: kept for
 * the pattern DESIGN §2 lists; no route needs it yet, since pushes carry the appid in their path), a
 * tenant's accounts (Query `LINK#` + BatchGet of the accounts), the recipients of an account (gsi1,
 * `shared#`), a department's accounts (Query `DEPT#<id>#`), tokens due for refresh (gsi2 per shard).
 */
import { createHash } from 'node:crypto';
import type { TenantLink } from '#shared/domain/accounts/model.ts';
import { TOKEN_DUE_SHARDS } from '#shared/table/description.ts';
import type { AccountProfile } from '#shared/domain/accounts/profile.ts';
import { dueAtOf } from '#shared/domain/tokens/refresh-margin.ts';

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
  departmentSk: (departmentId: string) => `DEPT#${departmentId}`,
  statePk: (state: string) => `AUTHSTATE#${createHash('sha256').update(state).digest('hex')}`,
  stateSk: 'STATE',
};

/** The due-index shard of an account: stable, so an account's refreshes always land in one partition. */
export function dueShard(appid: string): string {
  const n = createHash('sha256').update(appid).digest().readUInt32BE(0) % TOKEN_DUE_SHARDS;
  return `DUE#${n}`;
}

export const dueSortKey = (refreshAt: string, appid: string) => `${refreshAt}#${appid}`;

/**
 * The TOKEN item of an account: written by binding (in its transaction) and by every refresh. The
 * due-index attributes put it on the refresh schedule at the domain's refresh margin, or at its
 * `verifyAfter` when that comes first (`dueAtOf`); an account that is not active has none, so
 * the scheduled refresh never sees it. Lease attributes (`leaseOwner`, `leaseUntil`) are left alone.
 */
export function authorizerTokenAttributes(
  appid: string,
  tokens: { accessToken: string; expiresAt: string; refreshToken: string; verifyAfter?: string },
  refreshedAt: string,
) {
  return {
    type: 'AuthorizerTokens',
    appid,
    accessToken: tokens.accessToken,
    expiresAt: tokens.expiresAt,
    refreshToken: tokens.refreshToken,
    refreshedAt,
    gsi2pk: dueShard(appid),
    gsi2sk: dueSortKey(dueAtOf(tokens.expiresAt, tokens.verifyAfter), appid),
    ...(tokens.verifyAfter !== undefined ? { verifyAfter: tokens.verifyAfter } : {}),
  };
}

/**
 * What WeChat's description of an account sets on its ACCOUNT item, written the same way by binding
 * and by a re-authorization push; `absent` names the optional fields WeChat no longer gives, to remove.
 */
export function profileAttributes(profile: AccountProfile): { sets: Record<string, unknown>; absent: string[] } {
  const optional = { headImg: profile.headImg, principalName: profile.principalName, alias: profile.alias };
  const sets: Record<string, unknown> = {
    userName: profile.userName,
    nickname: profile.nickname,
    serviceTypeId: profile.serviceTypeId,
    verifyTypeId: profile.verifyTypeId,
    openPay: profile.openPay,
    funcIds: profile.funcIds,
    gsi1pk: accountKeys.userNameGsi(profile.userName),
    gsi1sk: accountKeys.accountSk,
  };
  const absent: string[] = [];
  for (const [name, value] of Object.entries(optional)) {
    if (value === undefined) absent.push(name);
    else sets[name] = value;
  }
  return { sets, absent };
}

/** A recipient's link, laid out as every link is (gsi1 `ACCOUNT#<appid>#LINKS` / `shared#<tenantId>`). */
export function sharedLinkItem(link: TenantLink): Record<string, unknown> {
  return {
    pk: accountKeys.tenantPk(link.tenantId),
    sk: accountKeys.linkSk(link.appid),
    gsi1pk: accountKeys.linksOfAccount(link.appid),
    gsi1sk: accountKeys.linkGsiSk('shared', link.tenantId),
    type: 'TenantLink',
    ...link,
  };
}
