/**
 * Auto-replies (API.md §3, §2): the owner's admins read and replace an account's rule set, and the
 * message URL answers a push with the rule that matches it (`matching.ts`) as a passive reply.
 *
 * The reply step runs inside WeChat's 5 s on every push, so its read does not grow with the number
 * of accounts, nor with the size of the set: pushes no rule can answer (unfollows, VIEW, LOCATION,
 * images…) read nothing; the others read the account's version item (one small, strongly consistent
 * GetItem) and the set itself (one GetItem) only when the version differs from the one this warm
 * function holds. A version checked less than `recheckMs` ago (1 s by default) is trusted without
 * a read, so a burst of pushes to one account costs one read per second per function instance:
 * **a PUT reaches every push at most `recheckMs` after it returned**, the staleness accepted.
 */
import type { AccountRecord } from '#shared/domain/accounts/model.ts';
import { accountNotFound } from '#shared/domain/accounts/errors.ts';
import { isLive } from '#shared/domain/accounts/queries.ts';
import type { AuditLog } from '#shared/domain/audit/audit-log.ts';
import type { AutoReplyRule } from '#shared/domain/replies/auto-reply-rules.ts';
import { matchingRule } from '#shared/domain/replies/matching.ts';
import type { AutoReplyConsoleStore, AutoReplyStore } from '#shared/domain/replies/ports.ts';
import { Forbidden } from '#shared/errors/domain-errors.ts';
import type { AccountMessage } from '#shared/wechat/messages.ts';
import type { PassiveReply } from '#shared/wechat/passive-replies.ts';

// ---- who may act -----------------------------------------------------------------------------------

/** The account, when the tenant owns it and it is not unbound; `not_found` for any other tenant, `forbidden` for a recipient. */
export async function ownedAccountFor(
  store: Pick<AutoReplyConsoleStore, 'account' | 'link'>,
  tenantId: string,
  appid: string,
  what: string,
): Promise<AccountRecord> {
  const [link, account] = await Promise.all([store.link(tenantId, appid), store.account(appid)]);
  if (!link || !isLive(link, account)) throw accountNotFound();
  if (link.role !== 'owner') throw new Forbidden(`Only the tenant that owns the account manages its ${what}.`);
  return account;
}

// ---- the console's routes --------------------------------------------------------------------------

export interface AutoReplyConsoleDeps {
  store: AutoReplyConsoleStore;
  audit: Pick<AuditLog, 'record'>;
  now: () => Date;
  /** A fresh, unique version string for a new rule set. */
  newVersion: () => string;
}

export interface AutoRepliesView {
  rules: AutoReplyRule[];
  updatedAt?: string;
}

/** `GET /v1/accounts/{appid}/auto-replies`: the rules in their order; no `updatedAt` before the first PUT. */
export async function readAutoReplies(request: { tenantId: string; appid: string }, deps: Pick<AutoReplyConsoleDeps, 'store'>): Promise<AutoRepliesView> {
  await ownedAccountFor(deps.store, request.tenantId, request.appid, 'auto-replies');
  const set = await deps.store.ruleSet(request.appid);
  return set ? { rules: set.rules, updatedAt: set.updatedAt } : { rules: [] };
}

/** `PUT /v1/accounts/{appid}/auto-replies`: replaces every rule (the body was validated by `autoRepliesBodySchema`). */
export async function replaceAutoReplies(
  request: { tenantId: string; userId: string; appid: string; rules: AutoReplyRule[] },
  deps: AutoReplyConsoleDeps,
): Promise<Required<AutoRepliesView>> {
  const { tenantId, appid, rules } = request;
  await ownedAccountFor(deps.store, tenantId, appid, 'auto-replies');
  const updatedAt = deps.now().toISOString();
  await deps.store.replace(appid, { rules, updatedAt, version: deps.newVersion(), ownerTenantId: tenantId });
  await deps.audit.record(tenantId, {
    at: updatedAt,
    actor: request.userId,
    action: 'auto_replies.replaced',
    appid,
    details: { rules: rules.length, enabled: rules.filter((rule) => rule.enabled !== false).length },
  });
  return { rules, updatedAt };
}

// ---- the reply step on the message URL -------------------------------------------------------------

/** What answered a push: the rule (its id goes into the push's `autoReplyRuleId`) and the reply. */
export interface AutoReplyMatch {
  ruleId: string;
  reply: PassiveReply;
}

export interface AutoReplyResponderOptions {
  /** How long a checked version is trusted without a read (default 1 000 ms). */
  recheckMs?: number;
  /** Accounts whose sets one warm function keeps (default 1 000; the oldest is dropped first). */
  maxAccounts?: number;
  nowMs?: () => number;
}

interface CachedSet {
  version: string | undefined;
  rules: readonly AutoReplyRule[];
  checkedAt: number;
}

/** Only these pushes can match a trigger: for the rest the step reads nothing. */
function mayMatch(message: AccountMessage): boolean {
  if (message.kind === 'text') return true;
  return message.kind === 'event' && (message.event === 'subscribe' || message.event === 'SCAN' || message.event === 'CLICK');
}

export class AutoReplyResponder {
  private readonly cache = new Map<string, CachedSet>();
  private readonly recheckMs: number;
  private readonly maxAccounts: number;
  private readonly nowMs: () => number;

  constructor(
    private readonly store: Pick<AutoReplyStore, 'ruleSet' | 'version'>,
    options: AutoReplyResponderOptions = {},
  ) {
    this.recheckMs = options.recheckMs ?? 1_000;
    this.maxAccounts = options.maxAccounts ?? 1_000;
    this.nowMs = options.nowMs ?? Date.now;
  }

  /** The reply of the first enabled rule that matches the push; undefined when none does. */
  async replyTo(appid: string, message: AccountMessage): Promise<AutoReplyMatch | undefined> {
    if (!mayMatch(message)) return undefined;
    const rule = matchingRule(await this.rulesOf(appid), message);
    return rule ? { ruleId: rule.id, reply: rule.reply } : undefined;
  }

  private async rulesOf(appid: string): Promise<readonly AutoReplyRule[]> {
    const now = this.nowMs();
    const cached = this.cache.get(appid);
    if (cached && now - cached.checkedAt < this.recheckMs) return cached.rules;
    const version = await this.store.version(appid);
    if (cached && cached.version === version) {
      cached.checkedAt = now;
      return cached.rules;
    }
    const set = version === undefined ? undefined : await this.store.ruleSet(appid);
    this.remember(appid, { version: set?.version, rules: set?.rules ?? [], checkedAt: now });
    return set?.rules ?? [];
  }

  private remember(appid: string, entry: CachedSet): void {
    this.cache.delete(appid);
    if (this.cache.size >= this.maxAccounts) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(appid, entry);
  }
}
