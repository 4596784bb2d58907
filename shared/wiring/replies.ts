/**
 * The replies area (auto-replies and menus) wired to the table and WeChat: the console's routes, and
 * the reply step of the message URL (one responder per warm function, so its cache of rule sets lives
 * as long as the function does; `shared/domain/replies/auto-replies.ts` says what staleness that allows).
 */
import { randomBytes } from 'node:crypto';
import { DynamoAutoReplyStore } from '#shared/adapters/dynamodb/auto-replies.ts';
import { db, tableName } from '#shared/db/client.ts';
import { AutoReplyResponder, type AutoReplyConsoleDeps } from '#shared/domain/replies/auto-replies.ts';
import { menuWeChat, type MenuDeps } from '#shared/domain/replies/menus.ts';
import { wechatApiClient } from '#shared/wechat/api-client.ts';
import { auditLog, now } from '#shared/wiring/common.ts';
import { authorizerTokens } from '#shared/wiring/tokens.ts';

const newVersion = (): string => randomBytes(12).toString('base64url');

/** `GET|PUT /v1/accounts/{appid}/auto-replies`. */
export function autoReplyConsoleDeps(): AutoReplyConsoleDeps {
  return { store: new DynamoAutoReplyStore(db(), tableName()), audit: auditLog(), now, newVersion };
}

let responder: AutoReplyResponder | undefined;

/** The message URL's reply step: the process-wide responder and its cache. */
export function autoReplyResponder(): AutoReplyResponder {
  responder ??= new AutoReplyResponder(new DynamoAutoReplyStore(db(), tableName()));
  return responder;
}

/** `GET|PUT|DELETE /v1/accounts/{appid}/menu`. */
export function menuDeps(): MenuDeps {
  return { store: new DynamoAutoReplyStore(db(), tableName()), wechat: menuWeChat(wechatApiClient(), authorizerTokens), audit: auditLog(), now };
}
