/**
 * The message-and-event URL (消息与事件接收URL, `account-events`): the message log with its outbox
 * entry for the bus, follow events (the fans area's `FollowEvents`), the release test's messages and the
 * auto-replies (the replies area's responder); and the console's read of the log (`list-messages`).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoAccountDirectory } from '#shared/adapters/dynamodb/account-queries.ts';
import { DynamoDepartmentGrants } from '#shared/adapters/dynamodb/department-grants.ts';
import { DynamoMessageLog } from '#shared/adapters/dynamodb/message-log.ts';
import { DynamoPushAudience } from '#shared/adapters/dynamodb/push-audience.ts';
import { db, tableName } from '#shared/db/client.ts';
import { AccountQueries } from '#shared/domain/accounts/queries.ts';
import type { AccountMessageDeps } from '#shared/domain/messages/account-message.ts';
import { MessageConsole } from '#shared/domain/messages/message-console.ts';
import type { PushLogDeps } from '#shared/domain/messages/message-log.ts';
import { now } from '#shared/wiring/common.ts';
import { followEvents } from '#shared/wiring/fans.ts';
import { releaseTestQueue } from '#shared/wiring/release-test.ts';
import { autoReplyResponder } from '#shared/wiring/replies.ts';

export interface MessagesTable {
  client: DynamoDBDocumentClient;
  table: string;
}

const liveTable = (): MessagesTable => ({ client: db(), table: tableName() });

/** The message log and its outbox entries, on the function's table unless a test hands in another. */
export function pushLog(options: { table?: MessagesTable; now?: () => Date } = {}): PushLogDeps {
  const { client, table } = options.table ?? liveTable();
  return { log: new DynamoMessageLog(client, table), audience: new DynamoPushAudience(client, table), now: options.now ?? now };
}

export function accountMessageDeps(): AccountMessageDeps {
  return { follows: followEvents(), releaseTestQueue: releaseTestQueue(), autoReplies: autoReplyResponder(), pushLog: pushLog() };
}

/** `GET /v1/accounts/{appid}/messages`. */
export function messageConsole(options: { table?: MessagesTable } = {}): MessageConsole {
  const { client, table } = options.table ?? liveTable();
  const directory = new DynamoAccountDirectory(client, table);
  const grants = new DynamoDepartmentGrants(client, table);
  return new MessageConsole({ accounts: new AccountQueries(directory, grants, []), grants, messages: new DynamoMessageLog(client, table) });
}
