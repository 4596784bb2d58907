/**
 * Audit events in the table: `pk = TENANT#<id>#AUDIT`, `sk = <ISO time>#<random>`, so one Query
 * in reverse order reads a tenant's trail newest first.
 */
import { randomBytes } from 'node:crypto';
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditEvent, AuditLog, AuditPage } from '#shared/domain/audit/audit-log.ts';
import { decodeCursor, encodeCursor } from '#shared/db/cursor.ts';

export const auditKeys = {
  pk: (tenantId: string) => `TENANT#${tenantId}#AUDIT`,
  sk: (at: string) => `${at}#${randomBytes(6).toString('hex')}`,
};

/** What `auditKeys.sk` makes: an ISO time, `#`, 12 hex digits. */
const auditSortKey = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z#[0-9a-f]{12}$/;

export class DynamoAuditLog implements AuditLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async record(tenantId: string, event: AuditEvent): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: auditKeys.pk(tenantId), sk: auditKeys.sk(event.at), type: 'AuditEvent', ...event },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async list(tenantId: string, options: { cursor?: string; limit: number }): Promise<AuditPage> {
    // Only this tenant's trail: a cursor of another tenant's is refused (400), never read.
    const startKey = decodeCursor(options.cursor, { pk: { equals: auditKeys.pk(tenantId) }, sk: { matches: auditSortKey } });
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': auditKeys.pk(tenantId) },
        ScanIndexForward: false,
        Limit: options.limit,
        ExclusiveStartKey: startKey,
      }),
    );
    const events = (result.Items ?? []).map((item) => {
      const event: AuditEvent = { at: String(item.at), actor: String(item.actor), action: String(item.action) };
      if (item.appid) event.appid = String(item.appid);
      if (item.details) event.details = item.details as Record<string, unknown>;
      return event;
    });
    return { events, nextCursor: encodeCursor(result.LastEvaluatedKey) };
  }
}
