import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoComponentStore } from '#shared/adapters/dynamodb/component-store.ts';
import { DynamoLease } from '#shared/adapters/dynamodb/lease.ts';
import { ComponentTokenService } from '#shared/domain/tokens/component-token.ts';
import { WeChatNotReady } from '#shared/errors/domain-errors.ts';
import { WeChatApiClient } from '#shared/wechat/api-client.ts';
import { freshTable, type TestTable } from '#test/integration/support/table.ts';
import { startFakeWeChat, type FakeWeChat, type SeenRequest } from '#test/unit/wechat-client/fake-wechat.ts';

/** A store whose first token read answers as if made just before another caller's refresh finished. */
class LateFirstRead extends DynamoComponentStore {
  private first = true;
  override async readToken(componentAppId: string) {
    if (!this.first) return super.readToken(componentAppId);
    this.first = false;
    return undefined;
  }
}

/** A WeChat that mints numbered component tokens after ~50 ms, as a real round trip would take. */
function mintingWeChat(wechat: FakeWeChat): void {
  let minted = 0;
  wechat.answer = (request: SeenRequest) => {
    if (request.path === '/cgi-bin/component/api_component_token') {
      minted += 1;
      return { body: { component_access_token: `component-token-${minted}`, expires_in: 7200 }, delayMs: 50 };
    }
    if (request.path === '/cgi-bin/component/api_start_push_ticket') return { body: { errcode: 0, errmsg: 'ok' }, delayMs: 50 };
    return { body: { errcode: 0, errmsg: 'ok' } };
  };
}

const calls = (wechat: FakeWeChat, api: string) => wechat.requests.filter((r) => r.path === `/cgi-bin/component/${api}`);

describe('the component token on the embedded engine and a WeChat on loopback', () => {
  let table: TestTable;
  let wechat: FakeWeChat;
  let componentAppId: string;
  let store: DynamoComponentStore;

  const service = () =>
    new ComponentTokenService({
      store,
      lease: new DynamoLease(table.client, table.name),
      api: new WeChatApiClient({ apiBase: wechat.base, sleep: async () => undefined }),
      credentials: async () => ({ componentAppId, componentSecret: 'component-secret' }),
      // The embedded engine serves one request at a time on a shared machine: 49 waiting callers
      // queue the holder's writes behind their reads, so the wait bound here is generous.
      options: { pollMs: 50, waitForRefreshMs: 20_000 },
    });

  const nowSeconds = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    table = await freshTable('component-token');
    store = new DynamoComponentStore(table.client, table.name);
    wechat = await startFakeWeChat();
  });

  afterAll(async () => {
    await wechat.close();
  });

  beforeEach(() => {
    // Every test is a component of its own, so none sees another's ticket, token or lease.
    componentAppId = `wx${randomBytes(8).toString('hex')}`;
    wechat.requests = [];
    mintingWeChat(wechat);
  });

  it('makes exactly one api_component_token call for 50 concurrent callers', async () => {
    // Prepare
    await service().saveTicket({ ticket: 'ticket@@@fresh', createTime: nowSeconds() });
    const callers = Array.from({ length: 50 }, () => service());

    // Act
    const tokens = await Promise.all(callers.map((caller) => caller.current()));

    // Assess
    expect(calls(wechat, 'api_component_token')).toHaveLength(1);
    expect(new Set(tokens)).toEqual(new Set(['component-token-1']));
  });

  it('mints the token with the newest ticket and the component’s credentials', async () => {
    // Prepare
    await service().saveTicket({ ticket: 'ticket@@@first', createTime: nowSeconds() - 600 });
    await service().saveTicket({ ticket: 'ticket@@@second', createTime: nowSeconds() });

    // Act
    await service().current();

    // Assess
    expect(calls(wechat, 'api_component_token')[0]?.body).toEqual({
      component_appid: componentAppId,
      component_appsecret: 'component-secret',
      component_verify_ticket: 'ticket@@@second',
    });
  });

  it('returns a stored token that is still valid without calling WeChat', async () => {
    // Prepare
    await service().saveTicket({ ticket: 'ticket@@@fresh', createTime: nowSeconds() });
    const first = await service().current();
    wechat.requests = [];

    // Act
    const again = await service().current();

    // Assess
    expect(again).toBe(first);
    expect(wechat.requests).toHaveLength(0);
  });

  it('refreshes a stored token that is within the refresh margin of its expiry', async () => {
    // Prepare
    await service().saveTicket({ ticket: 'ticket@@@fresh', createTime: nowSeconds() });
    const lease = new DynamoLease(table.client, table.name);
    await lease.tryAcquire(store.tokenLeaseKey(componentAppId), 'setup', 1_000);
    await store.saveToken(componentAppId, { token: 'nearly-due', expiresAt: new Date(Date.now() + 5 * 60_000).toISOString() }, 'setup');
    await lease.release(store.tokenLeaseKey(componentAppId), 'setup');

    // Act
    const token = await service().current();

    // Assess
    expect(token).toBe('component-token-1');
  });

  it('uses the token another caller refreshed between its read and its lease instead of minting again', async () => {
    // Prepare
    await service().saveTicket({ ticket: 'ticket@@@fresh', createTime: nowSeconds() });
    const refreshed = await service().current();
    wechat.requests = [];
    const late = new ComponentTokenService({
      store: new LateFirstRead(table.client, table.name),
      lease: new DynamoLease(table.client, table.name),
      api: new WeChatApiClient({ apiBase: wechat.base }),
      credentials: async () => ({ componentAppId, componentSecret: 'component-secret' }),
    });

    // Act
    const token = await late.current();

    // Assess
    expect(token).toBe(refreshed);
    expect(calls(wechat, 'api_component_token')).toHaveLength(0);
  });

  it('hands out a due but still working token while another caller holds the refresh lease', async () => {
    // Prepare
    await service().saveTicket({ ticket: 'ticket@@@fresh', createTime: nowSeconds() });
    const lease = new DynamoLease(table.client, table.name);
    await lease.tryAcquire(store.tokenLeaseKey(componentAppId), 'other-refresher', 30_000);
    await store.saveToken(componentAppId, { token: 'due-but-working', expiresAt: new Date(Date.now() + 5 * 60_000).toISOString() }, 'other-refresher');

    // Act
    const token = await service().current();

    // Assess
    expect(token).toBe('due-but-working');
    expect(calls(wechat, 'api_component_token')).toHaveLength(0);
  });

  it('gives up waiting, as not ready, when another caller holds the lease and no token works', async () => {
    // Prepare
    await service().saveTicket({ ticket: 'ticket@@@fresh', createTime: nowSeconds() });
    await new DynamoLease(table.client, table.name).tryAcquire(store.tokenLeaseKey(componentAppId), 'stuck-refresher', 60_000);
    const impatient = new ComponentTokenService({
      store,
      lease: new DynamoLease(table.client, table.name),
      api: new WeChatApiClient({ apiBase: wechat.base }),
      credentials: async () => ({ componentAppId, componentSecret: 'component-secret' }),
      sleep: async () => undefined,
      options: { pollMs: 50, waitForRefreshMs: 200 },
    });

    // Act
    const error = await impatient.current().catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(WeChatNotReady);
    expect(calls(wechat, 'api_component_token')).toHaveLength(0);
  });

  it('says WeChat is not ready when no ticket was ever pushed', async () => {
    // Act
    const error = await service()
      .current()
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(WeChatNotReady);
    expect(calls(wechat, 'api_component_token')).toHaveLength(0);
  });

  it('mints with the newest ticket however old its CreateTime: the ticket’s age is WeChat’s to judge', async () => {
    // Prepare
    await service().saveTicket({ ticket: 'ticket@@@old', createTime: nowSeconds() - 13 * 3600 });

    // Act
    const token = await service().current();

    // Assess
    expect(token).toBe('component-token-1');
    expect(calls(wechat, 'api_component_token')[0]?.body).toMatchObject({ component_verify_ticket: 'ticket@@@old' });
  });

  it('says WeChat is not ready when WeChat calls the stored ticket expired', async () => {
    // Prepare
    await service().saveTicket({ ticket: 'ticket@@@revoked', createTime: nowSeconds() });
    wechat.answer = () => ({ body: { errcode: 61005, errmsg: 'component ticket is expired' } });

    // Act
    const error = await service()
      .current()
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(WeChatNotReady);
  });

  it('asks WeChat to resume pushing tickets when WeChat calls the stored ticket expired', async () => {
    // Prepare
    await service().saveTicket({ ticket: 'ticket@@@revoked', createTime: nowSeconds() });
    wechat.answer = (request) =>
      request.path === '/cgi-bin/component/api_component_token'
        ? { body: { errcode: 61005, errmsg: 'component ticket is expired' } }
        : { body: { errcode: 0, errmsg: 'ok' } };

    // Act
    await service()
      .current()
      .catch(() => undefined);

    // Assess
    expect(calls(wechat, 'api_start_push_ticket')).toHaveLength(1);
  });

  it('refreshes once the token it handed out is expired by the one who used it', async () => {
    // Prepare
    const tokens = service();
    await tokens.saveTicket({ ticket: 'ticket@@@fresh', createTime: nowSeconds() });
    const used = await tokens.current();

    // Act
    await tokens.expire(used);
    const next = await tokens.current();

    // Assess
    expect(next).toBe('component-token-2');
  });

  it('keeps the current token when a caller expires one that was already replaced', async () => {
    // Prepare
    const tokens = service();
    await tokens.saveTicket({ ticket: 'ticket@@@fresh', createTime: nowSeconds() });
    const first = await tokens.current();
    await tokens.expire(first);
    const second = await tokens.current();
    wechat.requests = [];

    // Act
    await tokens.expire(first);
    const after = await tokens.current();

    // Assess
    expect(after).toBe(second);
    expect(calls(wechat, 'api_component_token')).toHaveLength(0);
  });

  it('lets the client retry a rejected component token once with a fresh one', async () => {
    // Prepare
    const tokens = service();
    await tokens.saveTicket({ ticket: 'ticket@@@fresh', createTime: nowSeconds() });
    const rejected = await tokens.current();
    const answerMint = wechat.answer;
    wechat.answer = (request, index) =>
      request.path === '/cgi-bin/component/api_create_preauthcode'
        ? request.query.get('component_access_token') === rejected
          ? { body: { errcode: 40001, errmsg: 'invalid credential rid: 1-2-3' } }
          : { body: { pre_auth_code: 'preauthcode@@@new', expires_in: 600 } }
        : answerMint(request, index);

    // Act
    const result = await new WeChatApiClient({ apiBase: wechat.base }).createPreAuthCode(tokens, { componentAppId });

    // Assess
    expect(result.preAuthCode).toBe('preauthcode@@@new');
    expect(calls(wechat, 'api_create_preauthcode').map((r) => r.query.get('component_access_token'))).toEqual([rejected, 'component-token-2']);
  });

  it('reports the age of a fresh ticket without asking WeChat to push again', async () => {
    // Prepare
    const now = Date.now();
    await service().saveTicket({ ticket: 'ticket@@@fresh', createTime: Math.floor(now / 1000) - 120 });

    // Act
    const freshness = await service().ensureTicketFresh(now);

    // Assess
    expect(freshness.pushRestarted).toBe(false);
    expect(freshness.ageSeconds).toBeGreaterThanOrEqual(120);
    expect(freshness.ageSeconds).toBeLessThan(122);
    expect(calls(wechat, 'api_start_push_ticket')).toHaveLength(0);
  });

  it('asks WeChat to resume pushing tickets exactly once among concurrent callers when the ticket is stale', async () => {
    // Prepare
    const now = Date.now();
    await service().saveTicket({ ticket: 'ticket@@@stale', createTime: Math.floor(now / 1000) - 45 * 60 });
    const callers = Array.from({ length: 10 }, () => service());

    // Act
    const results = await Promise.all(callers.map((caller) => caller.ensureTicketFresh(now)));

    // Assess
    expect(calls(wechat, 'api_start_push_ticket')).toHaveLength(1);
    expect(calls(wechat, 'api_start_push_ticket')[0]?.body).toEqual({ component_appid: componentAppId, component_secret: 'component-secret' });
    expect(results.filter((r) => r.pushRestarted)).toHaveLength(1);
    expect(results.every((r) => r.ageSeconds !== null && r.ageSeconds >= 45 * 60)).toBe(true);
  });

  it('asks WeChat to push when no ticket was ever received', async () => {
    // Act
    const freshness = await service().ensureTicketFresh();

    // Assess
    expect(freshness).toEqual({ ageSeconds: null, pushRestarted: true });
    expect(calls(wechat, 'api_start_push_ticket')).toHaveLength(1);
  });

  it('asks again on the next run when WeChat refused the previous request', async () => {
    // Prepare
    const answerMint = wechat.answer;
    wechat.answer = () => ({ body: { errcode: 61004, errmsg: 'access clientip is not registered' } });
    await service()
      .ensureTicketFresh()
      .catch(() => undefined);
    wechat.answer = answerMint;

    // Act
    const freshness = await service().ensureTicketFresh();

    // Assess
    expect(freshness.pushRestarted).toBe(true);
    expect(calls(wechat, 'api_start_push_ticket')).toHaveLength(2);
  });
});
