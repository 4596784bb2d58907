import { randomBytes } from 'node:crypto';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startWeChatSimulator, type WeChatSimulator } from '#infra/local/wechat-simulator/simulator.ts';
import { DynamoComponentStore } from '#shared/adapters/dynamodb/component-store.ts';
import { DynamoLease } from '#shared/adapters/dynamodb/lease.ts';
import { ComponentTokenService } from '#shared/domain/tokens/component-token.ts';
import { DomainError } from '#shared/errors/domain-errors.ts';
import { WeChatApiClient } from '#shared/wechat/api-client.ts';
import { freshTable, type TestTable } from '#test/integration/support/table.ts';

const YEAR_SECONDS = 365 * 24 * 3600;
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The ticket's age is WeChat's to judge (issue 11): the simulated WeChat decides, the hub only asks. */
describe('the component ticket’s age against the simulated WeChat', () => {
  let table: TestTable;
  let simulator: WeChatSimulator;
  let componentAppId: string;

  const service = () =>
    new ComponentTokenService({
      store: new DynamoComponentStore(table.client, table.name),
      lease: new DynamoLease(table.client, table.name),
      api: new WeChatApiClient({ apiBase: simulator.baseUrl, sleep: async () => undefined }),
      credentials: async () => ({ componentAppId, componentSecret: simulator.credentials.componentSecret }),
    });
  const calls = (api: string) => simulator.calls()[`/cgi-bin/component/${api}`] ?? 0;

  beforeAll(async () => {
    table = await freshTable('ticket-age');
    simulator = await startWeChatSimulator({ ticketIntervalMs: 0, seedAccounts: false });
  });

  afterAll(async () => {
    await simulator?.stop();
  });

  beforeEach(async () => {
    componentAppId = simulator.credentials.componentAppId;
    // A fresh component partition per test: the table holds one ticket, token and lease per appid.
    for (const sk of ['TOKEN', 'TICKET', 'PUSH_TICKET_RESTART']) {
      await table.client.send(new DeleteCommand({ TableName: table.name, Key: { pk: `COMPONENT#${componentAppId}`, sk } }));
    }
    simulator.resetCalls();
  });

  it('mints a token from a years-old ticket that WeChat still accepts', async () => {
    // Prepare
    await simulator.pushTicket();
    await service().saveTicket({ ticket: simulator.currentTicket()!, createTime: nowSeconds() - 3 * YEAR_SECONDS });

    // Act
    const token = await service().current();

    // Assess
    expect(token).toMatch(/^\d+_/);
    expect(calls('api_component_token')).toBe(1);
  });

  it('answers wechat_not_ready and asks WeChat to resume pushing when WeChat calls the ticket expired (61005)', async () => {
    // Prepare
    await simulator.pushTicket();
    await service().saveTicket({ ticket: simulator.currentTicket()!, createTime: nowSeconds() });
    simulator.advanceClock(12 * 3600_000 + 1_000);

    // Act
    const error = await service()
      .current()
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('wechat_not_ready');
    expect((error as DomainError).statusCode).toBe(503);
    expect((error as Error).message).toMatch(/61005/);
    expect(calls('api_start_push_ticket')).toBe(1);
  });

  it('answers wechat_not_ready and asks WeChat to resume pushing when WeChat does not know the ticket (61006)', async () => {
    // Prepare
    await service().saveTicket({ ticket: `ticket@@@${randomBytes(8).toString('hex')}`, createTime: nowSeconds() });

    // Act
    const error = await service()
      .current()
      .catch((e: unknown) => e);

    // Assess
    expect((error as DomainError).code).toBe('wechat_not_ready');
    expect((error as Error).message).toMatch(/61006/);
    expect(calls('api_start_push_ticket')).toBe(1);
  });

  it('asks WeChat to resume pushing once per interval however many callers see the ticket refused', async () => {
    // Prepare
    await service().saveTicket({ ticket: `ticket@@@${randomBytes(8).toString('hex')}`, createTime: nowSeconds() });

    // Act
    await Promise.all(
      [1, 2, 3].map(() =>
        service()
          .current()
          .catch(() => undefined),
      ),
    );

    // Assess
    expect(calls('api_start_push_ticket')).toBe(1);
  });
});
