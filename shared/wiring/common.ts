/**
 * What every area's wiring shares: the clock, the log lines use cases write, the audit trail and the
 * component's appid. Process-wide, read once per cold start.
 */
import { DynamoAuditLog } from '#shared/adapters/dynamodb/audit-log.ts';
import { wechatCredentials } from '#shared/config/wechat-credentials.ts';
import { db, tableName } from '#shared/db/client.ts';
import { logger } from '#shared/observability/powertools.ts';

export const now = (): Date => new Date();

/** The use cases' log, on the Powertools logger. */
export const log = {
  info: (message: string, fields: Record<string, unknown> = {}) => logger.info(message, fields),
  warn: (message: string, fields: Record<string, unknown> = {}) => logger.warn(message, fields),
  error: (message: string, fields: Record<string, unknown> = {}) => logger.error(message, fields),
};

let audit: DynamoAuditLog | undefined;

/** The tenants' audit trail in the table. */
export function auditLog(): DynamoAuditLog {
  audit ??= new DynamoAuditLog(db(), tableName());
  return audit;
}

export const componentAppId = async (): Promise<string> => (await wechatCredentials()).componentAppId;
