/**
 * What the replies area (auto-replies and menus) needs from storage and from WeChat, as small
 * interfaces: `shared/adapters/dynamodb/auto-replies.ts` implements the store, `menuWeChat` in
 * `menus.ts` the WeChat side on the typed client; the tests replace both.
 */
import type { AccountReads } from '#shared/domain/accounts/ports.ts';
import type { AutoReplyRule, AutoReplySet } from '#shared/domain/replies/auto-reply-rules.ts';
import type { Menu } from '#shared/domain/replies/menu-rules.ts';

export interface AutoReplyStore {
  /** The account's rule set; undefined when none was ever put. */
  ruleSet(appid: string): Promise<AutoReplySet | undefined>;
  /**
   * The version of the account's rule set, from a small item of its own (the set itself may be
   * hundreds of KB): what a warm function checks its cached set against. Strongly consistent.
   */
  version(appid: string): Promise<string | undefined>;
  /** Replaces the rule set and its version in one transaction. */
  replace(appid: string, set: { rules: AutoReplyRule[]; updatedAt: string; version: string; ownerTenantId: string }): Promise<void>;
}

/** The console's side: the account reads that say who may act, and the rule set. */
export interface AutoReplyConsoleStore extends Pick<AccountReads, 'account' | 'link'>, Pick<AutoReplyStore, 'ruleSet' | 'replace'> {}

/** WeChat's menu APIs with the account's own access token (WeChat's refusals are thrown as `WeChatApiError`). */
export interface MenuWeChat {
  /** `menu/get`: the menu set through the API; undefined when there is none (46003). */
  get(appid: string): Promise<Menu | undefined>;
  /** `menu/create`: replaces the menu. */
  create(appid: string, menu: Menu): Promise<void>;
  /** `menu/delete`: the default menu and every conditional one. */
  delete(appid: string): Promise<void>;
}
