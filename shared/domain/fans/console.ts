/**
 * The console's follower routes (API.md §3) and who may use them. Followers belong to the account's
 * owner: a tenant that was shared the account sees none of them (403, the account itself stays
 * visible to it), another tenant learns nothing (404, as for the account), and a member reads only
 * accounts granted to one of its departments (403 otherwise, as for the account).
 *
 * - `POST …/fan-syncs` (admin): a full sync of an active account; the account's running job when
 *   there is one (one job per account at a time).
 * - `GET …/fan-syncs/{jobId}` (admin): the job with its progress.
 * - `GET …/fans`: the account's followers page by page, optionally only (un)subscribed ones.
 * - `GET /v1/contacts/{unionid}`: the tenant's followers with that unionid across the accounts it
 *   owns (and the member may read), each with its own openid and subscription.
 */
import type { Caller } from '#shared/auth/caller.ts';
import type { AccountRecord } from '#shared/domain/accounts/model.ts';
import type { AccountDirectory, GrantLookup } from '#shared/domain/accounts/ports.ts';
import { isLive, type AccountQueries } from '#shared/domain/accounts/queries.ts';
import type { AuditLog } from '#shared/domain/audit/audit-log.ts';
import { accountNotActive } from '#shared/domain/accounts/errors.ts';
import { Forbidden, NotFound } from '#shared/errors/domain-errors.ts';
import { toFanView, type FanSyncJobView, type FanView } from '#shared/domain/fans/model.ts';
import type { FanPageRequest, FanSyncJobReads, FanSyncRequests, FollowerReads } from '#shared/domain/fans/ports.ts';

export interface FanConsoleDeps {
  accounts: Pick<AccountQueries, 'visibleLink'>;
  directory: Pick<AccountDirectory, 'linksOf' | 'accounts'>;
  grants: GrantLookup;
  followers: FollowerReads;
  jobs: FanSyncJobReads;
  starter: FanSyncRequests;
  audit?: AuditLog;
  now?: () => Date;
}

export interface ContactView {
  unionid: string;
  accounts: { appid: string; openid: string; subscribed: boolean; subscribedAt?: string; unsubscribedAt?: string }[];
}

export class FanConsole {
  private readonly now: () => Date;

  constructor(private readonly deps: FanConsoleDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async startSync(caller: Caller, appid: string): Promise<{ jobId: string }> {
    const account = await this.ownedAccount(caller, appid);
    if (account.status !== 'active') throw accountNotActive(appid, account.status);
    const at = this.now().toISOString();
    const jobId = await this.deps.starter.queueFullSync(appid, at);
    try {
      await this.deps.audit?.record(caller.tenantId, { at, actor: caller.userId, action: 'fans.sync_requested', appid, details: { jobId } });
    } catch {
      // The sync is queued either way; a missing audit line must not turn it into an error.
    }
    return { jobId };
  }

  async job(caller: Caller, appid: string, jobId: string): Promise<FanSyncJobView> {
    await this.ownedAccount(caller, appid);
    const job = await this.deps.jobs.view(appid, jobId);
    if (!job) throw new NotFound('No such fan sync of this account.');
    return job;
  }

  async fans(caller: Caller, appid: string, request: FanPageRequest): Promise<{ fans: FanView[]; nextCursor: string | null }> {
    await this.ownedAccount(caller, appid);
    const page = await this.deps.followers.page(appid, request);
    return { fans: page.followers.map(toFanView), nextCursor: page.nextCursor };
  }

  async contact(caller: Caller, unionid: string): Promise<ContactView> {
    const [links, followers, granted] = await Promise.all([
      this.deps.directory.linksOf(caller.tenantId),
      this.deps.followers.byUnionid(caller.tenantId, unionid),
      caller.isAdmin ? Promise.resolve(undefined) : this.deps.grants.grantedToAny(caller.tenantId, caller.departments),
    ]);
    const owned = links.filter((link) => link.role === 'owner' && (!granted || granted.has(link.appid)));
    const accounts = await this.deps.directory.accounts(owned.map((link) => link.appid));
    // The index may still hold followers of an account the tenant no longer owns: only live ownership counts.
    const readable = new Set(owned.filter((link) => isLive(link, accounts.get(link.appid))).map((link) => link.appid));
    return {
      unionid,
      accounts: followers
        .filter((follower) => readable.has(follower.appid) && follower.unionid === unionid)
        .sort((a, b) => a.appid.localeCompare(b.appid) || a.openid.localeCompare(b.openid))
        .map((follower) => ({
          appid: follower.appid,
          openid: follower.openid,
          subscribed: follower.subscribed,
          ...(follower.subscribedAt ? { subscribedAt: follower.subscribedAt } : {}),
          ...(follower.unsubscribedAt ? { unsubscribedAt: follower.unsubscribedAt } : {}),
        })),
    };
  }

  /** The account, when the caller's tenant owns it and the caller may read it (also the rule of a follower's history, `history.ts`). */
  async ownedAccount(caller: Caller, appid: string): Promise<AccountRecord> {
    const { link, account } = await this.deps.accounts.visibleLink(caller.tenantId, appid);
    if (!caller.isAdmin && !(await this.deps.grants.isGrantedToAny(caller.tenantId, caller.departments, appid))) {
      throw new Forbidden('None of your departments was granted this account.');
    }
    if (link.role !== 'owner') throw new Forbidden("An account's followers are its owner's: a shared account shows none.");
    return account;
  }
}
