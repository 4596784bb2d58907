/**
 * The audit trail of a tenant: who did what to which account, newest first. Writers never put a
 * secret in `details` (share codes appear as counts, tokens never).
 */
export interface AuditEvent {
  at: string;
  actor: string;
  action: string;
  appid?: string;
  details?: Record<string, unknown>;
}

export interface AuditPage {
  events: AuditEvent[];
  nextCursor: string | null;
}

export interface AuditLog {
  record(tenantId: string, event: AuditEvent): Promise<void>;
  list(tenantId: string, options: { cursor?: string; limit: number }): Promise<AuditPage>;
}
