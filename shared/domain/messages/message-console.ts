/**
 * `GET /v1/accounts/{appid}/messages` (API.md §3, 消息管理): the account's messages and events of
 * the last 30 days, newest first, optionally only messages or only events. Who may read them is the
 * followers' rule (`shared/domain/fans/console.ts`): the owner's admins, and its members whose
 * departments were granted the account (403 otherwise); a tenant the account was shared with gets
 * 403 (the account stays visible to it), any other tenant 404.
 */
import type { Caller } from '#shared/auth/caller.ts';
import type { AccountQueries } from '#shared/domain/accounts/queries.ts';
import type { GrantLookup } from '#shared/domain/accounts/ports.ts';
import type { WeChatPush } from '#shared/domain/events/model.ts';
import type { MessagePageRequest, MessageReads } from '#shared/domain/messages/ports.ts';
import { Forbidden } from '#shared/errors/domain-errors.ts';

export interface MessageConsoleDeps {
  accounts: Pick<AccountQueries, 'visibleLink'>;
  grants: GrantLookup;
  messages: MessageReads;
  now?: () => Date;
}

export class MessageConsole {
  constructor(private readonly deps: MessageConsoleDeps) {}

  async list(caller: Caller, appid: string, request: MessagePageRequest): Promise<{ messages: WeChatPush[]; nextCursor: string | null }> {
    const { link } = await this.deps.accounts.visibleLink(caller.tenantId, appid);
    if (!caller.isAdmin && !(await this.deps.grants.isGrantedToAny(caller.tenantId, caller.departments, appid))) {
      throw new Forbidden('None of your departments was granted this account.');
    }
    if (link.role !== 'owner') throw new Forbidden("An account's messages are its owner's: a shared account shows none.");
    const nowSeconds = Math.floor((this.deps.now?.() ?? new Date()).getTime() / 1000);
    return this.deps.messages.page(appid, request, nowSeconds);
  }
}
