/**
 * The WeCom association's lifecycle on the embedded table, against a fake WeCom (`fake-wecom.ts`):
 * ticket → install link → install → the same install's create_auth push → change_auth → cancel_auth
 * → delete; duplicate pushes change nothing; another tenant cannot take the corp; and no response,
 * log line, event or stored attribute carries the permanent code, a token, a ticket or a secret.
 */
import { DynamoTenantSettings } from '#shared/adapters/dynamodb/tenant-settings.ts';
import { tenantSettingsReader } from '#shared/domain/tenants/settings.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoLease } from '#shared/adapters/dynamodb/lease.ts';
import { DynamoMiniProgramSecrets, DynamoWeComCorps, DynamoWeComEvents, DynamoWeComStates } from '#shared/adapters/dynamodb/wecom-corps.ts';
import { DynamoSuiteTickets, DynamoWeComTokens } from '#shared/adapters/dynamodb/wecom-tokens.ts';
import { detailTypes, wecomCorpEvent, type BusEvent } from '#shared/domain/events/model.ts';
import { applyWeComEvent, type ApplyEventDeps } from '#shared/domain/wecom/apply-event.ts';
import { deleteCorp, getCorp, putMiniProgramSecret, type CorpDeps } from '#shared/domain/wecom/corp.ts';
import { completeInstallation, startInstallation, type InstallDeps } from '#shared/domain/wecom/install.ts';
import type { WeComCallbackEvent, WeComCredentials, WeComEventMessage, WeComLog } from '#shared/domain/wecom/ports.ts';
import { handleSuitePush, type SuitePushDeps } from '#shared/domain/wecom/suite-push.ts';
import { WeComTokenService } from '#shared/domain/wecom/tokens.ts';
import { EnvelopeSecretBox, LocalFileMasterKey } from '#shared/wecom/secret-box.ts';
import { freshTable, type TestTable } from '#test/integration/support/table.ts';
import { FakeWeCom } from '#test/integration/wecom/fake-wecom.ts';

const SUITE_ID = 'wwsuite0000000001';
const credentials: WeComCredentials = {
  suiteId: SUITE_ID,
  suiteSecret: 'suite-secret-0123456789abcdef',
  token: 'Token123',
  aesKey: 'A'.repeat(43),
  providerCorpId: 'wwprovider0000001',
  providerSecret: 'provider-secret-0123456789',
};
const CORP = 'wpCorpAbC0001';
const TENANT = 'acme';
const OTHER = 'globex';

interface World {
  table: TestTable;
  fake: FakeWeCom;
  logs: string[];
  events: BusEvent[];
  queued: WeComEventMessage[];
  responses: unknown[];
  push: SuitePushDeps;
  install: InstallDeps;
  apply: ApplyEventDeps;
  corp: CorpDeps;
  tokens: WeComTokenService;
}

function build(table: TestTable): World {
  const { client, name } = table;
  const fake = new FakeWeCom();
  const logs: string[] = [];
  const events: BusEvent[] = [];
  const queued: WeComEventMessage[] = [];
  const log: WeComLog = {
    info: (message, fields) => logs.push(JSON.stringify({ level: 'info', message, ...fields })),
    warn: (message, fields) => logs.push(JSON.stringify({ level: 'warn', message, ...fields })),
  };
  const secrets = new EnvelopeSecretBox(new LocalFileMasterKey(join(mkdtempSync(join(tmpdir(), 'wecom-key-')), 'wecom-secret-key')));
  const corps = new DynamoWeComCorps(client, name);
  const states = new DynamoWeComStates(client, name);
  const tokenStore = new DynamoWeComTokens(client, name);
  const tokens = new WeComTokenService({
    tickets: new DynamoSuiteTickets(client, name),
    tokens: tokenStore,
    corps,
    secrets,
    lease: new DynamoLease(client, name),
    api: fake,
    credentials: async () => credentials,
  });
  const lifecycle = {
    installed: async (detail: { corpId: string; tenantId: string; at: string }) => void events.push(wecomCorpEvent(detailTypes.wecomCorpInstalled, detail)),
    uninstalled: async (detail: { corpId: string; tenantId: string; at: string }) => void events.push(wecomCorpEvent(detailTypes.wecomCorpUninstalled, detail)),
  };
  const settings = tenantSettingsReader({
    store: new DynamoTenantSettings(client, name),
    defaults: { accountQuota: 10, bindingPolicy: { requireServiceAccount: true, requireVerified: true, requiredFuncIds: [] } },
  });
  const gate = { enabled: (tenantId: string) => settings.featureEnabled(tenantId, 'wecom') };
  const now = () => new Date();
  const install: InstallDeps = {
    gate,
    corps,
    states,
    secrets,
    tokens,
    api: fake,
    events: lifecycle,
    credentials: async () => credentials,
    settings: { authType: 'test', openBase: 'https://open.work.weixin.qq.com', publicBaseUrl: 'https://hub.example' },
    now,
    log,
    sleep: async () => undefined,
  };
  return {
    table,
    fake,
    logs,
    events,
    queued,
    responses: [],
    tokens,
    push: {
      tickets: new DynamoSuiteTickets(client, name),
      events: new DynamoWeComEvents(client, name),
      queue: { send: async (message) => void queued.push(message) },
      suiteId: async () => SUITE_ID,
      now,
      log,
    },
    install,
    apply: {
      events: new DynamoWeComEvents(client, name),
      corps,
      states,
      tokens,
      tokenStore,
      secrets,
      api: fake,
      lifecycle,
      customerChanges: {
        externalContactChanged: async () => undefined,
        contactChanged: async () => undefined,
        visibleRangeChanged: async (corp, before, after) => void logs.push(JSON.stringify({ message: 'range', corp: corp.corpId, before, after })),
      },
      install,
      now,
      log,
    },
    corp: { gate, corps, corpData: { removeAll: async () => undefined }, miniPrograms: new DynamoMiniProgramSecrets(client, name), secrets, now, log },
  };
}

const enableFeature = (w: World, tenantId: string) =>
  w.table.client.send(new PutCommand({ TableName: w.table.name, Item: { pk: `TENANT#${tenantId}`, sk: 'TENANT', features: { wecom: true } } }));

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A push received and its queued event applied, as the callback and the worker do it. */
async function deliver(w: World, push: WeComCallbackEvent): Promise<{ receipt: string; applied: string[] }> {
  const before = w.queued.length;
  const receipt = await handleSuitePush(push, w.push);
  const applied: string[] = [];
  for (const message of w.queued.slice(before)) applied.push(await applyWeComEvent(message, w.apply));
  return { receipt, applied };
}

describe('WeCom association lifecycle (embedded table, fake WeCom)', () => {
  let w: World;
  let installUrl: URL;

  beforeAll(async () => {
    w = build(await freshTable('wecom-lifecycle'));
    await enableFeature(w, TENANT);
    await enableFeature(w, OTHER);
  });

  it('stores a pushed suite_ticket and keeps the newest when an older push arrives late', async () => {
    const older = w.fake.newTicket();
    const newer = w.fake.newTicket();
    expect(await handleSuitePush({ infoType: 'suite_ticket', suiteId: SUITE_ID, timeStamp: nowSeconds(), suiteTicket: newer }, w.push)).toBe('ticket_saved');
    expect(await handleSuitePush({ infoType: 'suite_ticket', suiteId: SUITE_ID, timeStamp: nowSeconds() - 600, suiteTicket: older }, w.push)).toBe(
      'ticket_stale',
    );
    expect((await w.push.tickets.latestTicket(SUITE_ID))?.ticket).toBe(newer);
  });

  it('refuses an install link to a tenant without the WeCom feature (422 feature_disabled)', async () => {
    const attempt = startInstallation({ tenantId: 'no-feature', userId: 'u1' }, w.install);
    await expect(attempt).rejects.toMatchObject({ code: 'feature_disabled', statusCode: 422 });
  });

  it('answers an install link with a test session (WECOM_AUTH_TYPE test → auth_type 1) and a 30-minute state', async () => {
    const link = await startInstallation({ tenantId: TENANT, userId: 'admin-1' }, w.install);
    w.responses.push(link);
    installUrl = new URL(link.installUrl);
    expect(installUrl.pathname).toBe('/3rdapp/install');
    expect(installUrl.searchParams.get('redirect_uri')).toBe('https://hub.example/v1/wecom/installed');
    expect([...w.fake.sessions.values()]).toEqual([1]);
    expect(Date.parse(link.expiresAt) - Date.now()).toBeGreaterThan(29 * 60_000);
  });

  it('installs the corp from the redirect and publishes WeCom Corp Installed once', async () => {
    const state = installUrl.searchParams.get('state')!;
    const authCode = w.fake.install(CORP, state);
    const result = await completeInstallation({ authCode, state }, w.install);
    // The same install's create_auth push (WeCom's marketplace path; the simulator sends both): the code is spent already.
    const pushed = await deliver(w, { infoType: 'create_auth', suiteId: SUITE_ID, timeStamp: nowSeconds(), authCode, state });
    const corp = await getCorp(TENANT, w.corp);
    w.responses.push(corp);
    expect(result).toEqual({ corpId: CORP, outcome: 'installed' });
    expect(pushed.applied).toEqual(['refused']);
    expect(corp).toMatchObject({
      corpId: CORP,
      status: 'installed',
      authType: 'test',
      visibleRange: { departments: [1], users: [], tags: [] },
      customerPermission: true,
    });
    expect(w.events.map((event) => event.detailType)).toEqual(['WeCom Corp Installed']);
  });

  it('refuses a second use of the install state', async () => {
    const state = installUrl.searchParams.get('state')!;
    await expect(completeInstallation({ authCode: w.fake.install(CORP, state), state }, w.install)).rejects.toMatchObject({ code: 'state_invalid' });
  });

  it('refuses another tenant installing the same corp like account_bound_elsewhere', async () => {
    const link = new URL((await startInstallation({ tenantId: OTHER, userId: 'admin-9' }, w.install)).installUrl);
    const state = link.searchParams.get('state')!;
    const attempt = completeInstallation({ authCode: w.fake.install(CORP, state), state }, w.install);
    await expect(attempt).rejects.toMatchObject({ code: 'account_bound_elsewhere', statusCode: 409 });
    expect((await w.apply.corps.get(CORP))?.tenantId).toBe(TENANT);
  });

  it('vends the corp token minted with the sealed permanent code', async () => {
    const vended = await w.tokens.corpToken(CORP);
    w.responses.push(vended);
    expect(vended.accessToken).toBe(w.fake.corpTokens.get(CORP));
  });

  it('re-reads the visible range on change_auth, and a repeated change_auth push changes nothing', async () => {
    w.fake.ranges.set(CORP, { departments: [1, 2], users: ['zhangsan'], tags: [] });
    const push: WeComCallbackEvent = { infoType: 'change_auth', suiteId: SUITE_ID, timeStamp: nowSeconds(), authCorpId: CORP };
    const first = await deliver(w, push);
    const callsAfterFirst = w.fake.calls.length;
    const again = await deliver(w, push);
    expect(first.applied).toEqual(['applied']);
    expect(again.receipt).toBe('duplicate');
    expect(again.applied).toEqual([]);
    expect(w.fake.calls.length).toBe(callsAfterFirst);
    expect((await getCorp(TENANT, w.corp)).visibleRange).toEqual({ departments: [1, 2], users: ['zhangsan'], tags: [] });
  });

  it('refuses to delete the corp while WeCom still shows it installed (409 revoke_in_wechat_first)', async () => {
    await expect(deleteCorp(TENANT, w.corp)).rejects.toMatchObject({ code: 'revoke_in_wechat_first', statusCode: 409 });
  });

  it('uninstalls on cancel_auth: status uninstalled, tokens stop, one WeCom Corp Uninstalled however often it is pushed', async () => {
    const push: WeComCallbackEvent = { infoType: 'cancel_auth', suiteId: SUITE_ID, timeStamp: nowSeconds(), authCorpId: CORP };
    const first = await deliver(w, push);
    const again = await deliver(w, push);
    const redelivered = await applyWeComEvent(w.queued.at(-1)!, w.apply);
    expect(first.applied).toEqual(['applied']);
    expect(again.receipt).toBe('duplicate');
    expect(redelivered).toBe('duplicate');
    expect((await getCorp(TENANT, w.corp)).status).toBe('uninstalled');
    await expect(w.tokens.corpToken(CORP)).rejects.toMatchObject({ code: 'account_not_active' });
    expect(w.events.filter((event) => event.detailType === 'WeCom Corp Uninstalled')).toHaveLength(1);
  });

  it('deletes the uninstalled corp, after which the tenant has none (404)', async () => {
    await deleteCorp(TENANT, w.corp);
    await expect(getCorp(TENANT, w.corp)).rejects.toMatchObject({ code: 'not_found' });
    expect(await w.apply.corps.get(CORP)).toBeUndefined();
  });

  it('keeps the mini program secret sealed and answers only secretSet', async () => {
    const secret = 'MiniSecret0123456789abcdef012345';
    w.fake.secrets.add(secret);
    const answer = await putMiniProgramSecret({ tenantId: TENANT, userId: 'admin-1' }, { appid: 'wx1234567890abcdef', secret }, w.corp);
    w.responses.push(answer);
    expect(answer).toMatchObject({ appid: 'wx1234567890abcdef', secretSet: true });
    const { Item } = await w.table.client.send(new GetCommand({ TableName: w.table.name, Key: { pk: `TENANT#${TENANT}`, sk: 'WECOM_MINIPROGRAM' } }));
    expect(Item?.secret).toMatchObject({ v: 1, keyId: 'local' });
  });

  it('leaves no permanent code, token, ticket, auth code or secret in any response, log line, event or settled item', async () => {
    const { Items = [] } = await w.table.client.send(new ScanCommand({ TableName: w.table.name }));
    // Tokens and the ticket are kept on their own items, as the Official Account tokens are: everything else is scanned.
    const scanned = Items.filter((item) => item.sk !== 'TOKEN' && item.sk !== 'TICKET');
    const haystack = JSON.stringify({
      responses: w.responses.filter((r) => !(r && typeof r === 'object' && 'accessToken' in r)),
      logs: w.logs,
      events: w.events,
      items: scanned,
    });
    const leaked = [...w.fake.secrets].filter((secret) => haystack.includes(secret));
    expect(w.fake.secrets.size).toBeGreaterThan(5);
    expect(leaked.map((s) => s.replace(/[0-9a-f]{36}$/, '…'))).toEqual([]);
  });
});
