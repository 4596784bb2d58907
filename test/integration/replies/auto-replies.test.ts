/**
 * Auto-replies on the embedded engine: the console's use cases (who may read and replace them), the
 * store's rule set and version items (shared/adapters/dynamodb/auto-replies.ts), the reply step
 * reading them, and the owner's unbinding deleting them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { accountKeys } from '#shared/adapters/dynamodb/account-keys.ts';
import { DynamoAccountLifecycle } from '#shared/adapters/dynamodb/account-lifecycle.ts';
import { DynamoAuditLog } from '#shared/adapters/dynamodb/audit-log.ts';
import { autoReplyKeys, autoReplyUnbindCascade, DynamoAutoReplyStore } from '#shared/adapters/dynamodb/auto-replies.ts';
import { AutoReplyResponder, readAutoReplies, replaceAutoReplies, type AutoReplyConsoleDeps } from '#shared/domain/replies/auto-replies.ts';
import type { AutoReplyRule } from '#shared/domain/replies/auto-reply-rules.ts';
import { DomainError } from '#shared/errors/domain-errors.ts';
import { seedOwnedAccount, seedSharedLink } from '#test/support/seed.ts';
import { freshTable, type TestTable } from '#test/integration/support/table.ts';

const OWNER = 't-replies-owner';
const rules: AutoReplyRule[] = [
  { id: 'welcome', trigger: { type: 'subscribe' }, reply: { type: 'text', content: '欢迎关注' } },
  {
    id: 'hours',
    trigger: { type: 'keyword', keywords: ['hours', '营业时间'], match: 'contains' },
    reply: { type: 'news', article: { title: 'Hours', url: 'https://example.com/hours' } },
  },
  { id: 'off', enabled: false, trigger: { type: 'default' }, reply: { type: 'image', mediaId: 'MEDIA_1' } },
];
const text = (content: string) => ({ kind: 'text' as const, toUserName: 'gh_x', fromUserName: 'oUser', createTime: 1, content, msgId: '1' });
const codeOf = (error: unknown) => (error instanceof DomainError ? error.code : String(error));

describe('auto-replies on the table', () => {
  let table: TestTable;
  let deps: AutoReplyConsoleDeps;
  let versions = 0;

  beforeAll(async () => {
    table = await freshTable('auto-replies');
    deps = {
      store: new DynamoAutoReplyStore(table.client, table.name),
      audit: new DynamoAuditLog(table.client, table.name),
      now: () => new Date('2026-03-01T10:00:00.000Z'),
      newVersion: () => `v${(versions += 1)}`,
    };
  });
  afterAll(() => table.client.destroy());

  it('answers an empty list without updatedAt before the first PUT', async () => {
    // Prepare
    const { account } = await seedOwnedAccount(table.client, table.name, OWNER);

    // Act
    const view = await readAutoReplies({ tenantId: OWNER, appid: account.appid }, deps);

    // Assess
    expect(view).toEqual({ rules: [] });
  });

  it('reads back the rules a PUT replaced, in their order, with updatedAt', async () => {
    // Prepare
    const { account } = await seedOwnedAccount(table.client, table.name, OWNER);

    // Act
    const put = await replaceAutoReplies({ tenantId: OWNER, userId: 'u1', appid: account.appid, rules }, deps);
    const read = await readAutoReplies({ tenantId: OWNER, appid: account.appid }, deps);

    // Assess
    expect(put).toEqual({ rules, updatedAt: '2026-03-01T10:00:00.000Z' });
    expect(read).toEqual(put);
  });

  it('replaces every rule on the next PUT', async () => {
    // Prepare
    const { account } = await seedOwnedAccount(table.client, table.name, OWNER);
    await replaceAutoReplies({ tenantId: OWNER, userId: 'u1', appid: account.appid, rules }, deps);

    // Act
    await replaceAutoReplies({ tenantId: OWNER, userId: 'u1', appid: account.appid, rules: [rules[0]!] }, deps);

    // Assess
    expect((await readAutoReplies({ tenantId: OWNER, appid: account.appid }, deps)).rules).toEqual([rules[0]]);
  });

  it('audits the replacement with counts, not contents', async () => {
    // Prepare
    const { account } = await seedOwnedAccount(table.client, table.name, 't-replies-audit');

    // Act
    await replaceAutoReplies({ tenantId: 't-replies-audit', userId: 'u1', appid: account.appid, rules }, deps);

    // Assess
    const { events } = await new DynamoAuditLog(table.client, table.name).list('t-replies-audit', { limit: 5 });
    expect(events[0]).toMatchObject({ action: 'auto_replies.replaced', actor: 'u1', appid: account.appid, details: { rules: 3, enabled: 2 } });
  });

  it('is not_found for another tenant and forbidden for a recipient', async () => {
    // Prepare
    const { account } = await seedOwnedAccount(table.client, table.name, OWNER);
    await seedSharedLink(table.client, table.name, 't-replies-recipient', account.appid);

    // Act
    const answers = await Promise.all(
      ['t-replies-stranger', 't-replies-recipient'].map((tenantId) =>
        replaceAutoReplies({ tenantId, userId: 'u', appid: account.appid, rules }, deps).then(() => 'ok', codeOf),
      ),
    );

    // Assess
    expect(answers).toEqual(['not_found', 'forbidden']);
  });

  it('gives the reply step the rules a PUT stored, with the matched rule id', async () => {
    // Prepare
    const { account } = await seedOwnedAccount(table.client, table.name, OWNER);
    const responder = new AutoReplyResponder(new DynamoAutoReplyStore(table.client, table.name), { recheckMs: 0 });
    const before = await responder.replyTo(account.appid, text('opening hours?'));
    await replaceAutoReplies({ tenantId: OWNER, userId: 'u1', appid: account.appid, rules }, deps);

    // Act
    const after = await responder.replyTo(account.appid, text('opening hours?'));

    // Assess
    expect(before).toBeUndefined();
    expect(after).toEqual({ ruleId: 'hours', reply: rules[1]!.reply });
  });

  it('deletes the rule set and its version when the owner unbinds', async () => {
    // Prepare
    const { account } = await seedOwnedAccount(table.client, table.name, OWNER, {
      account: { status: 'revoked', revokedAt: '2026-03-01T09:00:00.000Z' },
      settings: {},
    });
    await replaceAutoReplies({ tenantId: OWNER, userId: 'u1', appid: account.appid, rules }, deps);
    const lifecycle = new DynamoAccountLifecycle(table.client, table.name, { unbindCascades: [autoReplyUnbindCascade(table.name)] });

    // Act
    await lifecycle.startUnbinding({ tenantId: OWNER, appid: account.appid, at: '2026-03-01T11:00:00.000Z' });
    await lifecycle.completeUnbinding({ tenantId: OWNER, appid: account.appid, at: '2026-03-01T11:00:00.000Z' });

    // Assess
    const left = await Promise.all(
      [autoReplyKeys.setSk, autoReplyKeys.versionSk].map(
        async (sk) => (await table.client.send(new GetCommand({ TableName: table.name, Key: { pk: accountKeys.accountPk(account.appid), sk } }))).Item,
      ),
    );
    expect(left).toEqual([undefined, undefined]);
  });
});
