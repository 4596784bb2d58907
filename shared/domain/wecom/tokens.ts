/**
 * WeCom's three tokens (WECOM.md §3.1, §3.2, §3.8, §4.1): the suite's `suite_access_token` (minted
 * with the newest stored `suite_ticket`), the provider's `provider_access_token`, and each installed
 * corp's `access_token` (minted with the corp's sealed `permanent_code` and the suite token).
 *
 * Each runs through the hub's one stampede control, `refreshUnderLease`
 * (`shared/domain/tokens/leased-refresh.ts`): a stored token that is not due is returned as is;
 * a due one is refreshed by exactly one caller, the lease holder, while others use a token that
 * still works or wait briefly. A token WeCom refused is expired only if it is still the stored one.
 * A corp that is not installed has no token: its tokens stop with `cancel_auth`.
 *
 * The ticket's age is WeCom's to judge (like the component's): the newest ticket is always tried,
 * and only WeCom's 40085 (or no ticket at all) means "not ready" (`503 wechat_not_ready`).
 */
import { refreshUnderLease } from '#shared/domain/tokens/leased-refresh.ts';
import { sleep as realSleep, systemClock, type Clock } from '#shared/domain/tokens/clock.ts';
import type { Lease } from '#shared/domain/tokens/ports.ts';
import { corpNotFound, corpNotInstalled, suiteNotReady, weComFailure } from '#shared/domain/wecom/errors.ts';
import type {
  SecretBox,
  StoredToken,
  StoredWeComCorp,
  SuiteTicketStore,
  WeComApi,
  WeComCorpStore,
  WeComCredentials,
  WeComTokenKind,
  WeComTokenSource,
  WeComTokenStore,
} from '#shared/domain/wecom/ports.ts';
import { DomainError, WeChatNotReady } from '#shared/errors/domain-errors.ts';
import { WeComApiError } from '#shared/wecom/api-client.ts';

export interface WeComTokenOptions {
  /** A token this close to its expiry is refreshed (WeCom's tokens live 2 h). */
  refreshMarginMs: number;
  leaseTtlMs: number;
  pollMs: number;
  waitForRefreshMs: number;
}

export const defaultWeComTokenOptions: WeComTokenOptions = { refreshMarginMs: 10 * 60_000, leaseTtlMs: 30_000, pollMs: 50, waitForRefreshMs: 5_000 };

export interface WeComTokenDependencies {
  tickets: SuiteTicketStore;
  tokens: WeComTokenStore;
  corps: Pick<WeComCorpStore, 'get'>;
  secrets: SecretBox;
  lease: Lease;
  api: Pick<WeComApi, 'getSuiteToken' | 'getProviderToken' | 'getCorpToken'>;
  credentials: () => Promise<WeComCredentials>;
  clock?: Clock;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  options?: Partial<WeComTokenOptions>;
}

/** The context the permanent code of a corp is sealed with: copied onto another item, it does not open. */
export const permanentCodeContext = (corp: { corpId: string; suiteId: string }): Record<string, string> => ({
  corpId: corp.corpId,
  suiteId: corp.suiteId,
  purpose: 'permanent_code',
});

export class WeComTokenService {
  private readonly deps: WeComTokenDependencies;
  private readonly clock: Clock;
  private readonly options: WeComTokenOptions;

  constructor(deps: WeComTokenDependencies) {
    this.deps = deps;
    this.clock = deps.clock ?? systemClock;
    this.options = { ...defaultWeComTokenOptions, ...deps.options };
  }

  /** The suite token, for the client. */
  suite(): WeComTokenSource {
    return this.sourceFor(
      async () => ({ kind: 'suite', suiteId: (await this.deps.credentials()).suiteId }),
      (owner, which) => this.mintSuite(owner, which),
    );
  }

  /** The provider token (registration), for the client. */
  provider(): WeComTokenSource {
    return this.sourceFor(
      async () => ({ kind: 'provider', corpId: (await this.deps.credentials()).providerCorpId }),
      (owner, which) => this.mintProvider(owner, which),
    );
  }

  /** An installed corp's token, for the client; refused for a corp that is not installed. */
  corp(corpId: string): WeComTokenSource {
    return this.sourceFor(
      async () => ({ kind: 'corp', corpId }),
      (owner, which) => this.mintCorp(owner, which, corpId),
      async () => {
        await this.installedCorp(corpId);
      },
    );
  }

  /** The corp token with its expiry, for the internal route (never the permanent code). */
  async corpToken(corpId: string): Promise<{ corpId: string; accessToken: string; expiresAt: string }> {
    const which: WeComTokenKind = { kind: 'corp', corpId };
    const accessToken = await this.corp(corpId).current();
    const stored = await this.deps.tokens.read(which);
    return { corpId, accessToken, expiresAt: stored?.token === accessToken ? stored.expiresAt : new Date(this.clock.now() + 60_000).toISOString() };
  }

  async installedCorp(corpId: string): Promise<StoredWeComCorp> {
    const corp = await this.deps.corps.get(corpId);
    if (!corp) throw corpNotFound();
    if (corp.status !== 'installed') throw corpNotInstalled(corpId);
    return corp;
  }

  private sourceFor(
    which: () => Promise<WeComTokenKind>,
    mint: (owner: string, which: WeComTokenKind) => Promise<StoredToken>,
    check: () => Promise<void> = async () => undefined,
  ): WeComTokenSource {
    return {
      current: async () => {
        await check();
        const kind = await which();
        const stored = await this.deps.tokens.read(kind);
        if (stored && this.isFresh(stored)) return stored.token;
        return this.refresh(kind, stored, mint);
      },
      expire: async (used) => {
        await this.deps.tokens.expire(await which(), used, new Date(this.clock.now()).toISOString());
      },
    };
  }

  private isFresh(token: StoredToken): boolean {
    return Date.parse(token.expiresAt) - this.options.refreshMarginMs > this.clock.now();
  }

  private isAlive(token: StoredToken): boolean {
    return Date.parse(token.expiresAt) > this.clock.now();
  }

  private async refresh(
    which: WeComTokenKind,
    seen: StoredToken | undefined,
    mint: (owner: string, which: WeComTokenKind) => Promise<StoredToken>,
  ): Promise<string> {
    const { leaseTtlMs, pollMs, waitForRefreshMs } = this.options;
    const token = await refreshUnderLease(
      {
        lease: this.deps.lease,
        key: this.deps.tokens.leaseKey(which),
        timing: { leaseTtlMs, pollMs, pollGrowth: 1.5, maxPollMs: pollMs * 8, waitForRefreshMs },
        clock: this.clock,
        sleep: this.deps.sleep ?? realSleep,
        random: this.deps.random ?? Math.random,
        read: () => this.deps.tokens.read(which),
        isFresh: (token) => this.isFresh(token),
        isAlive: (token) => this.isAlive(token),
        mint: (owner) => mint(owner, which),
        notReady: () =>
          new DomainError('try_again', `The WeCom ${which.kind} token is being refreshed by another caller and is not ready yet. Try again shortly.`, {
            headers: { 'Retry-After': '1' },
          }),
      },
      seen,
    );
    return token.token;
  }

  private async store(which: WeComTokenKind, owner: string, requestedAt: number, minted: { token: string; expiresIn: number }): Promise<StoredToken> {
    const token: StoredToken = {
      token: minted.token,
      expiresAt: new Date(requestedAt + minted.expiresIn * 1000).toISOString(),
      refreshedAt: new Date(this.clock.now()).toISOString(),
    };
    // A lost lease: someone else stored a newer one; ours is still valid to use for this call.
    await this.deps.tokens.save(which, token, owner);
    return token;
  }

  private async mintSuite(owner: string, which: WeComTokenKind): Promise<StoredToken> {
    const credentials = await this.deps.credentials();
    const ticket = await this.deps.tickets.latestTicket(credentials.suiteId);
    if (!ticket) throw suiteNotReady();
    const requestedAt = this.clock.now();
    try {
      const minted = await this.deps.api.getSuiteToken({ suiteId: credentials.suiteId, suiteSecret: credentials.suiteSecret, suiteTicket: ticket.ticket });
      return await this.store(which, owner, requestedAt, minted);
    } catch (error) {
      // 40085: the ticket is unknown or expired; 40082 on this call: WeCom did not accept it either.
      if (error instanceof WeComApiError && (error.errcode === 40085 || error.errcode === 40082)) throw suiteNotReady();
      throw weComFailure(error);
    }
  }

  private async mintProvider(owner: string, which: WeComTokenKind): Promise<StoredToken> {
    const credentials = await this.deps.credentials();
    if (!credentials.providerSecret) throw new WeChatNotReady('The WeCom provider secret is not configured (WECOM_PROVIDER_SECRET / providerSecret).');
    const requestedAt = this.clock.now();
    try {
      const minted = await this.deps.api.getProviderToken({ corpId: credentials.providerCorpId, providerSecret: credentials.providerSecret });
      return await this.store(which, owner, requestedAt, minted);
    } catch (error) {
      throw weComFailure(error);
    }
  }

  private async mintCorp(owner: string, which: WeComTokenKind, corpId: string): Promise<StoredToken> {
    const corp = await this.installedCorp(corpId);
    const permanentCode = await this.deps.secrets.open(corp.permanentCode, permanentCodeContext(corp));
    const requestedAt = this.clock.now();
    const minted = await this.deps.api.getCorpToken(this.suite(), { authCorpId: corpId, permanentCode });
    return this.store(which, owner, requestedAt, minted);
  }
}
