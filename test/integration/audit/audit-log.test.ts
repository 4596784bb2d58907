import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoAuditLog } from '#shared/adapters/dynamodb/audit-log.ts';
import { ValidationFailed } from '#shared/errors/domain-errors.ts';
import { freshTable, type TestTable } from '#test/integration/support/table.ts';

describe('the audit log on the embedded engine', () => {
  let table: TestTable;
  let audit: DynamoAuditLog;

  beforeAll(async () => {
    table = await freshTable('audit-log');
    audit = new DynamoAuditLog(table.client, table.name);
  });

  it('lists a tenant’s events newest first', async () => {
    // Prepare
    await audit.record('t-order', { at: '2026-01-01T00:00:01.000Z', actor: 'u1', action: 'account.bound', appid: 'wx0000000000000001' });
    await audit.record('t-order', { at: '2026-01-01T00:00:03.000Z', actor: 'u1', action: 'account.unbound' });
    await audit.record('t-order', { at: '2026-01-01T00:00:02.000Z', actor: 'u2', action: 'settings.changed' });

    // Act
    const page = await audit.list('t-order', { limit: 10 });

    // Assess
    expect(page.events.map((e) => e.action)).toEqual(['account.unbound', 'settings.changed', 'account.bound']);
    expect(page.nextCursor).toBeNull();
  });

  it('pages through a long trail with the cursor it returns', async () => {
    // Prepare
    for (let i = 0; i < 5; i++) {
      await audit.record('t-pages', { at: `2026-02-01T00:00:0${i}.000Z`, actor: 'u', action: `a${i}` });
    }

    // Act
    const first = await audit.list('t-pages', { limit: 2 });
    const second = await audit.list('t-pages', { limit: 2, cursor: first.nextCursor ?? undefined });
    const third = await audit.list('t-pages', { limit: 2, cursor: second.nextCursor ?? undefined });

    // Assess
    expect([...first.events, ...second.events, ...third.events].map((e) => e.action)).toEqual(['a4', 'a3', 'a2', 'a1', 'a0']);
  });

  it('refuses a cursor taken from another tenant’s trail, reading nothing of it', async () => {
    // Prepare
    await audit.record('t-victim', { at: '2026-03-01T00:00:00.000Z', actor: 'u', action: 'a' });
    await audit.record('t-victim', { at: '2026-03-01T00:00:01.000Z', actor: 'u', action: 'b' });
    const victimPage = await audit.list('t-victim', { limit: 1 });

    // Act
    const stolen = audit.list('t-thief', { limit: 10, cursor: victimPage.nextCursor ?? undefined });

    // Assess
    await expect(stolen).rejects.toBeInstanceOf(ValidationFailed);
  });
});
